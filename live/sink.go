package live

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"time"
)

// Errors that end a viewer.
var (
	errClientGone = errors.New("client closed")
	errShutdown   = errors.New("server shutting down")
)

// sink is where a consumer's encoded bytes go: an HTTP response or an RTMP
// player connection.
type sink interface {
	// write sends bufs (slices into shared packets) in one batch.
	write(bufs [][]byte, batch []*Packet) error
}

// pump moves packets from c through enc to out until the stream session
// ends (io.EOF), the viewer leaves (done) or a write fails. It waits on the
// consumer's notify channel, never polls, and merges writes over mw (SRS's
// mw_latency): at most one write per mw, each carrying everything queued.
func (s *Server) pump(ctx context.Context, c *Consumer, enc encoder, out sink, done <-chan struct{}, mw time.Duration) (int, error) {
	batch := make([]*Packet, 0, maxBatch+4)
	// bufs is the writev vector: two slots for the sink's framing (response
	// header, chunk size), then the encoder's slices, then the sink's
	// trailer; sized once for a full batch so it never grows.
	bufs := make([][]byte, 0, 3*(maxBatch+4)+4)
	var timer *time.Timer
	written := 0
	for {
		var err error
		batch, err = c.pull(batch[:0])
		if err != nil {
			return written, err
		}
		if len(batch) == 0 {
			select {
			case <-c.notify:
				continue
			case <-done:
				return written, errClientGone
			case <-s.closing:
				return written, errShutdown
			case <-ctx.Done():
				return written, ctx.Err()
			}
		}
		bufs = append(bufs[:0], nil, nil)
		if enc != nil {
			bufs, err = enc.encode(bufs, batch)
			if err != nil {
				return written, err
			}
		}
		if len(bufs) > 2 || enc == nil {
			if err := out.write(bufs, batch); err != nil {
				return written, err
			}
			written++
		}
		clear(batch) // drop references to packets the ring may evict
		clear(bufs)  // what the write left; the sink adds only static framing beyond len
		if mw > 0 {
			if timer == nil {
				timer = time.NewTimer(mw)
			} else {
				timer.Reset(mw)
			}
			select {
			case <-timer.C:
			case <-done:
				return written, errClientGone
			case <-s.closing:
				return written, errShutdown
			case <-ctx.Done():
				return written, ctx.Err()
			}
		}
	}
}

// httpSink writes a live HTTP response on a hijacked connection: the response
// header with the first batch (as SRS sends it), then one chunk per batch,
// each batch a single writev of slices into the shared packets.
type httpSink struct {
	conn     net.Conn
	head     []byte // response header not yet sent
	sent     bool
	timeout  time.Duration
	size     [20]byte
	store    [][]byte
	vec      net.Buffers
	client   *Client
	deadline deadline
}

// deadline keeps a connection's write deadline about timeout ahead without
// resetting the runtime timer on every write: it is moved once a second at
// most, so a stalled viewer is closed between timeout and timeout+1s.
type deadline struct {
	set time.Time // when the deadline was last moved
}

func (d *deadline) refresh(c interface{ SetWriteDeadline(time.Time) error }, timeout time.Duration) {
	if timeout <= 0 {
		return
	}
	now := time.Now()
	if now.Sub(d.set) < time.Second {
		return
	}
	d.set = now
	c.SetWriteDeadline(now.Add(timeout + time.Second))
}

var crlf = []byte("\r\n")

func (h *httpSink) write(bufs [][]byte, _ []*Packet) error {
	n := 0
	for _, b := range bufs[2:] {
		n += len(b)
	}
	bufs[0], bufs[1] = nil, nil
	if !h.sent {
		bufs[0] = h.head
	}
	if n > 0 {
		sz := strconv.AppendInt(h.size[:0], int64(n), 16)
		bufs[1] = append(sz, '\r', '\n')
		bufs = append(bufs, crlf)
	}
	h.vec = bufs
	h.deadline.refresh(h.conn, h.timeout)
	w, err := h.vec.WriteTo(h.conn)
	h.client.bytesOut.Add(uint64(w))
	h.sent = true
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
	w, _ := h.vec.WriteTo(h.conn)
	h.client.bytesOut.Add(uint64(w))
	h.sent = true
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
