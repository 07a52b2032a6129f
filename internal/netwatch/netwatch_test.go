package netwatch

import (
	"errors"
	"io"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// pair returns both ends of a loopback TCP connection.
func pair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

// TestWatch: gone is called once when the peer closes, resets or half-closes
// the connection, not while it only sends bytes, and never after stop.
func TestWatch(t *testing.T) {
	var w Watcher
	type conn struct {
		client, server net.Conn
		gone           atomic.Int32
		stop           func()
	}
	conns := make([]*conn, 6)
	for i := range conns {
		c := &conn{}
		c.client, c.server = pair(t)
		stop, err := w.Watch(c.server, func() { c.gone.Add(1) })
		if err != nil {
			t.Fatal(err)
		}
		c.stop = stop
		conns[i] = c
	}
	conns[0].client.Close()                     // a FIN
	conns[1].client.(*net.TCPConn).SetLinger(0) // a reset
	conns[1].client.Close()                     //
	conns[2].client.(*net.TCPConn).CloseWrite() // a half close
	conns[3].client.Write([]byte("more bytes")) // not a hang-up
	conns[4].stop()                             // stopped, then closed:
	conns[4].client.Close()                     // not reported
	want := []int32{1, 1, 1, 0, 0, 0}
	time.Sleep(300 * time.Millisecond)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if conns[0].gone.Load() == 1 && conns[1].gone.Load() == 1 && conns[2].gone.Load() == 1 {
			break
		}
	}
	for i, c := range conns {
		if got := c.gone.Load(); got != want[i] {
			t.Errorf("connection %d: gone called %d times, want %d", i, got, want[i])
		}
		c.stop()
		c.stop()
	}
}

// TestWatchMany: hundreds of connections are watched by one goroutine and
// each hang-up reaches its own connection.
func TestWatchMany(t *testing.T) {
	var w Watcher
	const n = 200
	var gone [n]atomic.Int32
	clients := make([]net.Conn, n)
	for i := range n {
		c, s := pair(t)
		clients[i] = c
		if _, err := w.Watch(s, func() { gone[i].Add(1) }); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < n; i += 2 {
		clients[i].Close()
	}
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; i < n; i++ {
		want := int32(0)
		if i%2 == 0 {
			want = 1
			for gone[i].Load() == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
		}
		if got := gone[i].Load(); got != want {
			t.Fatalf("connection %d: gone %d times, want %d", i, got, want)
		}
	}
}

// TestReadUntilClosed: the fallback used where epoll is not.
func TestReadUntilClosed(t *testing.T) {
	c1, s1 := pair(t)
	c2, s2 := pair(t)
	var g1, g2 atomic.Int32
	readUntilClosed(s1, func() { g1.Add(1) })
	stop := readUntilClosed(s2, func() { g2.Add(1) })
	stop()
	c1.Close()
	c2.Close()
	for deadline := time.Now().Add(5 * time.Second); g1.Load() == 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	if g1.Load() != 1 || g2.Load() != 0 {
		t.Fatalf("gone called %d and %d times, want 1 and 0", g1.Load(), g2.Load())
	}
}

// TestWatchInput: nothing is reported before the first Arm; ready is called
// when the peer sends, once per Arm; armed with bytes still unread it is
// called again at once; the peer's close is reported; nothing is reported
// after Stop.
func TestWatchInput(t *testing.T) {
	var w Watcher
	client, server := pair(t)
	ready := make(chan struct{}, 8)
	in, err := w.WatchInput(server, func() { ready <- struct{}{} })
	if errors.Is(err, ErrUnsupported) && runtime.GOOS != "linux" {
		t.Skip("no input watch on", runtime.GOOS)
	}
	if err != nil {
		t.Fatal(err)
	}
	wait := func(what string) {
		t.Helper()
		select {
		case <-ready:
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: ready not called", what)
		}
	}
	quiet := func(what string) {
		t.Helper()
		select {
		case <-ready:
			t.Fatalf("%s: ready called", what)
		case <-time.After(100 * time.Millisecond):
		}
	}
	client.Write([]byte("ab"))
	quiet("not armed")
	in.Arm()
	wait("bytes sent")
	client.Write([]byte("cd"))
	quiet("not re-armed")
	in.Arm() // four bytes unread: reported at once
	wait("re-armed with bytes waiting")
	var b [4]byte
	if _, err := io.ReadFull(server, b[:]); err != nil || string(b[:]) != "abcd" {
		t.Fatalf("read %q, %v", b, err)
	}
	in.Arm()
	quiet("all read")
	client.Close()
	wait("peer closed")
	in.Stop()
	in.Arm()
	quiet("stopped")
	in.Stop()
}
