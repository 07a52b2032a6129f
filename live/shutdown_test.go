package live

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// hookCounter is an http_hooks service that allows everything and counts
// the calls to each path.
type hookCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func newHookCounter(t *testing.T, vh *VhostConfig) *hookCounter {
	h := &hookCounter{calls: map[string]int{}}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.calls[r.URL.Path]++
		h.mu.Unlock()
		io.WriteString(w, "0")
	}))
	t.Cleanup(hs.Close)
	vh.Hooks.Enabled = true
	vh.Hooks.OnPlay = []string{hs.URL + "/play"}
	vh.Hooks.OnStop = []string{hs.URL + "/stop"}
	return h
}

func (h *hookCounter) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.calls[path]
}

// hungUpAndSettled reports whether c was hung up and the drive that woke
// it has finished with it.
func hungUpAndSettled(c *Consumer) bool {
	c.endMu.Lock()
	reason := c.endReason
	c.endMu.Unlock()
	if reason == nil {
		return false
	}
	if !c.running.Load() {
		return true
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.closed
}

// TestShutdownEndsViewerNotYetStarted: a player that Server.Play attached
// but whose transport has not started it yet (an RTMP player while
// AcceptPlay writes its answer, an HTTP or WebSocket player while its
// hang-up watch is set up) when the shutdown hangs every consumer up must
// still end, with its end function and on_stop, as soon as it starts, and
// the shutdown must wait for that instead of running into its deadline.
// (The end used to be spent by a drive with no end function yet: the
// viewer then stayed attached, unended, until the process exited.)
func TestShutdownEndsViewerNotYetStarted(t *testing.T) {
	cfg := testConfig()
	hooks := newHookCounter(t, cfg.Vhosts[0])
	srv := NewServer(cfg)
	conn, peer := net.Pipe()
	go io.Copy(io.Discard, peer)
	defer peer.Close()
	v, err := srv.Play(PlayRequest{Key: StreamKey{DefaultVhost, "live", "s"}, Format: FormatFLV,
		Remote: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Conn: conn})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	for deadline := time.Now().Add(2 * time.Second); !hungUpAndSettled(v.c); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the shutdown never hung the attached viewer up")
		}
	}

	ended := make(chan error, 1)
	v.Start(&countingSink{Sink: v.ConnSink(conn, &testChunked{head: testHead(FormatFLV)})}, func(err error) {
		conn.Close()
		v.Close(err)
		ended <- err
	})
	select {
	case err := <-ended:
		if !errors.Is(err, ErrShutdown) {
			t.Errorf("viewer ended with %v, want ErrShutdown", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a viewer started after the shutdown hung it up never ended")
	}
	if err := <-shut; err != nil {
		t.Errorf("shutdown: %v, want nil (every viewer ended in time)", err)
	}
	if n := hooks.count("/stop"); n != 1 {
		t.Errorf("on_stop sent %d times, want 1", n)
	}
	if n := len(srv.Clients()); n != 0 {
		t.Errorf("%d clients still registered", n)
	}
}

// TestPlayRefusedDuringShutdown: a player that asks once the shutdown has
// begun is refused with ErrShutdown, before on_play is asked or anything
// is attached or registered.
func TestPlayRefusedDuringShutdown(t *testing.T) {
	cfg := testConfig()
	hooks := newHookCounter(t, cfg.Vhosts[0])
	srv := NewServer(cfg)
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	conn, peer := net.Pipe()
	defer peer.Close()
	defer conn.Close()
	key := StreamKey{DefaultVhost, "live", "s"}
	v, err := srv.Play(PlayRequest{Key: key, Format: FormatFLV, Remote: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, Conn: conn})
	if !errors.Is(err, ErrShutdown) || v != nil {
		t.Fatalf("Play during shutdown = %v, %v; want nil, ErrShutdown", v, err)
	}
	if srv.Stream(key) != nil || len(srv.Clients()) != 0 || hooks.count("/play") != 0 {
		t.Errorf("a refused play left a stream (%v), clients (%d) or asked on_play (%d times)",
			srv.Stream(key) != nil, len(srv.Clients()), hooks.count("/play"))
	}
}
