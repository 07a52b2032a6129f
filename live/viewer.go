package live

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"
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

// Serve writes the stream to out in the viewer's format until the
// publishing session ends (io.EOF), gone is closed or the viewer hangs up
// (ErrViewerGone), the server shuts down (ErrShutdown) or a write fails.
// After it returns nothing more is written to out.
func (v *Viewer) Serve(out Sink, gone <-chan struct{}) error {
	return v.serve(newEncoder(v.format, v.st.vh), out, gone)
}

func (v *Viewer) serve(enc encoder, out Sink, gone <-chan struct{}) error {
	return peerGone(v.c.run(enc, out, gone, v.srv.closing), gone)
}

// Close detaches the viewer; err is what Serve returned (or the reason it
// was never called), for the registry's count of clients that failed.
func (v *Viewer) Close(err error) {
	v.stopPull()
	v.c.Close()
	v.untrack()
	v.unregister(Failed(err))
	v.srv.wg.Done()
}

// peerGone reports a write that failed because the viewer hung up as the
// viewer leaving, not as an error: the fan-out writes at once, so it often
// meets the reset before the viewer's reader has seen the close.
func peerGone(err error, gone <-chan struct{}) error {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return ErrViewerGone
	}
	select {
	case <-gone:
		if err != nil && err != io.EOF {
			return ErrViewerGone
		}
	default:
	}
	return err
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
