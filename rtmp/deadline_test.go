package rtmp

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// recConn is a net.Conn that accepts every write and records the write
// deadlines set on it.
type recConn struct {
	mu      sync.Mutex
	wdl     []time.Time
	written int
	onWrite func() // called once, inside the next Write
}

func (r *recConn) Read([]byte) (int, error) { return 0, io.EOF }
func (r *recConn) Write(b []byte) (int, error) {
	if f := r.onWrite; f != nil {
		r.onWrite = nil
		f()
	}
	r.mu.Lock()
	r.written += len(b)
	r.mu.Unlock()
	return len(b), nil
}
func (r *recConn) Close() error                      { return nil }
func (r *recConn) LocalAddr() net.Addr               { return &net.TCPAddr{} }
func (r *recConn) RemoteAddr() net.Addr              { return &net.TCPAddr{} }
func (r *recConn) SetDeadline(t time.Time) error     { return r.SetWriteDeadline(t) }
func (r *recConn) SetReadDeadline(t time.Time) error { return nil }
func (r *recConn) SetWriteDeadline(t time.Time) error {
	r.mu.Lock()
	r.wdl = append(r.wdl, t)
	r.mu.Unlock()
	return nil
}

// take returns the deadlines set since the last call.
func (r *recConn) take() []time.Time {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.wdl
	r.wdl = nil
	return d
}

func near(got, want time.Time) bool {
	d := got.Sub(want)
	return d > -time.Second && d < time.Second
}

// The contract of the Conn doc: media writes never touch the deadline; the
// Conn's own writes get the write timeout, or the caller's earlier future
// deadline, and put the caller's deadline back after.
func TestWriteDeadlineContract(t *testing.T) {
	rc := &recConn{}
	c := newConn(rc, 0, 0, nil)
	c.SetWriteTimeout(2 * time.Second)
	tags := testTags()

	if err := c.WriteTags(tags); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TryWriteTags(tags); err != nil {
		t.Fatal(err)
	}
	if err := c.FlushWrites(); err != nil {
		t.Fatal(err)
	}
	if d := rc.take(); len(d) != 0 {
		t.Fatalf("media writes set deadlines %v", d)
	}

	ping := func() { c.handleUserControl(userControlBody(userControlPingRequest, 1)) }
	for _, tc := range []struct {
		name string
		user time.Time // the caller's deadline, set first unless zero
		own  time.Duration
	}{
		{"no caller deadline", time.Time{}, 2 * time.Second},
		{"later caller deadline", time.Now().Add(time.Hour), 2 * time.Second},
		{"earlier caller deadline", time.Now().Add(100 * time.Millisecond), 100 * time.Millisecond},
		{"passed caller deadline", aLongTimeAgo, 2 * time.Second},
	} {
		c.SetWriteDeadline(tc.user)
		rc.take()
		start := time.Now()
		ping()
		d := rc.take()
		if len(d) != 2 || !near(d[0], start.Add(tc.own)) || !d[1].Equal(tc.user) {
			t.Fatalf("%s: deadlines %v, want ~now+%v then %v", tc.name, d, tc.own, tc.user)
		}
	}

	// SetWriteDeadline during one of the Conn's own writes neither waits
	// nor cuts it short: it applies when the write ends.
	c.SetWriteDeadline(time.Time{})
	later := time.Now().Add(time.Minute)
	rc.onWrite = func() { c.SetWriteDeadline(later) }
	rc.take()
	ping()
	if d := rc.take(); len(d) != 2 || !d[1].Equal(later) {
		t.Fatalf("deadline set during an own write: %v, want ~now+2s then %v", d, later)
	}

	// SetWriteTimeout(0) is the default, not "no deadline".
	c.SetWriteDeadline(time.Time{})
	c.SetWriteTimeout(0)
	rc.take()
	ping()
	if d := rc.take(); len(d) != 2 || !near(d[0], time.Now().Add(DefaultWriteTimeout)) {
		t.Fatalf("default write timeout: %v", d)
	}
}

// stallPipe connects a client and a server end through a relay that buffers
// each direction without bound, so that both peers may write at once (as
// net.Pipe does not allow); stall(toServer) makes the relay stop reading
// what one side writes, as a peer that stops reading, so that side's writes
// block.
func stallPipe(t *testing.T) (client, server net.Conn, stall func(toServer bool)) {
	cn, c2 := net.Pipe()
	s2, sn := net.Pipe()
	stops := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	relay := func(dst, src net.Conn, stop chan struct{}) {
		q := make(chan []byte, 1<<16)
		go func() {
			defer close(q)
			for {
				select {
				case <-stop:
					return
				default:
				}
				buf := make([]byte, 32<<10)
				n, err := src.Read(buf)
				if n > 0 {
					q <- buf[:n]
				}
				if err != nil {
					dst.Close()
					return
				}
			}
		}()
		go func() {
			for b := range q {
				if _, err := dst.Write(b); err != nil {
					src.Close()
					return
				}
			}
		}()
	}
	relay(s2, c2, stops[1]) // client -> server
	relay(c2, s2, stops[0]) // server -> client
	t.Cleanup(func() { cn.Close(); sn.Close(); c2.Close(); s2.Close() })
	var once [2]sync.Once
	return cn, sn, func(toServer bool) {
		i := 0
		if toServer {
			i = 1
		}
		once[i].Do(func() { close(stops[i]) })
	}
}

// pipeClient makes cn's peer (a server in Accept) see a handshake.
func pipeClient(t *testing.T, cn net.Conn) {
	t.Helper()
	if err := ClientHandshake(cn, cn, false); err != nil {
		t.Fatal(err)
	}
}

func wantTimeout(t *testing.T, what string, err error, start time.Time, limit time.Duration) {
	t.Helper()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("%s: got %v, want a timeout", what, err)
	}
	if d := time.Since(start); d > limit {
		t.Fatalf("%s: took %v, want at most %v", what, d, limit)
	}
}

// within returns f's result, or fails the test if f has not returned
// after d (a write without a deadline would block for ever).
func within(t *testing.T, d time.Duration, f func() error) error {
	t.Helper()
	res := make(chan error, 1)
	go func() { res <- f() }()
	select {
	case err := <-res:
		return err
	case <-time.After(d):
		t.Fatalf("still blocked after %v", d)
		return nil
	}
}

// A client that sends C0C1 and never reads is dropped at the write
// timeout, not at the (longer) handshake timeout.
func TestWriteTimeoutHandshake(t *testing.T) {
	cn, sn := net.Pipe()
	defer cn.Close()
	defer sn.Close()
	go cn.Write(append([]byte{RTMPVersion}, make([]byte, handshakeSize)...))
	start := time.Now()
	_, err := Accept(sn, ServerConfig{HandshakeTimeout: 10 * time.Second, WriteTimeout: 200 * time.Millisecond})
	wantTimeout(t, "S0S1S2 to a client that does not read", err, start, 2*time.Second)
}

// A client that pings and never reads (finding 2) is dropped at the write
// timeout while the server is still waiting for its request.
func TestWriteTimeoutRequestPhase(t *testing.T) {
	cn, sn := net.Pipe()
	defer cn.Close()
	defer sn.Close()
	res := make(chan error, 1)
	var start time.Time
	go func() {
		c, err := Accept(sn, ServerConfig{WriteTimeout: 200 * time.Millisecond})
		if err != nil {
			res <- err
			return
		}
		_, err = c.ReadRequest()
		res <- err
	}()
	pipeClient(t, cn)
	cw := NewChunkWriter(cn)
	cw.Queue(&Message{Type: TypeUserControl, ChunkStreamID: csidProtocolControl, Body: userControlBody(userControlPingRequest, 7)})
	if _, err := cw.Flush(); err != nil {
		t.Fatal(err)
	}
	start = time.Now() // the server has read the ping; its pong cannot go out
	select {
	case err := <-res:
		wantTimeout(t, "pong to a client that does not read", err, start, 2*time.Second)
	case <-time.After(5 * time.Second):
		t.Fatal("the server is still blocked writing the pong")
	}
}

// A publisher that sets a tiny acknowledgement window and stops reading
// (finding 2) is dropped within the write timeout the server gave it, so
// its stream name is free again.
func TestWriteTimeoutPublisher(t *testing.T) {
	cn, sn, stall := stallPipe(t)
	res := make(chan error, 1)
	go func() {
		defer sn.Close()
		c, err := Accept(sn, ServerConfig{})
		if err != nil {
			res <- err
			return
		}
		if _, err := c.ReadRequest(); err != nil {
			res <- err
			return
		}
		c.SetWriteTimeout(300 * time.Millisecond) // the vhost's publish timeout
		if err := c.AcceptPublish(); err != nil {
			res <- err
			return
		}
		for {
			if _, err := c.ReadTag(); err != nil {
				res <- err
				return
			}
		}
	}()
	ctx := context.Background()
	c, err := NewClientConn(ctx, cn, "rtmp://127.0.0.1/live/s", DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	stall(false) // the publisher reads no more
	if err := c.writeControl(TypeWindowAckSize, controlBody4(1)); err != nil {
		t.Fatal(err)
	}
	// Enough bytes for several acknowledgements even at MinAckWindow (the
	// relay may take one more write after it stalls).
	start := time.Now()
	tag := &flv.Tag{Type: flv.TagVideo, Data: make([]byte, MinAckWindow)}
	for i := 0; i < 4; i++ {
		c.WriteTag(tag)
	}
	select {
	case err := <-res:
		wantTimeout(t, "acknowledgement to a publisher that does not read", err, start, 2*time.Second)
	case <-time.After(5 * time.Second):
		t.Fatal("the server is still blocked writing to the publisher")
	}
}

// A peer's tiny Window Acknowledgement Size is raised to MinAckWindow:
// acknowledgements cannot outnumber the messages.
func TestAckWindowFloor(t *testing.T) {
	addr, done := listen(t, func(c *Conn) error {
		if _, err := c.ReadRequest(); err != nil {
			return err
		}
		if err := c.AcceptPublish(); err != nil {
			return err
		}
		for {
			if _, err := c.ReadTag(); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
		}
	})
	ctx := context.Background()
	c, err := Dial(ctx, "rtmp://"+addr+"/live/s", DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.writeControl(TypeWindowAckSize, controlBody4(1)); err != nil {
		t.Fatal(err)
	}
	const n, size = 100, 20 // 100 messages, about 3 KB with their headers
	tag := &flv.Tag{Type: flv.TagAudio, Data: make([]byte, size)}
	for i := 0; i < n; i++ {
		if err := c.WriteTag(tag); err != nil {
			t.Fatal(err)
		}
	}
	// The pong comes after everything the server read before the ping.
	if err := c.writeControl(TypeUserControl, userControlBody(userControlPingRequest, 9)); err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	acks := 0
	for {
		m, err := c.cr.ReadMessage()
		if err != nil {
			t.Fatalf("after %d acks: %v", acks, err)
		}
		if m.Type == TypeAck {
			acks++
		}
		if m.Type == TypeUserControl && len(m.Body) == 6 && m.Body[1] == userControlPingResponse {
			break
		}
	}
	// From the start of the connection about 3 KB of handshake and
	// commands plus 3 KB of tags: one or two windows of 4 KB.
	if acks > 2 {
		t.Fatalf("%d acknowledgements for %d messages of %d bytes", acks, n, size)
	}
	c.Unpublish()
	c.Close()
	<-done
}

// A client's own writes are bounded by DialConfig.WriteTimeout after
// Publish; its media writes by its own SetWriteDeadline only.
func TestClientWriteTimeout(t *testing.T) {
	cn, sn, stall := stallPipe(t)
	go func() {
		c, err := Accept(sn, ServerConfig{})
		if err != nil {
			return
		}
		if _, err := c.ReadRequest(); err != nil {
			return
		}
		c.AcceptPublish()
		for {
			if _, err := c.ReadTag(); err != nil {
				return
			}
		}
	}()
	ctx := context.Background()
	c, err := NewClientConn(ctx, cn, "rtmp://127.0.0.1/live/s", DialConfig{WriteTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	stall(true) // the server reads no more
	// The relay may take one more write after it stalls: spend it.
	c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
	c.WriteTag(&flv.Tag{Type: flv.TagVideo, Data: make([]byte, 100)})
	c.SetWriteDeadline(time.Time{})
	start := time.Now()
	wantTimeout(t, "Unpublish to a server that does not read", within(t, 5*time.Second, c.Unpublish), start, 2*time.Second)
	c.SetWriteDeadline(time.Now().Add(400 * time.Millisecond))
	start = time.Now()
	err = within(t, 5*time.Second, func() error { return c.WriteTag(&flv.Tag{Type: flv.TagVideo, Data: make([]byte, 100)}) })
	wantTimeout(t, "media write with the caller's deadline", err, start, 2*time.Second)
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("media write gave up after %v, before the caller's deadline", d)
	}
}
