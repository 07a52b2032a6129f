package rtmp

import (
	"fmt"
	"sync"

	"github.com/picosrs/picosrs/flv"
)

// The Conn's own answers (connect's _result, onStatus, ...) are AMF0
// bodies encoded into a buffer lent by answerBufs. They are written before
// the write that queues them returns (flushOwnLocked waits, or drops the
// batch on an error), so the buffer goes back at once: a play costs no
// buffer grown from nothing per answer, where it left about 1.5 kB of
// garbage per player (a burst of a thousand: 1.5 MB).
var answerBufs = sync.Pool{New: func() any {
	b := make([]byte, 0, answerBufSize)
	return &b
}}

// answerBufSize holds the answers to connect and play; longer ones (a
// refusal that quotes a long name) grow the buffer.
const answerBufSize = 1 << 10

// putAnswerBuf gives b back, unless an answer made it large.
func putAnswerBuf(b *[]byte) {
	if cap(*b) > 4*answerBufSize {
		return
	}
	*b = (*b)[:0]
	answerBufs.Put(b)
}

// writeCommand sends an AMF0 command message (section 7.1.1).
func (c *Conn) writeCommand(csid, streamID uint32, vals ...any) error {
	return c.writeAMF0(TypeCommandAMF0, csid, streamID, vals...)
}

func (c *Conn) writeAMF0(typ MessageType, csid, streamID uint32, vals ...any) error {
	buf := answerBufs.Get().(*[]byte)
	defer putAnswerBuf(buf)
	b, err := flv.AppendAMF0((*buf)[:0], vals...)
	*buf = b
	if err != nil {
		return fmt.Errorf("rtmp: encode command: %w", err)
	}
	return c.writeMessages(Message{Type: typ, ChunkStreamID: csid, StreamID: streamID, Body: b})
}

// statusInfo is the info object of onStatus, _result and _error: level,
// code and description, then extra, in one allocation.
func statusInfo(level, code, description string, extra ...flv.ObjectEntry) flv.Object {
	o := make(flv.Object, 3, 3+len(extra))
	o[0] = flv.ObjectEntry{Key: "level", Value: level}
	o[1] = flv.ObjectEntry{Key: "code", Value: code}
	o[2] = flv.ObjectEntry{Key: "description", Value: description}
	return append(o, extra...)
}

// undefined is the AMF0 undefined value, as sent in some answers.
var undefined = flv.Undefined{}

// What the answers to connect and play hold that never changes.
var (
	windowAckSizeBody = controlBody4(defaultWindowAckSize)
	peerBandwidthBody = append(controlBody4(defaultWindowAckSize), 2) // dynamic (section 5.4.5)
	connectProps      = flv.Object{
		{Key: "fmsVer", Value: "FMS/3,5,3,888"},
		{Key: "capabilities", Value: float64(127)},
		{Key: "mode", Value: float64(1)},
	}
	connectData = flv.ECMAArray{
		{Key: "version", Value: "3,5,3,888"},
		{Key: "srs_server", Value: "picosrs"},
	}
	dataStartInfo = flv.Object{{Key: "code", Value: "NetStream.Data.Start"}}
)
