package live

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/picosrs/picosrs/access"
)

// Viewer is one player attached to a stream: its consumer, its entry in the
// client registry and, on an edge, its share of the pull from the origin.
// Close it once Serve has returned (or if Serve is never called).
type Viewer struct {
	srv        *Server
	st         *Stream
	c          *Consumer
	format     Format
	client     *Client
	unregister func(failed bool)
	untrack    func()
	stopPull   func()
	hook       *access.HookRequest // what on_stop says of the player
}

// Client returns the viewer's entry in the client registry.
func (v *Viewer) Client() *Client { return v.client }

// Drops is how many times the viewer fell behind and was resynchronised.
func (v *Viewer) Drops() int { return v.c.Drops() }

// ConnSink returns a sink that writes the viewer's batches to conn, a socket
// the caller owns, with f's framing, counting the bytes for the API. It
// applies the vhost's tcp_nodelay to conn.
func (v *Viewer) ConnSink(conn net.Conn, f Framer) *ConnSink {
	setNoDelay(conn, v.st.vh.TCPNodelay)
	return newConnSink(conn, f, v.srv.cfg.Load().WriteTimeout, &v.client.bytesOut)
}

// Start attaches out and returns at once: a goroutine of the viewer's own,
// fresh and small, sends the start-up burst (metadata, sequence headers,
// the cached GOP), then the viewer is written by its stream's fan-out, and
// by a goroutine of its own only while it needs one. (The caller's
// goroutine, an HTTP handler's or an RTMP connection's, has a deep stack:
// it is better not kept waiting on a burst.) onEnd is called once, on that
// goroutine, with the reason the viewer ended: io.EOF when the publishing
// session ended, ErrViewerGone when it left (HangUp, a reset) or was
// kicked, ErrShutdown, or a write error. Nothing is written to out after
// onEnd is called; the caller then closes the viewer and its connection.
func (v *Viewer) Start(out Sink, onEnd func(error)) {
	v.start(newEncoder(v.format, v.st.vh), out, onEnd)
}

func (v *Viewer) start(enc encoder, out Sink, onEnd func(error)) {
	v.c.attach(enc, out, onEnd)
	v.c.wake()
}

// HangUp ends the viewer because it left: its connection closed.
func (v *Viewer) HangUp() { v.c.hangUp(ErrViewerGone) }

// Serve is Start for a transport that keeps a goroutine per viewer anyway:
// it returns the reason the viewer ended, and ends it when gone is closed.
func (v *Viewer) Serve(out Sink, gone <-chan struct{}) error {
	return v.c.serve(newEncoder(v.format, v.st.vh), out, gone)
}

// Close detaches the viewer; err is what Serve returned (or the reason it
// was never called), for the registry's count of clients that failed. It
// then sends the vhost's on_stop hooks, on the caller's goroutine: close the
// player's connection first, so that a slow hook service keeps nobody
// waiting. A shutdown waits for it (within its bound).
func (v *Viewer) Close(err error) {
	v.stopPull()
	v.c.Close()
	v.untrack()
	v.unregister(Failed(err))
	v.srv.notify(v.st.key.Vhost, v.st.vh, access.OnStop, v.hook)
	v.srv.wg.Done()
}

// Failed reports whether a viewer or publisher that ended with err ended on
// an error rather than a normal ending (the stream or the viewer leaving,
// a shutdown).
func Failed(err error) bool {
	return err != nil && err != io.EOF && !errors.Is(err, ErrViewerGone) && !errors.Is(err, ErrShutdown)
}

// EndReason says in words why a viewer ended, for its closing log line.
func EndReason(err error, c *Client) string {
	var ne net.Error
	switch {
	case err == nil || err == io.EOF:
		return "stream ended"
	case errors.Is(err, ErrViewerGone) && c != nil && c.Kicked():
		return "kicked through the API"
	case errors.Is(err, ErrViewerGone):
		return "viewer left"
	case errors.Is(err, ErrShutdown):
		return "server shutting down"
	case errors.Is(err, errTooSlow):
		return fmt.Sprintf("too slow: fell behind the queue more than %d times", maxDrops)
	case errors.As(err, &ne) && ne.Timeout():
		return "write timeout: the viewer took nothing for too long"
	case errors.Is(err, ErrCodecMismatch):
		return "codec mismatch"
	}
	return "error"
}

// setNoDelay applies the vhost's tcp_nodelay to a viewer's connection. Off,
// SRS's default, leaves Nagle's algorithm on (Go turns it off for every TCP
// connection): a small write while the viewer has not yet acknowledged the
// previous one waits in the kernel and goes out with the next, so a viewer
// that keeps up sees no delay and fewer, fuller segments cost less to send.
// A TLS connection is unwrapped to the TCP connection underneath.
func setNoDelay(c net.Conn, on bool) {
	for c != nil {
		if tc, ok := c.(interface{ SetNoDelay(bool) error }); ok {
			tc.SetNoDelay(on)
			return
		}
		u, ok := c.(interface{ NetConn() net.Conn })
		if !ok {
			return
		}
		c = u.NetConn()
	}
}

// logDuration rounds a duration for a log line.
func logDuration(start time.Time) time.Duration { return time.Since(start).Round(time.Millisecond) }
