package live

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"

	"github.com/picosrs/picosrs/internal/nbio"
)

// Errors that end a viewer.
var (
	errClientGone = errors.New("client closed")
	errShutdown   = errors.New("server shutting down")
)

// sink is where a consumer's encoded bytes go: an HTTP response or an RTMP
// player connection.
type sink interface {
	// write sends bufs (slices into shared packets) in one batch, waiting
	// as long as the connection needs.
	write(bufs [][]byte, batch []*Packet) error
	// tryWrite sends what the connection takes now without waiting and
	// reports whether all of it went. The sink keeps the rest (slice
	// headers, never payload) for finish.
	// now is the fan-out round's clock, read once for all its viewers.
	tryWrite(bufs [][]byte, batch []*Packet, now time.Time) (bool, error)
	// finish writes what tryWrite left, waiting as needed.
	finish() error
}

// How a viewer's bytes reach it.
//
// Each stream has one fan-out goroutine (Stream.flushLoop) that writes every
// caught-up consumer in turn, without waiting on any socket: one goroutine
// wake per stream instead of one per viewer, and the tags that arrive while
// it goes round are merged into the next round's writes, so batches grow by
// themselves under load. A consumer whose socket cannot take a whole batch,
// whose pull fails or that is still sending its start-up burst belongs to
// its own goroutine (pump) until it has caught up again. The consumer's
// write lock says who writes: the fan-out only try-locks it and, when busy,
// wakes the owner instead.

// attach gives c its encoder and sink; until then the fan-out leaves c to
// its goroutine.
func (c *Consumer) attach(enc encoder, out sink) {
	c.wmu.Lock()
	c.enc, c.out = enc, out
	c.wmu.Unlock()
}

// trimBuffers lets go of a batch or writev vector grown by a burst (a new
// viewer's cached GOP, a catch-up): a steady viewer needs a few entries, and
// thousands of viewers each keeping a full batch's vector add up.
func (c *Consumer) trimBuffers() {
	if cap(c.batch) > 32 {
		c.batch = nil
	}
	if cap(c.bufs) > 64 {
		c.bufs = nil
	}
}

// step pulls one batch, encodes it and writes it; c.wmu is held. It returns
// false when nothing was queued or, without wait, when the socket did not
// take everything (c.pending is then set).
func (c *Consumer) step(wait bool, now time.Time) (bool, error) {
	var err error
	c.batch, err = c.pull(c.batch[:0])
	if err != nil || len(c.batch) == 0 {
		return false, err
	}
	defer func() {
		clear(c.batch) // drop references to packets the ring may evict
		clear(c.bufs)  // what the write left; the sink adds only static framing beyond len
	}()
	// The writev vector: two slots for the sink's framing (response header,
	// chunk size), then the encoder's slices, then the sink's trailer.
	if c.bufs == nil {
		c.bufs = make([][]byte, 0, 16) // room for the sink's trailer too, which it appends
	}
	c.bufs = append(c.bufs[:0], nil, nil)
	if c.enc != nil {
		if c.bufs, err = c.enc.encode(c.bufs, c.batch); err != nil {
			return false, err
		}
		if len(c.bufs) == 2 {
			return true, nil // nothing to send yet (an FLV header still undecided)
		}
	}
	if wait {
		return true, c.out.write(c.bufs, c.batch)
	}
	done, err := c.out.tryWrite(c.bufs, c.batch, now)
	c.fanWrites++
	if err == nil && !done {
		c.pending = true
		c.handoffs++
	}
	return done, err
}

// drain writes, waiting as needed, what the fan-out left and everything
// queued; c.wmu is held.
func (c *Consumer) drain() error {
	defer c.trimBuffers()
	if c.pending {
		if err := c.out.finish(); err != nil {
			return err
		}
		c.pending = false
	}
	if c.err != nil {
		return c.err
	}
	for {
		more, err := c.step(true, time.Time{})
		if err != nil || !more {
			return err
		}
	}
}

// flush is the fan-out's turn for c: write what is queued without waiting,
// or leave c to its goroutine.
func (c *Consumer) flush(now time.Time) {
	if !c.wmu.TryLock() {
		c.wake() // its goroutine is writing; it will look again
		return
	}
	defer c.wmu.Unlock()
	switch {
	case c.out == nil || c.closed:
		return
	case c.pending || c.err != nil:
		c.wake()
		return
	}
	for {
		more, err := c.step(false, now)
		if err != nil {
			c.err = err
		}
		if err != nil || c.pending {
			c.wake()
			return
		}
		if !more {
			return
		}
	}
}

func (c *Consumer) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// pump is a viewer's own goroutine: it sends the start-up burst, then waits
// while the stream's fan-out writes, and takes over whenever the fan-out
// hands the viewer back (a full socket, an error, the end of the session).
// It returns when the stream session ends (io.EOF), the viewer leaves
// (done), the server shuts down or a write fails; after it returns nothing
// more is written to out.
func (s *Server) pump(ctx context.Context, c *Consumer, enc encoder, out sink, done <-chan struct{}) error {
	c.attach(enc, out)
	for {
		c.wmu.Lock()
		err := c.drain()
		if err != nil {
			c.closed = true
			c.wmu.Unlock()
			return peerGone(err, done)
		}
		c.wmu.Unlock()
		select {
		case <-c.notify:
			continue
		case <-done:
			err = errClientGone
		case <-s.closing:
			err = errShutdown
		case <-ctx.Done():
			err = ctx.Err()
		}
		c.wmu.Lock()
		c.closed = true
		c.wmu.Unlock()
		return err
	}
}

// httpSink writes a live HTTP response on a hijacked connection: the response
// header with the first batch (as SRS sends it), then one chunk per batch,
// each batch a single writev of slices into the shared packets.
type httpSink struct {
	conn     net.Conn
	nbw      tryWriter // nil: the fan-out hands every batch to the goroutine
	head     []byte    // response header not yet sent
	sent     bool
	timeout  time.Duration
	size     [20]byte
	store    [][]byte
	vec      net.Buffers
	pend     [][]byte // what tryWrite left for finish
	client   *Client
	deadline deadline
}

// tryWriter writes with or without waiting (nbio.Writer).
type tryWriter interface {
	TryWrite(v *[][]byte) (int64, error)
	WriteAll(v *[][]byte) (int64, error)
}

// writeVec writes h.vec, waiting as needed: through nbw when there is one
// (its iovec array stays small; net keeps the longest vector's array for
// the connection's life).
func (h *httpSink) writeVec() error {
	var w int64
	var err error
	if h.nbw != nil {
		w, err = h.nbw.WriteAll((*[][]byte)(&h.vec))
	} else {
		w, err = h.vec.WriteTo(h.conn)
	}
	h.client.bytesOut.Add(uint64(w))
	h.vec = nil
	return err
}

func newHTTPSink(conn net.Conn, head []byte, timeout time.Duration, client *Client) *httpSink {
	h := &httpSink{conn: conn, head: head, timeout: timeout, client: client}
	if w := nbio.New(conn); w != nil {
		h.nbw = w
	}
	return h
}

// deadline keeps a connection's write deadline about timeout ahead without
// resetting the runtime timer on every write: it is moved once a second at
// most, so a stalled viewer is closed between timeout and timeout+1s.
type deadline struct {
	set time.Time // when the deadline was last moved
}

func (d *deadline) refresh(c interface{ SetWriteDeadline(time.Time) error }, timeout time.Duration, now time.Time) {
	if timeout <= 0 {
		return
	}
	if now.Sub(d.set) < time.Second {
		return
	}
	d.set = now
	c.SetWriteDeadline(now.Add(timeout + time.Second))
}

var crlf = []byte("\r\n")

// frame adds the response header (with the first batch) and the chunk
// framing around bufs[2:].
func (h *httpSink) frame(bufs [][]byte) [][]byte {
	n := 0
	for _, b := range bufs[2:] {
		n += len(b)
	}
	bufs[0], bufs[1] = nil, nil
	if !h.sent {
		bufs[0] = h.head
		h.sent = true
	}
	if n > 0 {
		sz := strconv.AppendInt(h.size[:0], int64(n), 16)
		bufs[1] = append(sz, '\r', '\n')
		bufs = append(bufs, crlf)
	}
	return bufs
}

func (h *httpSink) write(bufs [][]byte, _ []*Packet) error {
	h.vec = h.frame(bufs)
	h.deadline.refresh(h.conn, h.timeout, time.Now())
	return h.writeVec()
}

func (h *httpSink) tryWrite(bufs [][]byte, _ []*Packet, now time.Time) (bool, error) {
	h.vec = h.frame(bufs)
	if h.nbw != nil {
		// The deadline matters only when the goroutine waits, but an
		// expired one also fails a write that would not wait.
		h.deadline.refresh(h.conn, h.timeout, now)
		w, err := h.nbw.TryWrite((*[][]byte)(&h.vec))
		h.client.bytesOut.Add(uint64(w))
		if err != nil || len(h.vec) == 0 {
			h.vec = nil
			return err == nil, err
		}
	}
	h.pend = append(h.pend[:0], h.vec...)
	h.vec = nil
	return false, nil
}

func (h *httpSink) finish() error {
	h.vec = h.pend
	h.deadline.refresh(h.conn, h.timeout, time.Now())
	err := h.writeVec()
	clear(h.pend)
	h.pend = h.pend[:0]
	if cap(h.pend) > 64 {
		h.pend = nil
	}
	return err
}

// end finishes the response cleanly: the header if it never went out, then
// the terminating chunk.
func (h *httpSink) end() {
	h.store = h.store[:0]
	if !h.sent {
		h.store = append(h.store, h.head)
	}
	h.store = append(h.store, []byte("0\r\n\r\n"))
	h.vec = h.store
	h.conn.SetWriteDeadline(time.Now().Add(time.Second))
	h.writeVec()
	h.sent = true
}

// peerGone reports a write that failed because the viewer hung up as the
// viewer leaving, not as an error: the fan-out writes at once, so it often
// meets the reset before the viewer's reader has seen the close.
func peerGone(err error, done <-chan struct{}) error {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) {
		return errClientGone
	}
	select {
	case <-done:
		if err != io.EOF {
			return errClientGone
		}
	default:
	}
	return err
}

// setNoDelay applies the vhost's tcp_nodelay to a viewer's connection. Off,
// SRS's default, leaves Nagle's algorithm on (Go turns it off for every TCP
// connection): a small write while the viewer has not yet acknowledged the
// previous one waits in the kernel and goes out with the next, so a viewer
// that keeps up sees no delay and fewer, fuller segments cost less to send.
func setNoDelay(c net.Conn, on bool) {
	if tc, ok := c.(interface{ SetNoDelay(bool) error }); ok {
		tc.SetNoDelay(on)
	}
}

// watchClose reads from a hijacked connection until the client closes it,
// then closes done. Any bytes a client sends after its request are ignored.
func watchClose(conn net.Conn, done chan struct{}) {
	defer close(done)
	var b [64]byte
	for {
		if _, err := conn.Read(b[:]); err != nil {
			if err != io.EOF {
				_ = err
			}
			return
		}
	}
}
