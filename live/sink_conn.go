package live

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/picosrs/picosrs/internal/nbio"
	"github.com/picosrs/picosrs/internal/tlsconn"
)

// Framer wraps each batch a ConnSink writes in a transport's framing: HTTP
// chunked encoding (with the response header before the first batch), or a
// WebSocket binary frame. Framing is per write and never copies payload.
type Framer interface {
	// Frame returns what goes before a batch of n payload bytes (at most two
	// slices, either may be nil) and what goes after it (nil for nothing).
	// The returned slices must stay unchanged until the next call.
	Frame(n int) (head0, head1, tail []byte)
}

// ConnSink writes a viewer's batches to a socket it owns (a hijacked HTTP
// connection): each batch is one vectored write of the framing and slices
// of the shared packets, through internal/nbio where the platform allows
// writes that never wait.
type ConnSink struct {
	conn     net.Conn
	nbw      tryWriter // nil: the fan-out hands every batch to the goroutine
	framer   Framer
	timeout  time.Duration
	sent     *atomic.Uint64 // the client's bytes-out counter
	vec      net.Buffers
	pend     [][]byte // what TryWrite left for Finish
	deadline deadline
}

// tryWriter writes with or without waiting (nbio.Writer).
type tryWriter interface {
	TryWrite(v *[][]byte) (int64, error)
	WriteAll(v *[][]byte) (int64, error)
}

func newConnSink(conn net.Conn, f Framer, timeout time.Duration, sent *atomic.Uint64) *ConnSink {
	h := &ConnSink{conn: conn, framer: f, timeout: timeout, sent: sent}
	if w := nbio.New(conn); w != nil {
		h.nbw = w
	} else if w := tlsconn.NewWriter(conn); w != nil {
		h.nbw = w // TLS: records sealed per batch, written without waiting
	}
	return h
}

// frame fills the framing slots of v and appends the trailer.
func (h *ConnSink) frame(v [][]byte) [][]byte {
	n := 0
	for _, b := range v[2:] {
		n += len(b)
	}
	var tail []byte
	v[0], v[1], tail = h.framer.Frame(n)
	if tail != nil {
		v = append(v, tail)
	}
	return v
}

// writeVec writes h.vec, waiting as needed: through nbw when there is one
// (its iovec array stays small; net keeps the longest vector's array for
// the connection's life).
func (h *ConnSink) writeVec() error {
	var w int64
	var err error
	if h.nbw != nil {
		w, err = h.nbw.WriteAll((*[][]byte)(&h.vec))
	} else {
		w, err = h.vec.WriteTo(h.conn)
	}
	h.sent.Add(uint64(w))
	h.vec = nil
	return err
}

// Write sends a batch, waiting as needed.
func (h *ConnSink) Write(v [][]byte) error {
	h.vec = h.frame(v)
	h.deadline.refresh(h.conn, h.timeout, time.Now())
	return h.writeVec()
}

// TryWrite sends what the socket takes now; see Sink.
func (h *ConnSink) TryWrite(v [][]byte, now time.Time) (bool, error) {
	h.vec = h.frame(v)
	if h.nbw != nil {
		// The deadline matters only when the goroutine waits, but an
		// expired one also fails a write that would not wait.
		h.deadline.refresh(h.conn, h.timeout, now)
		w, err := h.nbw.TryWrite((*[][]byte)(&h.vec))
		h.sent.Add(uint64(w))
		if err != nil || len(h.vec) == 0 {
			h.vec = nil
			return err == nil, err
		}
	}
	h.pend = append(h.pend[:0], h.vec...)
	h.vec = nil
	return false, nil
}

// Finish writes what TryWrite left.
func (h *ConnSink) Finish() error {
	h.vec = h.pend
	h.deadline.refresh(h.conn, h.timeout, time.Now())
	err := h.writeVec()
	h.pend = nil // kept only while a hand-off lasts
	return err
}

// WriteFinal writes the bytes that end the stream cleanly (HTTP's
// terminating chunk, a WebSocket close frame), within a second, once the
// viewer's goroutine has stopped writing.
func (h *ConnSink) WriteFinal(b ...[]byte) error {
	h.conn.SetWriteDeadline(time.Now().Add(time.Second))
	h.vec = b
	return h.writeVec()
}
