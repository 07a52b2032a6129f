package httpd

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/picosrs/picosrs/internal/netwatch"
	"github.com/picosrs/picosrs/internal/websocket"
)

// wsMaxMessage bounds a data message a viewer may send: players send none,
// so anything bigger is closed with 1009 before its payload is read.
const wsMaxMessage = 4096

// wsFrameTimeout bounds the reading of a frame a client has begun to send
// (a variable so that a test can shorten it).
var wsFrameTimeout = 10 * time.Second

// wsReader reads a WebSocket viewer's frames: it takes the place of the
// hang-up watch of HTTP viewers. Where the connection's input can be
// watched (netwatch.WatchInput: plain TCP on Linux), a goroutine runs only
// while the client has sent something, one frame at a time; elsewhere (TLS)
// one reads until the client leaves. A ping is answered through the framer
// (the pong goes before the next batch); a close frame, a protocol error or
// the socket closing ends the viewer (hangUp). Its memory is fixed
// (websocket.Reader's).
type wsReader struct {
	fr     *wsFramer
	conn   net.Conn
	rd     *websocket.Reader
	watch  *netwatch.Input // nil: a goroutine reads until the end
	done   chan struct{}   // closed when reading has ended
	hangUp func()          // ends the viewer

	mu       sync.Mutex
	peerCode uint16 // the client's close status, when it sent a close frame
	err      error  // what ended reading: io.EOF, a read error or a protocol error
}

func newWSReader(conn net.Conn, r io.Reader, fr *wsFramer, hangUp func()) *wsReader {
	return &wsReader{fr: fr, conn: conn, rd: websocket.NewReader(r, wsMaxMessage), done: make(chan struct{}), hangUp: hangUp}
}

// start begins reading: a frame the client sent behind its request (already
// buffered) is read at once, then the watch waits for more; without a
// watch, a goroutine reads until the end.
func (w *wsReader) start(buffered bool) {
	switch {
	case w.watch == nil:
		go w.serveBlocking()
	case buffered:
		go w.serve()
	default:
		w.watch.Arm()
	}
}

// ready is called by the watcher when the client has sent something.
func (w *wsReader) ready() { go w.serve() }

// serve reads one frame and handles it, then waits for the next.
func (w *wsReader) serve() {
	w.conn.SetReadDeadline(time.Now().Add(wsFrameTimeout))
	if w.step() {
		w.conn.SetReadDeadline(time.Time{})
		w.watch.Arm()
	}
}

// serveBlocking reads until the client leaves.
func (w *wsReader) serveBlocking() {
	for w.step() {
	}
}

// step reads and handles one frame; false when reading has ended (and the
// viewer is being ended).
func (w *wsReader) step() bool {
	op, p, err := w.rd.ReadFrame()
	switch {
	case err != nil:
		w.end(0, err)
		return false
	case op == websocket.OpPing:
		w.fr.queuePong(p)
	case op == websocket.OpClose:
		code, _, _ := websocket.ParseClose(p) // checked by ReadFrame
		w.end(code, nil)
		return false
	}
	return true
}

// end records why reading ended and ends the viewer.
func (w *wsReader) end(code uint16, err error) {
	w.mu.Lock()
	w.peerCode, w.err = code, err
	w.mu.Unlock()
	close(w.done)
	w.hangUp()
}

// stop ends the watch (before the connection is closed).
func (w *wsReader) stop() {
	if w.watch != nil {
		w.watch.Stop()
	}
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
