package rtmp

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/nbio"
	"github.com/picosrs/picosrs/internal/textlog"
)

// Conn is an RTMP connection, server side (Accept) or client side (Dial).
//
// Reading (ReadRequest, ReadTag, ServePlayerInput, Play, Publish) belongs to
// one goroutine; writing media (WriteTags) may happen from another. Every
// write, including the acknowledgements and ping responses the reading side
// sends, goes through one mutex, so messages never interleave.
//
// Write deadlines. Every write the Conn makes on its own (the handshake's
// S0S1S2, answers to commands, acknowledgements, ping responses, Set Chunk
// Size, onStatus acceptances and rejections, NotifyUnpublish, and a client's
// commands) must finish within the write timeout (SetWriteTimeout;
// ServerConfig.WriteTimeout or DialConfig.WriteTimeout, DefaultWriteTimeout
// when zero), or by the caller's SetWriteDeadline deadline if that is
// earlier and not yet passed; then the caller's deadline is put back. So a
// peer that stops reading is dropped within the write timeout by the first
// of these writes that blocks, whatever the caller's deadline is. Media
// writes (WriteTags, TryWriteTags, FlushWrites) never set a deadline: they
// are the hot path, and the caller owns their deadline through
// SetWriteDeadline, refreshed coarsely (the live server moves it once a
// second at most). Without one a media write may wait for ever.
type Conn struct {
	nc  net.Conn
	br  *bufio.Reader
	cr  *ChunkReader
	log *textlog.Logger

	wmu sync.Mutex
	cw  *ChunkWriter
	nbw *nbio.Writer // nil where writes cannot be made without waiting

	writeTimeout atomic.Int64 // time.Duration of the Conn's own writes
	// dlmu guards the write deadline of nc and the fields below (and
	// clientSide.opDL). It is held only around setting a deadline, never
	// across a write, so that SetWriteDeadline never waits for a blocked
	// write.
	dlmu     sync.Mutex
	userDL   time.Time // set with SetWriteDeadline: the media writes' deadline
	ownWrite bool      // one of the Conn's own writes is in progress

	// read side state
	untilDrained bool   // readMessage stops when all it read is handled (ServeBufferedPlayerInput)
	streamID     uint32 // message stream id of the publish/play stream
	ackWindow    uint32 // peer's window acknowledgement size, 0 = none
	lastAck      uint64 // bytesIn at the last acknowledgement sent
	bytesIn      atomic.Uint64
	bytesOut     atomic.Uint64
	pending      []flv.Tag

	// A Conn keeps for its life only what it needs while it plays or
	// publishes; what the commands before need (server) or what only a
	// client needs lives apart.
	setup *serverSetup // server side, from Accept until play or publish is granted; under wmu
	cl    *clientSide  // client side only; nil on a server's Conn
}

// serverSetup is what a server's Conn needs from the handshake until it
// grants play or publish (AcceptPlay, AcceptPublish): a player that then
// watches for hours keeps none of it.
type serverSetup struct {
	chunkSizeOut int           // the chunk size announced in answer to connect
	connectApp   string        // connect's app field
	req          *Request      // from connect on; the play or publish request once it came
	readLimit    uint64        // while non-zero, bytesIn may not pass it (request phase)
	budget       requestBudget // the request phase's, under wmu
}

// clientSide is what only a client's Conn needs (Dial, NewClientConn).
type clientSide struct {
	url           *URL
	timeout       time.Duration // of each operation (DialConfig.Timeout)
	chunkSizeOut  int
	txID          float64
	connectParams flv.Object
	opDL          time.Time // deadline of the operation in progress (withDeadline); under Conn.dlmu
}

// countingReader counts the bytes read from the connection into
// c.bytesIn and, in the request phase, stops at c.setup.readLimit.
type countingReader struct {
	r io.Reader
	c *Conn
}

func (r countingReader) Read(p []byte) (int, error) {
	if st := r.c.setup; st != nil && st.readLimit > 0 {
		lim := st.readLimit
		in := r.c.bytesIn.Load()
		if in >= lim {
			return 0, errRequestBytes
		}
		if uint64(len(p)) > lim-in {
			p = p[:lim-in]
		}
	}
	n, err := r.r.Read(p)
	r.c.bytesIn.Add(uint64(n))
	return n, err
}

// newConn returns a client's Conn on nc, which reads with a 4 KB buffer.
func newConn(nc net.Conn, maxMessage, maxStreams int, log *textlog.Logger) *Conn {
	return newConnReading(nc, mediaReaders.Get().(*bufio.Reader), maxMessage, maxStreams, log)
}

// newServerConn returns a server's Conn on nc, in the request phase: it
// reads the handshake and the commands with a small buffer (see
// smallReadBuffer).
func newServerConn(nc net.Conn, maxMessage, maxStreams int, log *textlog.Logger) *Conn {
	c := newConnReading(nc, smallReaders.Get().(*bufio.Reader), maxMessage, maxStreams, log)
	c.streamID = 1
	c.setup = &serverSetup{chunkSizeOut: DefaultChunkSize}
	return c
}

func newConnReading(nc net.Conn, br *bufio.Reader, maxMessage, maxStreams int, log *textlog.Logger) *Conn {
	c := &Conn{nc: nc, log: log, br: br}
	c.SetWriteTimeout(0)
	c.br.Reset(countingReader{nc, c})
	c.cr = NewChunkReader(c.br, maxMessage, maxStreams)
	c.cr.maxOther = MaxCommandSize
	c.cw = NewChunkWriter(nc)
	if c.nbw = nbio.New(nc); c.nbw != nil {
		c.cw.SetNonblocking(c.nbw)
	}
	return c
}

// DefaultWriteTimeout bounds each of a Conn's own writes when no other
// write timeout is configured: SRS's RTMP send timeout.
const DefaultWriteTimeout = 30 * time.Second

// SetWriteTimeout sets the time each of the Conn's own writes may take (see
// Conn); d <= 0 selects DefaultWriteTimeout. The live server shortens it for
// a publisher to the vhost's publish timeout, so that a publisher that stops
// reading loses its stream name within about that time. Safe to call from
// any goroutine; it applies from the next write.
func (c *Conn) SetWriteTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultWriteTimeout
	}
	c.writeTimeout.Store(int64(d))
}

// SetWriteDeadline sets the deadline of media writes (WriteTags,
// TryWriteTags, FlushWrites); the zero time means none. It is also the
// latest deadline of the Conn's own writes while it lies in the future (see
// Conn). It never waits, even while a write is blocked: during one of the
// Conn's own writes it takes effect when that write ends.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.dlmu.Lock()
	defer c.dlmu.Unlock()
	c.userDL = t
	if c.ownWrite {
		return nil
	}
	return c.nc.SetWriteDeadline(t)
}

// aLongTimeAgo is a deadline in the past: I/O fails at once.
var aLongTimeAgo = time.Unix(1, 0)

// ownWriteDeadline returns the deadline of one of the Conn's own writes
// starting now: the write timeout, or an earlier operation or caller
// deadline. c.dlmu must be held.
func (c *Conn) ownWriteDeadline(now time.Time) time.Time {
	dl := now.Add(time.Duration(c.writeTimeout.Load()))
	if c.cl != nil && !c.cl.opDL.IsZero() && c.cl.opDL.Before(dl) {
		dl = c.cl.opDL
	}
	if c.userDL.After(now) && c.userDL.Before(dl) {
		dl = c.userDL
	}
	return dl
}

// restingWriteDeadline is the deadline outside the Conn's own writes: the
// operation's while one runs (client), else the caller's. c.dlmu must be
// held.
func (c *Conn) restingWriteDeadline() time.Time {
	if c.cl != nil && !c.cl.opDL.IsZero() {
		return c.cl.opDL
	}
	return c.userDL
}

// flushOwnLocked writes the queued batch as one of the Conn's own writes,
// under its own deadline; c.wmu must be held.
func (c *Conn) flushOwnLocked() error {
	if len(c.cw.iov) == 0 {
		return nil
	}
	if err := c.checkRequestReplyLocked(); err != nil {
		return err
	}
	c.dlmu.Lock()
	c.ownWrite = true
	c.nc.SetWriteDeadline(c.ownWriteDeadline(time.Now()))
	c.dlmu.Unlock()
	err := c.flushLocked()
	if c.setup == nil {
		// The Conn's own writes are few and far between once play or
		// publish has started: the batch's vector and headers are not
		// kept for them (the request phase's answers reuse theirs, media
		// written with WriteTags too).
		c.cw.release()
	}
	c.dlmu.Lock()
	c.ownWrite = false
	c.nc.SetWriteDeadline(c.restingWriteDeadline())
	c.dlmu.Unlock()
	return err
}

// SetReadDeadline sets the deadline of the underlying connection's reads.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.nc.SetReadDeadline(t) }

// Close closes the underlying connection.
func (c *Conn) Close() error { return c.nc.Close() }

// RemoteAddr returns the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// BytesIn returns the bytes read from the peer so far.
func (c *Conn) BytesIn() uint64 { return c.bytesIn.Load() }

// BytesOut returns the bytes written to the peer so far.
func (c *Conn) BytesOut() uint64 { return c.bytesOut.Load() }

func (c *Conn) debug(msg string, args ...any) {
	if c.log != nil {
		c.log.Debug(msg, args...)
	}
}

// flushLocked writes the queued batch; c.wmu must be held.
func (c *Conn) flushLocked() error {
	n, err := c.cw.Flush()
	c.bytesOut.Add(uint64(n))
	if err != nil {
		return fmt.Errorf("rtmp: write: %w", err)
	}
	return nil
}

// writeMessages queues and writes msgs in one batch, as one of the Conn's
// own writes.
func (c *Conn) writeMessages(msgs ...Message) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	for i := range msgs {
		c.cw.Queue(&msgs[i])
	}
	return c.flushOwnLocked()
}

func (c *Conn) writeControl(typ MessageType, body []byte) error {
	return c.writeMessages(Message{Type: typ, ChunkStreamID: csidProtocolControl, Body: body})
}

// setChunkSize sends Set Chunk Size (section 5.4.1) and applies it to the
// writer under the same lock, so no message is cut with the wrong size.
func (c *Conn) setChunkSize(n int) error {
	if n < 128 {
		n = 128
	}
	if n > 65536 {
		n = 65536
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.cw.Queue(&Message{Type: TypeSetChunkSize, ChunkStreamID: csidProtocolControl, Body: controlBody4(uint32(n))})
	err := c.flushOwnLocked()
	c.cw.SetChunkSize(n)
	return err
}

// readMessage returns the next message that is not protocol control: it
// handles Window Acknowledgement Size, Set Peer Bandwidth, Acknowledgement
// (sections 5.4.3-5.4.5) and User Control events (section 6.2), and sends an
// Acknowledgement whenever the peer's window is reached.
func (c *Conn) readMessage() (Message, error) {
	for first := true; ; first = false {
		if !first && c.untilDrained && c.br.Buffered() == 0 {
			return Message{}, errDrained
		}
		m, err := c.cr.ReadMessage()
		if err != nil {
			return m, err
		}
		if err := c.checkRequestMessages(); err != nil {
			return m, err
		}
		if c.ackWindow > 0 {
			// Count what the chunk layer consumed, not what bufio read ahead.
			if in := c.bytesIn.Load() - uint64(c.br.Buffered()); in-c.lastAck >= uint64(c.ackWindow) {
				c.lastAck = in
				// The sequence number wraps at 32 bits (section 5.4.3).
				if err := c.writeControl(TypeAck, controlBody4(uint32(in))); err != nil {
					return m, err
				}
			}
		}
		switch m.Type {
		case TypeAck, TypeSharedObjectAMF0, TypeSharedObjectAMF3:
			continue
		case TypeWindowAckSize:
			// 0 is ignored, as SRS does; a tiny window is raised so that
			// acknowledgements cannot outnumber what the peer sends.
			if len(m.Body) >= 4 {
				if w := binary.BigEndian.Uint32(m.Body); w > 0 {
					c.ackWindow = max(w, MinAckWindow)
					c.debug("rtmp: peer window ack size", "size", w, "used", c.ackWindow)
				}
			}
			continue
		case TypeSetPeerBandwidth:
			// Section 5.4.5: answer with our Window Acknowledgement Size.
			if c.isClient() && len(m.Body) >= 4 {
				if err := c.writeControl(TypeWindowAckSize, controlBody4(binary.BigEndian.Uint32(m.Body))); err != nil {
					return m, err
				}
			}
			continue
		case TypeUserControl:
			if err := c.handleUserControl(m.Body); err != nil {
				return m, err
			}
			continue
		}
		return m, nil
	}
}

func (c *Conn) handleUserControl(b []byte) error {
	if len(b) < 2 {
		return nil
	}
	ev := binary.BigEndian.Uint16(b)
	switch ev {
	case userControlPingRequest:
		if len(b) >= 6 {
			return c.writeControl(TypeUserControl, userControlBody(userControlPingResponse, binary.BigEndian.Uint32(b[2:])))
		}
	case userControlSetBufferLength:
		if len(b) >= 10 {
			c.debug("rtmp: set buffer length", "stream", binary.BigEndian.Uint32(b[2:]), "ms", binary.BigEndian.Uint32(b[6:]))
		}
	}
	return nil
}

// isClient reports whether c is a client's connection (Dial).
func (c *Conn) isClient() bool { return c.cl != nil }

// cleanEOF maps the ways a peer closes a connection to io.EOF.
func cleanEOF(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.ErrClosedPipe) {
		return io.EOF
	}
	return err
}

// command is a decoded command message (section 7.1.1 / 7.2).
type command struct {
	Name string
	TxID float64
	Obj  flv.Object // command object, nil when null
	Args []any
}

func (cmd *command) arg(i int) any {
	if i < len(cmd.Args) {
		return cmd.Args[i]
	}
	return nil
}

func (cmd *command) argString(i int) string {
	s, _ := cmd.arg(i).(string)
	return s
}

// infoObject returns the first object argument (the info object of
// _result/_error/onStatus).
func (cmd *command) infoObject() flv.Object {
	for _, a := range cmd.Args {
		if o, ok := a.(flv.Object); ok {
			return o
		}
	}
	return nil
}

// ErrBadCommand reports an undecodable command message.
var ErrBadCommand = errors.New("rtmp: bad command")

// parseCommand decodes an AMF0 or AMF3 command message. An AMF3 command
// message starts with a 0 byte followed by AMF0 values (section 7.1.1).
// The whole body must decode: a command cut short or carrying a value the
// decoder does not know is refused rather than taken for its prefix (a play
// whose name does not decode must not become a play of ""); SRS also fails
// a command whose fields do not decode.
func parseCommand(m Message) (command, error) {
	b := m.Body
	if m.Type == TypeCommandAMF3 && len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	vals, err := flv.UnmarshalAMF0(b)
	if err != nil {
		return command{}, fmt.Errorf("%w: %w", ErrBadCommand, err)
	}
	var cmd command
	var ok bool
	if len(vals) < 1 {
		return cmd, fmt.Errorf("%w: empty", ErrBadCommand)
	}
	if cmd.Name, ok = vals[0].(string); !ok {
		return cmd, fmt.Errorf("%w: name is %T", ErrBadCommand, vals[0])
	}
	if len(vals) > 1 {
		cmd.TxID, _ = vals[1].(float64)
	}
	if len(vals) > 2 {
		cmd.Obj, _ = vals[2].(flv.Object)
		cmd.Args = vals[3:]
	}
	return cmd, nil
}

// ReadTag returns the next audio, video or data message as a tag, handling
// control messages and commands on the way. Used by the server for a
// publisher and by a client that plays.
//
// A data message "@setDataFrame", "onMetaData", {...} comes back as the AMF0
// body "onMetaData", {...}; other data messages pass as they are (AMF3 data
// messages lose their leading 0 byte). Aggregate messages (section 7.1.6) are
// split into their tags with timestamps rebased on the message's timestamp.
// The tag body is owned by the caller and may be shared as immutable.
//
// It returns io.EOF when the publisher unpublishes (FCUnpublish,
// deleteStream, closeStream), when the played stream stops, or when the peer
// closes the connection.
func (c *Conn) ReadTag() (flv.Tag, error) {
	for {
		if len(c.pending) > 0 {
			t := c.pending[0]
			c.pending = c.pending[1:]
			if len(c.pending) == 0 {
				c.pending = nil
			}
			return t, nil
		}
		m, err := c.readMessage()
		if err != nil {
			return flv.Tag{}, cleanEOF(err)
		}
		switch m.Type {
		case TypeAudio:
			return flv.Tag{Type: flv.TagAudio, Timestamp: m.Timestamp, Data: m.Body}, nil
		case TypeVideo:
			return flv.Tag{Type: flv.TagVideo, Timestamp: m.Timestamp, Data: m.Body}, nil
		case TypeDataAMF0, TypeDataAMF3:
			if t, ok := c.dataTag(m); ok {
				return t, nil
			}
		case TypeAggregate:
			c.pending = splitAggregate(m, c.pending)
		case TypeCommandAMF0, TypeCommandAMF3:
			cmd, err := parseCommand(m)
			if err != nil {
				c.debug("rtmp: ignore command", "err", err)
				continue
			}
			if err := c.handleMediaCommand(&cmd); err != nil {
				return flv.Tag{}, err
			}
		}
	}
}

// dataTag turns a data message into a script tag (see ReadTag).
func (c *Conn) dataTag(m Message) (flv.Tag, bool) {
	b := m.Body
	if m.Type == TypeDataAMF3 && len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	name, rest := leadingString(b)
	switch string(name) { // no allocation: the name is only compared
	case "@setDataFrame":
		b = rest
	case "|RtmpSampleAccess", "onStatus":
		if c.isClient() {
			return flv.Tag{}, false
		}
	}
	return flv.Tag{Type: flv.TagScript, Timestamp: m.Timestamp, Data: b}, true
}

// leadingString returns the bytes of the AMF0 string (AMF0 section 2.4)
// that b starts with, and the bytes after it; nil if b does not start with
// a whole one.
func leadingString(b []byte) (s, rest []byte) {
	if len(b) < 3 || b[0] != 0x02 {
		return nil, b
	}
	n := int(binary.BigEndian.Uint16(b[1:]))
	if len(b) < 3+n {
		return nil, b
	}
	return b[3 : 3+n], b[3+n:]
}

// splitAggregate appends the tags of an aggregate message (section 7.1.6):
// each sub-message is an FLV tag (11-byte header, body, 4-byte back pointer);
// timestamps are rebased so the first sub-message gets the aggregate's own
// timestamp. The sub-bodies share the aggregate's fresh body. A truncated
// sub-message ends the split.
func splitAggregate(m Message, dst []flv.Tag) []flv.Tag {
	b := m.Body
	first := true
	var base uint32
	for len(b) >= flv.TagHeaderSize {
		typ, size, ts, err := flv.ParseTagHeader(b)
		end := flv.TagHeaderSize + size
		if end > len(b) {
			break
		}
		body := b[flv.TagHeaderSize:end:end]
		b = b[end:]
		if len(b) >= 4 {
			b = b[4:] // PreviousTagSize
		} else {
			b = nil
		}
		if first {
			base, first = ts, false
		}
		if err != nil {
			continue // encrypted: skipped
		}
		switch typ {
		case flv.TagAudio, flv.TagVideo, flv.TagScript:
		default:
			continue
		}
		dst = append(dst, flv.Tag{Type: typ, Timestamp: m.Timestamp + (ts - base), Data: body})
	}
	return dst
}

// handleMediaCommand handles a command that arrives while media flows.
func (c *Conn) handleMediaCommand(cmd *command) error {
	c.debug("rtmp: command", "name", cmd.Name, "txid", cmd.TxID)
	if c.isClient() {
		switch cmd.Name {
		case "onStatus":
			info := cmd.infoObject()
			code, _ := info.GetString("code")
			switch code {
			case "NetStream.Play.Stop", "NetStream.Play.UnpublishNotify":
				return io.EOF
			}
			if lvl, _ := info.GetString("level"); lvl == "error" {
				return statusErr(info)
			}
		}
		return nil
	}
	switch cmd.Name {
	case "FCUnpublish", "deleteStream", "closeStream":
		if cmd.Name == "FCUnpublish" {
			// What SRS answers; best effort, the publisher may be gone.
			_ = c.writeCommand(csidStream, c.streamID, "onFCUnpublish", 0, nil,
				statusInfo("status", "NetStream.Unpublish.Success", "Stop publishing stream."))
			if cmd.TxID > 0 {
				_ = c.writeCommand(csidCommand, 0, "_result", cmd.TxID, nil, undefined)
			}
		}
		return io.EOF
	}
	return c.answerUnknown(cmd)
}

// answerUnknown answers a command the server does not implement: _result
// null when it has a transaction id, nothing otherwise.
func (c *Conn) answerUnknown(cmd *command) error {
	if c.isClient() || cmd.TxID <= 0 || cmd.Name == "_result" || cmd.Name == "_error" {
		return nil
	}
	return c.writeCommand(csidCommand, 0, "_result", cmd.TxID, nil)
}

// WriteTags writes tags to the peer on the connection's message stream, one
// message per tag (audio, video and data on their own chunk streams), in one
// vectored write. Tag bodies are not copied and not modified; they must stay
// unchanged until WriteTags returns. Safe to call while another goroutine
// reads. On a client that publishes, a script tag starting with "onMetaData"
// is sent as @setDataFrame (a small copy, metadata only).
func (c *Conn) WriteTags(tags []*flv.Tag) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.queueTagsLocked(tags); err != nil {
		return err
	}
	return c.flushLocked()
}

// ErrBusy is returned by TryWriteTags when another write holds the
// connection (the reading side answering the peer): nothing was queued.
var ErrBusy = errors.New("rtmp: connection busy writing")

// TryWriteTags queues tags as WriteTags does and writes what the socket takes
// without waiting. It reports whether everything queued went out; FlushWrites
// writes the rest (so does any later write, ahead of its own messages). A
// connection that cannot be written without waiting reports false at once.
// It never waits for another writer either: then it queues nothing and
// returns ErrBusy.
func (c *Conn) TryWriteTags(tags []*flv.Tag) (bool, error) {
	if !c.wmu.TryLock() {
		return false, ErrBusy
	}
	defer c.wmu.Unlock()
	if err := c.queueTagsLocked(tags); err != nil {
		return false, err
	}
	if c.nbw == nil {
		return false, nil
	}
	n, done, err := c.cw.TryFlush()
	c.bytesOut.Add(uint64(n))
	if err != nil {
		return false, fmt.Errorf("rtmp: write: %w", err)
	}
	return done, nil
}

// FlushWrites writes whatever TryWriteTags or TryWriteVector left queued,
// waiting as needed, and lets go of the vector that held it: a player
// whose socket was full once keeps none once it has caught up.
func (c *Conn) FlushWrites() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	err := c.flushLocked()
	c.cw.release()
	return err
}

func (c *Conn) queueTagsLocked(tags []*flv.Tag) error {
	for _, t := range tags {
		if len(t.Data) > maxMessageLength {
			return fmt.Errorf("%w: tag of %d bytes", ErrMessageTooLarge, len(t.Data))
		}
		m := Message{Type: MessageType(t.Type), Timestamp: t.Timestamp, StreamID: c.streamID, Body: t.Data}
		switch t.Type {
		case flv.TagAudio:
			m.ChunkStreamID = csidAudio
		case flv.TagVideo:
			m.ChunkStreamID = csidVideo
		case flv.TagScript:
			m.Type, m.ChunkStreamID = TypeDataAMF0, csidData
			if c.isClient() && t.IsMetadata() {
				m.Body = append(append([]byte(nil), setDataFrame...), t.Data...)
			}
		default:
			continue
		}
		c.cw.Queue(&m)
	}
	return nil
}

// WriteTag writes one tag; see WriteTags.
func (c *Conn) WriteTag(t *flv.Tag) error {
	return c.WriteTags([]*flv.Tag{t})
}

// setDataFrame is the AMF0 string "@setDataFrame".
var setDataFrame = []byte("\x02\x00\x0d@setDataFrame")
