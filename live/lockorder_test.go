package live

import (
	"context"
	"io"
	"net"
	"os"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/fixture"
	"github.com/picosrs/picosrs/rtmp"
)

// listenRTMP serves srv's RTMP on loopback and returns the address.
func listenRTMP(t *testing.T, srv *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeRTMP(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return ln.Addr().String()
}

// TestLockOrder runs every nesting of the lock-order table in doc.go at
// once, under the race detector in make test: an origin with republishing
// publishers, HTTP viewers (Consumer.wmu, then Stream.mu) and RTMP viewers
// (Consumer.wmu, then the connection's write lock) coming and going, API
// readers and kicks (Server.mu, Stream.mu, clients.mu), and an edge whose
// pull starts and stops with its players (Server.edgesMu, then Server.mu,
// then Stream.mu), with HLS on both (the segmenter takes the hls.Store's
// lock under Stream.mu; HLS readers and the edge's HLS leases take it, and
// Stream.mu, alone). A lock taken out of order shows as a deadlock: the
// test then fails with every goroutine's stack.
func TestLockOrder(t *testing.T) {
	ocfg := testConfig()
	ocfg.Vhosts[0].HLS = testHLS()
	origin, originHTTP, _ := startViewers(t, ocfg)
	originRTMP := listenRTMP(t, origin)
	ecfg := testConfig()
	ecfg.Vhosts[0].Origins = []string{originRTMP}
	ecfg.Vhosts[0].HLS = testHLS()
	edge := NewServer(ecfg)
	edgeRTMP := listenRTMP(t, edge)

	tags := fixture.ReadFLV(t, "h264_aac.flv")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	var edgeTags, httpBytes, kicks, playlists atomic.Int64
	loop := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				f()
			}
		}()
	}
	// Publishers that come and go (session ends, grace periods, republish).
	for _, name := range []string{"a", "b"} {
		loop(func() {
			pctx, stop := context.WithTimeout(ctx, 700*time.Millisecond)
			fixture.Publish(pctx, "rtmp://"+originRTMP+"/live/"+name, tags, 2*time.Second, 4)
			stop()
		})
	}
	// HTTP viewers of the origin.
	loop(func() {
		c, err := net.Dial("tcp", originHTTP)
		if err != nil {
			return
		}
		io.WriteString(c, "GET /live/a.flv HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, _ := io.Copy(io.Discard, c)
		httpBytes.Add(n)
		c.Close()
	})
	// RTMP viewers of the edge, which start and join its pull.
	for range 2 {
		loop(func() {
			pctx, stop := context.WithTimeout(ctx, 500*time.Millisecond)
			defer stop()
			c, err := rtmp.Dial(pctx, "rtmp://"+edgeRTMP+"/live/b", rtmp.DialConfig{})
			if err != nil {
				return
			}
			defer c.Close()
			if c.Play(pctx) != nil {
				return
			}
			context.AfterFunc(pctx, func() { c.Close() })
			for {
				if _, err := c.ReadTag(); err != nil {
					return
				}
				edgeTags.Add(1)
			}
		})
	}
	// HLS players: the origin's playlists and segments, the edge's leases.
	loop(func() {
		for _, name := range []string{"a", "b"} {
			if w, seg, ok := origin.HLS().Find(DefaultVhost, "live/"+name+".m3u8"); ok && seg == nil {
				if _, ok := w.Playlist(); ok {
					playlists.Add(1)
				}
			}
			if _, seg, ok := origin.HLS().Find(DefaultVhost, "live/"+name+"-1.ts"); ok {
				seg.AppendBuffers(nil)
			}
		}
		if done, ok := edge.HLSPlay(PlayRequest{Key: StreamKey{DefaultVhost, "live", "b"}, Format: FormatTS}); ok {
			_, _, found := edge.HLS().Find(DefaultVhost, "live/b.m3u8")
			done(found)
		}
		time.Sleep(10 * time.Millisecond)
	})
	// The API: listings, snapshots, kicks.
	loop(func() {
		for _, srv := range []*Server{origin, edge} {
			for _, st := range srv.Streams() {
				st.Info()
			}
			if cs := srv.Clients(); len(cs) > 0 && srv.Kick(cs[len(cs)/2].ID) {
				kicks.Add(1)
			}
		}
		time.Sleep(20 * time.Millisecond)
	})
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
		t.Fatal("deadlock: the load did not end")
	}
	if edgeTags.Load() == 0 || httpBytes.Load() == 0 || kicks.Load() == 0 || playlists.Load() == 0 {
		t.Fatalf("the load did not run: %d tags through the edge, %d bytes to HTTP viewers, %d kicks, %d playlists", edgeTags.Load(), httpBytes.Load(), kicks.Load(), playlists.Load())
	}
	// The edge's pull stops edgeStopDelay after its last player and HLS
	// lease (edgesMu, then Server.mu, then Stream.mu). Every share was taken
	// before the load ended, and the last HLS answer came before too, so the
	// pull stops within a lease (max(3 target durations, hlsLeaseMin): 10 s
	// here) and edgeStopDelay of now, plus the time players take to notice
	// their hang-ups and the pull to wind down: well under a second natively,
	// a few under qemu on a busy machine, hence 10 s of margin. A share never
	// given back (a player that never ended) fails it whatever the bound.
	lease := max(3*ecfg.Vhosts[0].HLS.TargetDuration(), hlsLeaseMin)
	for deadline := time.Now().Add(lease + edgeStopDelay + 10*time.Second); ; time.Sleep(50 * time.Millisecond) {
		edge.edgesMu.Lock()
		n := len(edge.edges)
		edge.edgesMu.Unlock()
		if n == 0 && len(edge.Streams()) == 0 {
			break
		}
		if time.Now().After(deadline) {
			// A viewer has no goroutine while it waits: the registry says
			// who still holds a share.
			for _, c := range edge.Clients() {
				t.Logf("still attached: client %d (%s %s/%s) kicked %v", c.ID, c.Type, c.App, c.Stream, c.Kicked())
			}
			pprof.Lookup("goroutine").WriteTo(os.Stderr, 2)
			t.Fatalf("the edge's pull never stopped: %d pulls, %d streams", n, len(edge.Streams()))
		}
	}
}
