package tlsconn

import (
	"crypto/tls"
	"net"
	"sync"

	"github.com/picosrs/picosrs/internal/nbio"
)

// Conn is an accepted connection under crypto/tls. Once a Writer owns it,
// what crypto/tls writes is queued for the Writer instead of written.
type Conn struct {
	net.Conn
	nb *nbio.Writer // nil: the platform cannot write without waiting

	mu    sync.Mutex // guards owned, buf and off; taken inside crypto/tls's write lock, never around it
	owned bool
	buf   []byte // records queued: buf[off:] is not yet on the socket
	off   int
	one   [1][]byte
}

// NewListener returns a TLS listener over inner whose connections are
// Conns, with cfg.
func NewListener(inner net.Listener, cfg *tls.Config) net.Listener {
	return tls.NewListener(&listener{inner}, cfg)
}

type listener struct{ net.Listener }

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &Conn{Conn: c, nb: nbio.New(c)}, nil
}

// Write queues b once a Writer owns the connection, else writes it.
func (c *Conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.owned {
		if c.buf == nil {
			c.buf = getBuf()
		}
		c.buf = append(c.buf, b...)
		c.mu.Unlock()
		return len(b), nil
	}
	c.mu.Unlock()
	return c.Conn.Write(b)
}

// Close puts what is queued on the socket if it takes it now (the
// close_notify alert crypto/tls queued on its way out), then closes.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.off < len(c.buf) && c.nb != nil {
		c.flushLocked(false)
	}
	c.mu.Unlock()
	return c.Conn.Close()
}

// NetConn returns the connection underneath.
func (c *Conn) NetConn() net.Conn { return c.Conn }

// SetNoDelay sets TCP_NODELAY on the connection underneath when it has it.
func (c *Conn) SetNoDelay(on bool) error {
	if nd, ok := c.Conn.(interface{ SetNoDelay(bool) error }); ok {
		return nd.SetNoDelay(on)
	}
	return nil
}

// flush writes the queue, waiting for the socket or not; with try it only
// tries the lock and reports !ok when crypto/tls holds it (queuing an
// alert). left reports records still queued.
func (c *Conn) flush(wait, try bool) (n int64, left, ok bool, err error) {
	if try {
		if !c.mu.TryLock() {
			return 0, false, false, nil
		}
	} else {
		c.mu.Lock()
	}
	defer c.mu.Unlock()
	n, err = c.flushLocked(wait)
	return n, c.off < len(c.buf), true, err
}

// flushLocked writes the queue, waiting for the socket or not; c.mu is
// held. It returns the bytes written.
func (c *Conn) flushLocked(wait bool) (int64, error) {
	if c.off == len(c.buf) {
		return 0, nil
	}
	v := c.one[:1]
	v[0] = c.buf[c.off:]
	var n int64
	var err error
	if wait {
		n, err = c.nb.WriteAll(&v)
	} else {
		n, err = c.nb.TryWrite(&v)
	}
	c.one[0] = nil
	c.off += int(n)
	if c.off == len(c.buf) {
		putBuf(c.buf)
		c.buf, c.off = nil, 0
	}
	return n, err
}

// queued reports whether records wait for the socket.
func (c *Conn) queued() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.off < len(c.buf)
}

// bufSize is the capacity of the pooled queue buffers: a Writer seals at
// most chunk bytes of plaintext between flushes.
const bufSize = chunk + 8<<10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, bufSize); return &b }}

func getBuf() []byte { return (*bufPool.Get().(*[]byte))[:0] }

// putBuf returns a buffer of the pool's size (one that grew is dropped).
func putBuf(b []byte) {
	if cap(b) >= bufSize && cap(b) <= 2*bufSize {
		b = b[:0]
		bufPool.Put(&b)
	}
}
