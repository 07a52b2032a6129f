package rtmp

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Chunk reader.
// Specification: spec-rtmp_specification_1.0 section 5.3 (chunking): basic
// header (5.3.1.1, csid 2..65599 in 1, 2 or 3 bytes), message header formats
// 0-3 (5.3.1.2), extended timestamp (5.3.1.3), and the two protocol control
// messages that act on the chunk stream: Set Chunk Size (5.4.1) and Abort
// Message (5.4.2).

// chunkStream is the state of one incoming chunk stream: what the next
// chunk's header may leave out (section 5.3.1.2). It exists once a message
// header has been seen on it. 28 bytes: a player keeps a few for as long
// as it plays.
type chunkStream struct {
	csid      uint32
	timestamp uint32 // timestamp of the current/last message
	delta     uint32 // last timestamp field (delta, or absolute for format 0)
	extValue  uint32 // last extended timestamp value read
	length    uint32
	streamID  uint32
	typ       MessageType
	extended  bool // the last header carried an extended timestamp
}

// partialMessage is a message whose chunks are still arriving on chunk
// stream csid: len(buf) bytes of its length are in.
type partialMessage struct {
	csid   uint32
	length uint32
	buf    []byte
}

// ChunkReader reassembles RTMP messages from chunks. It is not safe for
// concurrent use.
//
// Its state is two small slices searched in order: the chunk streams seen
// (at most maxStreams, a handful in practice) and the messages in progress
// (none between messages, rarely more than two). Compact releases what a
// connection that only plays no longer needs.
type ChunkReader struct {
	r       *bufio.Reader
	streams []chunkStream
	partial []partialMessage
	pending int // bytes allocated for messages in progress

	chunkSize  uint32
	maxMessage uint32
	maxOther   uint32 // bound on a message that is not audio, video, data or aggregate
	maxStreams uint32

	// untilDrained makes ReadMessage return errDrained, rather than read
	// on, when a chunk it handled left nothing buffered.
	untilDrained bool

	// Counters for the request-phase budget (Conn.ReadRequest).
	messages   uint64 // messages completed, protocol control included
	allocated  uint64 // bytes allocated for message bodies
	allocLimit uint64 // bound on allocated when non-zero
}

// NewChunkReader returns a reader of chunks from r. maxMessageSize bounds the
// length of one message (default DefaultMaxMessageSize, at most 16 MiB-1) and
// maxChunkStreams the number of chunk streams (default DefaultMaxChunkStreams);
// zero or negative values select the defaults. The incoming chunk size starts
// at 128 (section 5.4.1) and follows the peer's Set Chunk Size messages.
func NewChunkReader(r *bufio.Reader, maxMessageSize, maxChunkStreams int) *ChunkReader {
	if maxMessageSize <= 0 {
		maxMessageSize = DefaultMaxMessageSize
	}
	if maxMessageSize > maxMessageLength {
		maxMessageSize = maxMessageLength
	}
	if maxChunkStreams <= 0 {
		maxChunkStreams = DefaultMaxChunkStreams
	}
	return &ChunkReader{
		r:          r,
		chunkSize:  128,
		maxMessage: uint32(maxMessageSize),
		maxOther:   uint32(maxMessageSize),
		maxStreams: uint32(min(maxChunkStreams, maxChunkStreamID)),
	}
}

// maxChunkStreamID is the largest chunk stream id (section 5.3.1.1).
const maxChunkStreamID = 65599

// stream returns the state of chunk stream csid, or nil.
func (r *ChunkReader) stream(csid uint32) *chunkStream {
	for i := range r.streams {
		if r.streams[i].csid == csid {
			return &r.streams[i]
		}
	}
	return nil
}

// partialOf returns the index in r.partial of the message in progress on
// chunk stream csid, or -1.
func (r *ChunkReader) partialOf(csid uint32) int {
	for i := range r.partial {
		if r.partial[i].csid == csid {
			return i
		}
	}
	return -1
}

// drop forgets the message in progress at index i of r.partial.
func (r *ChunkReader) drop(i int) {
	r.pending -= int(r.partial[i].length)
	last := len(r.partial) - 1
	r.partial[i] = r.partial[last]
	r.partial[last] = partialMessage{}
	r.partial = r.partial[:last]
}

// Compact lets go of what the reader holds between messages beyond the
// chunk streams' headers: the list of messages in progress once it is
// empty, and spare room in the list of chunk streams. For a connection that
// sends rarely (a player): what it sends later is read as before, the lists
// grow again as needed.
func (r *ChunkReader) Compact() {
	if len(r.partial) == 0 {
		r.partial = nil
	}
	if cap(r.streams) > len(r.streams) {
		r.streams = append([]chunkStream(nil), r.streams...)
	}
}

// ChunkSize returns the current incoming chunk size.
func (r *ChunkReader) ChunkSize() int { return int(r.chunkSize) }

// ReadMessage reads chunks until a message is complete and returns it. Set
// Chunk Size and Abort messages are applied and not returned. The body is a
// fresh allocation owned by the caller. At a clean end of input between
// messages it returns io.EOF; inside a message io.ErrUnexpectedEOF.
func (r *ChunkReader) ReadMessage() (Message, error) {
	for first := true; ; first = false {
		if !first && r.untilDrained && r.r.Buffered() == 0 {
			return Message{}, errDrained
		}
		m, ok, err := r.readChunk()
		if err != nil {
			return Message{}, err
		}
		if !ok {
			continue
		}
		switch m.Type {
		case TypeSetChunkSize:
			if len(m.Body) < 4 {
				return Message{}, fmt.Errorf("%w: set chunk size body of %d bytes", ErrChunkSize, len(m.Body))
			}
			n := binary.BigEndian.Uint32(m.Body) & 0x7fffffff // bit 31 must be 0
			if n < 1 || n > maxChunkSize {
				return Message{}, fmt.Errorf("%w %d", ErrChunkSize, n)
			}
			r.chunkSize = n
			continue
		case TypeAbort:
			if len(m.Body) >= 4 {
				if i := r.partialOf(binary.BigEndian.Uint32(m.Body)); i >= 0 {
					r.drop(i)
				}
			}
			continue
		}
		return m, nil
	}
}

// errDrained: all that was read is handled, and no message is complete.
var errDrained = errors.New("rtmp: no complete message buffered")

func (r *ChunkReader) eof(err error) error {
	if err == io.EOF && r.pending > 0 {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readChunk reads one chunk; ok reports that it completed a message.
func (r *ChunkReader) readChunk() (m Message, ok bool, err error) {
	b0, err := r.r.ReadByte()
	if err != nil {
		return m, false, r.eof(err)
	}
	format := b0 >> 6
	csid := uint32(b0 & 0x3f)
	switch csid {
	case 0: // 2-byte basic header: csid 64..319
		b, err := r.r.ReadByte()
		if err != nil {
			return m, false, unexpected(err)
		}
		csid = 64 + uint32(b)
	case 1: // 3-byte basic header: csid 64..65599
		p, err := r.r.Peek(2)
		if err != nil {
			return m, false, unexpected(err)
		}
		csid = 64 + uint32(p[0]) + uint32(p[1])<<8
		r.r.Discard(2)
	}
	cs := r.stream(csid)
	if cs == nil {
		// A fresh chunk stream must start with format 0; librtmp sends
		// format 1 there for pings, which SRS accepts too.
		if format > 1 {
			return m, false, fmt.Errorf("%w: chunk stream %d starts with format %d", ErrChunkHeader, csid, format)
		}
		if len(r.streams) >= int(r.maxStreams) {
			return m, false, fmt.Errorf("%w (limit %d, csid %d)", ErrTooManyChunkStreams, r.maxStreams, csid)
		}
		r.streams = append(r.streams, chunkStream{csid: csid})
		cs = &r.streams[len(r.streams)-1]
	}
	pi := r.partialOf(csid)
	if format < 3 {
		hl := [3]int{11, 7, 3}[format]
		h, err := r.r.Peek(hl)
		if err != nil {
			return m, false, unexpected(err)
		}
		ts := uint32(h[0])<<16 | uint32(h[1])<<8 | uint32(h[2])
		if format <= 1 {
			cs.length = uint32(h[3])<<16 | uint32(h[4])<<8 | uint32(h[5])
			cs.typ = MessageType(h[6])
		}
		if format == 0 {
			cs.streamID = binary.LittleEndian.Uint32(h[7:11]) // little-endian, 5.3.1.2.1
		}
		r.r.Discard(hl)
		if pi >= 0 {
			// A new header in the middle of a message: the peer gave up on it.
			r.drop(pi)
			pi = -1
		}
		cs.extended = ts == 0xffffff
		if cs.extended {
			if ts, err = r.readUint32(); err != nil {
				return m, false, err
			}
			cs.extValue = ts
		}
		cs.delta = ts
		if format == 0 {
			cs.timestamp = ts
		} else {
			cs.timestamp += ts
		}
	} else if cs.extended {
		if pi < 0 {
			// Format 3 starting a message repeats the extended timestamp.
			ts, err := r.readUint32()
			if err != nil {
				return m, false, err
			}
			cs.extValue, cs.delta = ts, ts
		} else {
			// On continuation chunks ffmpeg and librtmp repeat it, some
			// encoders do not: consume it only if it is the same value.
			p, err := r.r.Peek(4)
			if err != nil {
				return m, false, unexpected(err)
			}
			if binary.BigEndian.Uint32(p) == cs.extValue {
				r.r.Discard(4)
			}
		}
	}
	if pi < 0 {
		if format == 3 {
			cs.timestamp += cs.delta
		}
		limit := r.maxMessage
		if !isMedia(cs.typ) {
			limit = min(limit, r.maxOther)
		}
		if cs.length > limit {
			return m, false, fmt.Errorf("%w: %d bytes of type %d on chunk stream %d (limit %d)", ErrMessageTooLarge, cs.length, cs.typ, csid, limit)
		}
		if r.pending+int(cs.length) > 2*int(r.maxMessage) {
			return m, false, fmt.Errorf("%w: %d bytes in unfinished messages", ErrMessageTooLarge, r.pending+int(cs.length))
		}
		if r.allocLimit > 0 && r.allocated+uint64(cs.length) > r.allocLimit {
			return m, false, fmt.Errorf("%w: %d bytes of message bodies (limit %d)", ErrMessageTooLarge, r.allocated+uint64(cs.length), r.allocLimit)
		}
		// The body grows as its chunks arrive, from at most bodyStart
		// bytes: a header that declares megabytes costs nothing until
		// the bytes come (memory stays within twice what was received).
		r.partial = append(r.partial, partialMessage{csid: csid, length: cs.length,
			buf: make([]byte, 0, min(int(cs.length), bodyStart))})
		pi = len(r.partial) - 1
		r.pending += int(cs.length)
		r.allocated += uint64(cs.length)
	}
	pm := &r.partial[pi]
	have := len(pm.buf)
	n := min(int(pm.length)-have, int(r.chunkSize))
	if have+n > cap(pm.buf) {
		grown := make([]byte, have, min(int(pm.length), max(2*cap(pm.buf), have+n)))
		copy(grown, pm.buf)
		pm.buf = grown
	}
	if _, err := io.ReadFull(r.r, pm.buf[have:have+n]); err != nil {
		return m, false, unexpected(err)
	}
	pm.buf = pm.buf[:have+n]
	if have+n < int(pm.length) {
		return m, false, nil
	}
	m = Message{Type: cs.typ, Timestamp: cs.timestamp, StreamID: cs.streamID, ChunkStreamID: csid, Body: pm.buf}
	r.messages++
	r.drop(pi)
	return m, true, nil
}

// bodyStart is the most a message body is given before its bytes arrive;
// a longer body doubles as they come. Most audio and video messages fit.
const bodyStart = 64 << 10

// isMedia reports whether messages of type t may be as large as the reader's
// maxMessage: audio, video, data (metadata) and aggregate messages. Commands
// and control messages are bounded by maxOther.
func isMedia(t MessageType) bool {
	switch t {
	case TypeAudio, TypeVideo, TypeDataAMF0, TypeDataAMF3, TypeAggregate:
		return true
	}
	return false
}

func (r *ChunkReader) readUint32() (uint32, error) {
	p, err := r.r.Peek(4)
	if err != nil {
		return 0, unexpected(err)
	}
	v := binary.BigEndian.Uint32(p)
	r.r.Discard(4)
	return v, nil
}

func unexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
