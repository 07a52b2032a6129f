// Package connlimit counts a server's connections against one limit
// (max_connections) from the moment they are accepted until they are closed,
// on every listener: RTMP, HTTP, HTTPS, the API and the exporter. A
// connection that is never served, an idle keep-alive connection, a
// hijacked live viewer: each holds its slot exactly as long as its socket is
// open, so no kind of client can hold more sockets than the limit allows.
//
// It sits below every protocol: main wraps each net.Listener with
// Limiter.Listen and the servers accept from the wrapper as usual.
package connlimit

import (
	"bytes"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Limiter counts open connections against a maximum that may change at any
// time (a configuration reload).
type Limiter struct {
	open     atomic.Int64
	max      atomic.Int64 // 0: no limit
	refused  atomic.Uint64
	refusing atomic.Int64 // refused connections being answered now
}

// MaxRefusing bounds the refused connections answered at once (each for up
// to a second); beyond it a refused connection is closed at once, so a flood
// cannot hold more than MaxRefusing sockets past the limit.
const MaxRefusing = 4

// SetMax sets the limit; 0 or less means no limit. Connections already open
// stay open when the limit drops below their number.
func (l *Limiter) SetMax(n int) { l.max.Store(int64(max(n, 0))) }

// Open returns the number of connections open now.
func (l *Limiter) Open() int64 { return l.open.Load() }

// Refused returns how many connections were refused because the limit was
// reached.
func (l *Limiter) Refused() uint64 { return l.refused.Load() }

// acquire takes a slot, or reports that none is free.
func (l *Limiter) acquire() bool {
	n := l.open.Add(1)
	if m := l.max.Load(); m > 0 && n > m {
		l.open.Add(-1)
		l.refused.Add(1)
		return false
	}
	return true
}

// Listen returns ln with every accepted connection counted until it is
// closed. A connection accepted while the limit is reached is handed to
// refuse (in a goroutine of its own, so the accept loop never waits on a
// client), which must close it; nil closes it at once, and so does a refusal
// when MaxRefusing others are being answered.
func (l *Limiter) Listen(ln net.Listener, refuse func(net.Conn)) net.Listener {
	if refuse == nil {
		refuse = func(c net.Conn) { c.Close() }
	}
	return &listener{Listener: ln, l: l, refuse: refuse}
}

type listener struct {
	net.Listener
	l      *Limiter
	refuse func(net.Conn)
}

func (ln *listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ln.l.acquire() {
			return &Conn{Conn: c, l: ln.l}, nil
		}
		if ln.l.refusing.Add(1) > MaxRefusing {
			ln.l.refusing.Add(-1)
			c.Close()
			continue
		}
		go func() {
			defer ln.l.refusing.Add(-1)
			ln.refuse(c)
		}()
	}
}

// Conn is a counted connection: closing it frees its slot (once, however
// many times it is closed).
type Conn struct {
	net.Conn
	l    *Limiter
	once sync.Once
}

// Close closes the connection and frees its slot.
func (c *Conn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.open.Add(-1) })
	return err
}

// NetConn returns the connection underneath, as tls.Conn does.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// SyscallConn gives raw access to the socket (internal/nbio writes through
// it), when the connection underneath is a socket.
func (c *Conn) SyscallConn() (syscall.RawConn, error) {
	if sc, ok := c.Conn.(syscall.Conn); ok {
		return sc.SyscallConn()
	}
	return nil, syscall.EINVAL
}

// SetNoDelay sets TCP_NODELAY when the connection underneath is TCP.
func (c *Conn) SetNoDelay(on bool) error {
	if tc, ok := c.Conn.(*net.TCPConn); ok {
		return tc.SetNoDelay(on)
	}
	return nil
}

// ReadFrom copies r to the connection with the connection underneath's own
// ReadFrom when it has one (sendfile for a file on TCP): net/http serves
// static files through it. A *net.Buffers (an HLS segment: slices of
// shared TS bytes) goes out with writev, with no copy: the net.Conn
// underneath is what net.Buffers needs for that, which this wrapper is not.
func (c *Conn) ReadFrom(r io.Reader) (int64, error) {
	if b, ok := r.(*net.Buffers); ok {
		return b.WriteTo(c.Conn)
	}
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(writerOnly{c.Conn}, r)
}

// writerOnly hides every method but Write, so io.Copy cannot loop back into
// ReadFrom.
type writerOnly struct{ io.Writer }

// refuseTimeout bounds how long a refused HTTP client is given to read its
// answer.
const refuseTimeout = time.Second

// busyResponse is what a refused HTTP client reads.
const busyResponse = "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\n\r\ntoo many connections\n"

// RefuseHTTP answers a refused HTTP connection with 503 and closes it,
// within a second whatever the client does. The answer waits for the end of
// the request's header (or 4 KiB of it): an HTTP client treats an answer
// that comes before its request as a broken connection. The sending side
// is then shut and the rest of the input drained until the client closes
// (closing with unread input would reset the connection and could lose the
// answer).
func RefuseHTTP(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(refuseTimeout))
	var b [4096]byte
	n := 0
	for n < len(b) && !bytes.Contains(b[:n], []byte("\r\n\r\n")) {
		k, err := c.Read(b[n:])
		n += k
		if err != nil {
			return
		}
	}
	if _, err := c.Write([]byte(busyResponse)); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	for {
		if _, err := c.Read(b[:]); err != nil {
			return
		}
	}
}
