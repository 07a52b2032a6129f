package httpd

import (
	"sync"

	"github.com/picosrs/picosrs/internal/websocket"
)

// wsFramer frames a live WebSocket viewer's batches: each batch is one
// unmasked binary frame (RFC 6455 section 5.6), its 2-10 byte header before
// the shared packets, so the payload is never copied. A pong the viewer's
// reader queued goes out whole before the next batch: the socket belongs to
// the writer, and a control frame may not cut into a data frame (section
// 5.4). It is a live.Framer: the stream's fan-out and the viewer's
// goroutine call Frame one at a time; queuePong may be called at any time.
type wsFramer struct {
	hdr [10]byte                              // the binary frame header of the current batch
	out [2 + websocket.MaxControlPayload]byte // the pong going out with the current batch

	mu      sync.Mutex // guards pong and pongLen
	pong    [websocket.MaxControlPayload]byte
	pongLen int // -1: none queued
}

func newWSFramer() *wsFramer { return &wsFramer{pongLen: -1} }

// queuePong queues a pong answering a ping with payload p (at most 125
// bytes); only the latest ping is answered, as section 5.5.3 allows.
func (f *wsFramer) queuePong(p []byte) {
	f.mu.Lock()
	f.pongLen = copy(f.pong[:], p)
	f.mu.Unlock()
}

// takePong moves the queued pong frame into f.out and returns it, or nil.
func (f *wsFramer) takePong() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pongLen < 0 {
		return nil
	}
	b := websocket.AppendHeader(f.out[:0], websocket.Header{Fin: true, Opcode: websocket.OpPong, Length: uint64(f.pongLen)})
	b = append(b, f.pong[:f.pongLen]...)
	f.pongLen = -1
	return b
}

// Frame returns a queued pong (if any) and the binary frame header for a
// batch of n bytes; nothing goes after the payload.
func (f *wsFramer) Frame(n int) (head0, head1, tail []byte) {
	head0 = f.takePong()
	if n > 0 {
		head1 = websocket.AppendBinaryHeader(f.hdr[:0], n)
	}
	return head0, head1, nil
}
