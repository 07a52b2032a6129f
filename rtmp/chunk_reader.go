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

// chunkStream is the state of one incoming chunk stream.
type chunkStream struct {
	started   bool   // a message header has been seen on this chunk stream
	extended  bool   // the last header carried an extended timestamp
	timestamp uint32 // timestamp of the current/last message
	delta     uint32 // last timestamp field (delta, or absolute for format 0)
	extValue  uint32 // last extended timestamp value read
	length    uint32
	typ       MessageType
	streamID  uint32
	buf       []byte // body of the message in progress, nil between messages
	n         int    // bytes of buf filled
}

// ChunkReader reassembles RTMP messages from chunks. It is not safe for
// concurrent use.
type ChunkReader struct {
	r          *bufio.Reader
	chunkSize  uint32
	maxMessage uint32
	maxOther   uint32 // bound on a message that is not audio, video, data or aggregate
	maxStreams int
	pending    int // bytes allocated for messages in progress
	streams    map[uint32]*chunkStream
	hdr        [11]byte

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
		maxStreams: maxChunkStreams,
		streams:    make(map[uint32]*chunkStream),
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
				if cs := r.streams[binary.BigEndian.Uint32(m.Body)]; cs != nil && cs.buf != nil {
					r.pending -= int(cs.length)
					cs.buf, cs.n = nil, 0
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
		if _, err := io.ReadFull(r.r, r.hdr[:2]); err != nil {
			return m, false, unexpected(err)
		}
		csid = 64 + uint32(r.hdr[0]) + uint32(r.hdr[1])<<8
	}
	cs := r.streams[csid]
	if cs == nil {
		if len(r.streams) >= r.maxStreams {
			return m, false, fmt.Errorf("%w (limit %d, csid %d)", ErrTooManyChunkStreams, r.maxStreams, csid)
		}
		cs = &chunkStream{}
		r.streams[csid] = cs
	}
	// A fresh chunk stream must start with format 0; librtmp sends format 1
	// there for pings, which SRS accepts too.
	if !cs.started && format > 1 {
		return m, false, fmt.Errorf("%w: chunk stream %d starts with format %d", ErrChunkHeader, csid, format)
	}
	hl := [4]int{11, 7, 3, 0}[format]
	if hl > 0 {
		if _, err := io.ReadFull(r.r, r.hdr[:hl]); err != nil {
			return m, false, unexpected(err)
		}
	}
	newMessage := cs.buf == nil
	if format < 3 {
		if !newMessage {
			// A new header in the middle of a message: the peer gave up on it.
			r.pending -= int(cs.length)
			cs.buf, cs.n = nil, 0
			newMessage = true
		}
		ts := uint32(r.hdr[0])<<16 | uint32(r.hdr[1])<<8 | uint32(r.hdr[2])
		cs.extended = ts == 0xffffff
		if format <= 1 {
			cs.length = uint32(r.hdr[3])<<16 | uint32(r.hdr[4])<<8 | uint32(r.hdr[5])
			cs.typ = MessageType(r.hdr[6])
		}
		if format == 0 {
			cs.streamID = binary.LittleEndian.Uint32(r.hdr[7:11]) // little-endian, 5.3.1.2.1
		}
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
		cs.started = true
	} else if cs.extended {
		if newMessage {
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
	if newMessage {
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
		cs.buf = make([]byte, 0, min(int(cs.length), bodyStart))
		cs.n = 0
		r.pending += int(cs.length)
		r.allocated += uint64(cs.length)
	}
	n := min(int(cs.length)-cs.n, int(r.chunkSize))
	if cs.n+n > cap(cs.buf) {
		grown := make([]byte, cs.n, min(int(cs.length), max(2*cap(cs.buf), cs.n+n)))
		copy(grown, cs.buf)
		cs.buf = grown
	}
	cs.buf = cs.buf[:cs.n+n]
	if _, err := io.ReadFull(r.r, cs.buf[cs.n:]); err != nil {
		return m, false, unexpected(err)
	}
	cs.n += n
	if cs.n < int(cs.length) {
		return m, false, nil
	}
	m = Message{Type: cs.typ, Timestamp: cs.timestamp, StreamID: cs.streamID, ChunkStreamID: csid, Body: cs.buf}
	r.messages++
	r.pending -= int(cs.length)
	cs.buf, cs.n = nil, 0
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
