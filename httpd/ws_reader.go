package httpd

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/picosrs/picosrs/internal/websocket"
)

// wsMaxMessage bounds a data message a viewer may send: players send none,
// so anything bigger is closed with 1009 before its payload is read.
const wsMaxMessage = 4096

// wsReader is a WebSocket viewer's own reader: it takes the place of the
// hang-up watch of HTTP viewers, reading the client's frames until the
// client leaves. A ping is answered through the framer (the pong goes
// before the next batch); a close frame, a protocol error or the socket
// closing ends the viewer (hangUp). Its memory is fixed (websocket.Reader's).
type wsReader struct {
	fr     *wsFramer
	done   chan struct{} // closed when reading has ended
	hangUp func()        // ends the viewer

	mu       sync.Mutex
	peerCode uint16 // the client's close status, when it sent a close frame
	err      error  // what ended reading: io.EOF, a read error or a protocol error
}

// run reads r until the client closes, breaks the protocol or the socket
// fails, then ends the viewer.
func (w *wsReader) run(r io.Reader) {
	defer w.hangUp()
	defer close(w.done)
	rd := websocket.NewReader(r, wsMaxMessage)
	for {
		op, p, err := rd.Next()
		if err != nil {
			w.end(0, err)
			return
		}
		switch op {
		case websocket.OpPing:
			w.fr.queuePong(p)
		case websocket.OpClose:
			code, _, _ := websocket.ParseClose(p) // checked by Next
			w.end(code, nil)
			return
		}
	}
}

func (w *wsReader) end(code uint16, err error) {
	w.mu.Lock()
	w.peerCode, w.err = code, err
	w.mu.Unlock()
}

// closing returns the close frame to send once the viewer has stopped
// writing, or nil when the socket is no longer worth writing to (the client
// closed or reset it). serveErr is what the viewer's Serve returned.
func (w *wsReader) closing(serveErr error, kicked bool) []byte {
	w.mu.Lock()
	code, rerr := w.peerCode, w.err
	w.mu.Unlock()
	select {
	case <-w.done:
		switch {
		case rerr == nil: // the client's close frame: echo its status (section 5.5.1)
			if code == websocket.CloseNoStatus {
				code = websocket.CloseNormal
			}
			return websocket.AppendCloseFrame(nil, code, "")
		case errors.Is(rerr, io.EOF), errors.Is(rerr, io.ErrUnexpectedEOF), errors.Is(rerr, net.ErrClosed):
			return nil
		case websocket.CloseCode(rerr) != websocket.CloseNormal:
			return websocket.AppendCloseFrame(nil, websocket.CloseCode(rerr), rerr.Error())
		}
		return nil // a read error: the socket is gone
	default:
	}
	code, reason := wsEndStatus(serveErr, kicked)
	return websocket.AppendCloseFrame(nil, code, reason)
}

// linger reads and drops what the client still sends, for up to a second
// and 64 KiB, once the reader has stopped: closing a socket with unread
// bytes resets it, and a reset can destroy the close frame just sent before
// the client reads it (RFC 6455 section 7.1.1: the server closes the TCP
// connection after the closing handshake).
func (w *wsReader) linger(conn net.Conn, r io.Reader) {
	select {
	case <-w.done:
	default:
		return // still reading: the socket is being closed under it
	}
	conn.SetReadDeadline(time.Now().Add(time.Second))
	io.Copy(io.Discard, io.LimitReader(r, 64<<10))
}
