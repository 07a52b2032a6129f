package tests

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// clusterConfig is baseConfig with a cluster block of the given lines in
// the default vhost.
func clusterConfig(lines ...string) string {
	return strings.Replace(baseConfig, "vhost __defaultVhost__ {",
		"vhost __defaultVhost__ {\n    cluster {\n        "+strings.Join(lines, "\n        ")+"\n    }", 1)
}

func (s *server) httpAddr() string { return fmt.Sprintf("127.0.0.1:%d", s.HTTP) }

// gslb is the test's HTTP redirector in front of origins: every request is
// answered with a 302 to the same path and query on whatever to returns
// (a base URL), and counted.
type gslb struct {
	*httptest.Server
	hits atomic.Int32
}

func newGSLB(t *testing.T, to func() string) *gslb {
	g := &gslb{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.hits.Add(1)
		http.Redirect(w, r, to()+r.URL.RequestURI(), http.StatusFound)
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *gslb) addr() string { return strings.TrimPrefix(g.URL, "http://") }

// chain is n redirectors in a row, the last sending to target: the first
// one's address.
func chain(t *testing.T, n int, target string) string {
	to := target
	for range n {
		next := to
		to = newGSLB(t, func() string { return next }).URL
	}
	return strings.TrimPrefix(to, "http://")
}

// watchRTMP is an RTMP player (our client) that records every tag, as
// watchFLV does for HTTP-FLV.
func watchRTMP(t testing.TB, url string) *flvWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c, err := rtmp.Dial(ctx, url, rtmp.DialConfig{Timeout: 5 * time.Second})
	if err == nil {
		if err = c.Play(ctx); err != nil {
			c.Close()
		}
	}
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	w := &flvWatch{close: func() { cancel(); c.Close() }, done: make(chan struct{})}
	t.Cleanup(func() { w.close(); <-w.done })
	go func() {
		defer close(w.done)
		w.record(func() (flv.Tag, error) {
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			return c.ReadTag()
		})
	}()
	return w
}

// monotonic fails the test when, per track, a tag's timestamp is below the
// one before it (across the failover at tag `before` too).
func (w *flvWatch) monotonic(t *testing.T, before int) {
	t.Helper()
	w.mu.Lock()
	defer w.mu.Unlock()
	last := map[flv.TagType]uint32{}
	for i, tag := range w.tags {
		if tag.Type == flv.TagScript {
			continue
		}
		if p, ok := last[tag.Type]; ok && tag.Timestamp < p {
			t.Fatalf("tag %d (failover at %d, type %d) runs backwards: %d ms after %d ms", i, before, tag.Type, tag.Timestamp, p)
		}
		last[tag.Type] = tag.Timestamp
	}
}

// TestEdgeFLVBehindGSLB: an edge with protocol flv whose only origin is a
// GSLB that answers 302 pulls the stream over HTTP-FLV from the origin it
// names, and serves it as FLV, TS and RTMP to ffprobe and ffmpeg.
func TestEdgeFLVBehindGSLB(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	publish(t, "h264_aac.flv", origin.rtmpURL("live/s"), 1, true)
	origin.waitLive(t, "live/s.flv")
	probes := countLines(origin.Log(), "http play start", "live/s") // waitLive's
	g := newGSLB(t, func() string { return "http://" + origin.httpAddr() })
	edge := startServer(t, clusterConfig("mode remote;", "origin "+g.addr()+";", "protocol flv;"))

	// A viewer that stays for the whole test keeps the edge's pull up, so
	// every player below shares one pull however long the tools take to
	// start (the pull stops 3 s after its last player).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", edge.httpURL("live/s.flv"), nil)
	held := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		held <- err
	}()
	edge.waitLive(t, "live/s.flv")
	for _, p := range []string{"live/s.flv", "live/s.ts"} {
		if got := ffprobe(t, edge.httpURL(p)).avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
			t.Errorf("edge %s codecs %v", p, got)
		}
	}
	decode(t, edge.httpURL("live/s.flv"), 2)
	decode(t, edge.httpURL("live/s.ts"), 2)
	decode(t, edge.rtmpURL("live/s"), 2)

	select {
	case err := <-held:
		t.Fatalf("the viewer that keeps the pull up left early: %v", err)
	default:
	}
	if g.hits.Load() == 0 {
		t.Error("the edge never asked the GSLB")
	}
	if !strings.Contains(edge.Log(), "edge pull redirected") || !strings.Contains(edge.Log(), "protocol=flv") {
		t.Error("the edge did not log its redirected HTTP-FLV pull")
	}
	// One pull for every player: the origin served the edge over HTTP, not RTMP.
	if n := countLines(origin.Log(), "http play start", "live/s") - probes; n != 1 {
		t.Errorf("origin served %d HTTP plays of live/s, want 1 (the edge)", n)
	}
	if n := countLines(origin.Log(), `msg="play start"`); n != 0 {
		t.Errorf("origin served %d RTMP plays, want 0", n)
	}
}

// TestEdgeFLVRedirectFailover: an origin that redirects to itself, then one
// reached through four redirects, are origin failures with a log line each,
// and the edge moves on to the next origin, which serves the player.
func TestEdgeFLVRedirectFailover(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	publish(t, "h264_aac.flv", origin.rtmpURL("live/s"), 1, true)
	origin.waitLive(t, "live/s.flv")
	var loop *gslb
	loop = newGSLB(t, func() string { return loop.URL })
	four := chain(t, 4, "http://"+origin.httpAddr())
	three := chain(t, 3, "http://"+origin.httpAddr())
	edge := startServer(t, clusterConfig("mode remote;", "origin "+loop.addr()+" "+four+" "+three+";", "protocol flv;"))

	start := time.Now()
	w := watchFLV(t, edge.httpURL("live/s.flv"))
	w.waitTags(t, 50, 20*time.Second)
	t.Logf("player served %v after asking, through the third origin", time.Since(start).Round(100*time.Millisecond))
	log := edge.Log()
	if n := countLines(log, "edge pull from origin failed", "origin="+loop.addr(), "redirect loop"); n != 1 {
		t.Errorf("%d failure lines for the redirect loop, want 1", n)
	}
	if n := countLines(log, "edge pull from origin failed", "origin="+four, "too many redirects"); n != 1 {
		t.Errorf("%d failure lines for the 4-hop chain, want 1", n)
	}
	if n := countLines(log, "edge pull connected", "protocol=flv"); n != 1 {
		t.Errorf("%d connected pulls, want 1", n)
	}
	decode(t, edge.rtmpURL("live/s"), 1)
}

// TestEdgeFLVOriginKilled: players watch an HTTP-FLV edge of two origins
// that both have the stream; the first is killed: the players keep their
// connections, get media again from the second, and their timestamps never
// run backwards. The second origin's publisher started later, so its
// timestamps are behind the first's; the edge runs time_jitter zero, which
// passes jumps through, so only the edge's new timeline at the failover
// keeps them going forward (full, the default, would also hide the jump).
func TestEdgeFLVOriginKilled(t *testing.T) {
	t.Parallel()
	o1 := startServer(t, baseConfig)
	o2 := startServer(t, baseConfig)
	stop1, _ := publish(t, "h264_aac.flv", o1.rtmpURL("live/s"), 1, true)
	o1.waitLive(t, "live/s.flv")
	time.Sleep(3 * time.Second)
	publish(t, "h264_aac.flv", o2.rtmpURL("live/s"), 1, true)
	o2.waitLive(t, "live/s.flv")
	cfg := clusterConfig("mode remote;", "origin "+o1.httpAddr()+" "+o2.httpAddr()+";", "protocol flv;")
	edge := startServer(t, strings.Replace(cfg, "mw_latency 100;", "mw_latency 100;\n        time_jitter zero;", 1))

	hw := watchFLV(t, edge.httpURL("live/s.flv"))
	hw.waitTags(t, 100, 10*time.Second)
	rw := watchRTMP(t, edge.rtmpURL("live/s"))
	rw.waitTags(t, 50, 10*time.Second)
	stop1()
	o1.cmd.Process.Kill()
	<-o1.exited
	killed := time.Now()
	hBefore, rBefore := hw.count(), rw.count()

	hw.waitTags(t, hBefore+150, 20*time.Second)
	rw.waitTags(t, rBefore+150, 20*time.Second)
	t.Logf("players resumed %v after the origin was killed", time.Since(killed).Round(100*time.Millisecond))
	if n := countLines(edge.Log(), "edge pull connected", "origin=http://"+o2.httpAddr()); n != 1 {
		t.Errorf("%d pulls from the second origin, want 1", n)
	}
	hw.monotonic(t, hBefore)
	rw.monotonic(t, rBefore)
	if n := countLines(edge.Log(), "http play stop"); n != 0 {
		t.Errorf("%d HTTP players were dropped", n)
	}
}

// TestEdgeFLVAbuse: an origin that sends garbage, stalls mid-tag, answers
// 302 to itself or sends a 100 MB "tag" fails with one log line, and the
// edge's player gets the stream from the next origin.
func TestEdgeFLVAbuse(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	publish(t, "h264_aac.flv", origin.rtmpURL("live/s"), 1, true)
	origin.waitLive(t, "live/s.flv")
	header := func(w http.ResponseWriter, size int) {
		w.Header().Set("Content-Type", "video/x-flv")
		w.Write(flv.AppendHeader(nil, true, true))
		tag := make([]byte, flv.TagHeaderSize)
		flv.PutTagHeader(tag, flv.TagVideo, 0, size)
		w.Write(tag)
	}
	cases := []struct {
		name, logged string
		handler      func(self *string) http.HandlerFunc
	}{
		{"garbage", "not an FLV file", func(*string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("HTTP/1.1 200 OK\r\n\r\n\x00\x01garbage garbage garbage"))
			}
		}},
		{"stall mid-tag", "no whole tag within the timeout", func(*string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				header(w, 5000)
				w.Write(make([]byte, 100))
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(60 * time.Second):
				}
			}
		}},
		{"302 to itself", "redirect loop", func(self *string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, *self+r.URL.RequestURI(), http.StatusFound)
			}
		}},
		{"100 MB tag", "tag too large", func(*string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				header(w, 0xffffff)
				chunk := make([]byte, 1<<20)
				for range 100 {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var self string
			bad := httptest.NewServer(c.handler(&self))
			defer bad.Close()
			self = bad.URL
			badAddr := strings.TrimPrefix(bad.URL, "http://")
			edge := startServer(t, clusterConfig("mode remote;", "origin "+badAddr+" "+origin.httpAddr()+";", "protocol flv;"))
			w := watchFLV(t, edge.httpURL("live/s.flv"))
			w.waitTags(t, 50, 20*time.Second)
			if n := countLines(edge.Log(), "edge pull from origin failed", "origin="+badAddr, c.logged); n != 1 {
				t.Errorf("%d lines saying %q about the bad origin, want 1\n%s", n, c.logged, edge.Log())
			}
		})
	}
}

// TestEdgeFLVS: protocol flvs pulls over HTTPS (through a GSLB with a
// self-signed certificate, as SRS's origins have, which sends the edge on to
// the origin's HTTP port).
func TestEdgeFLVS(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	publish(t, "h264_aac.flv", origin.rtmpURL("live/s"), 1, true)
	origin.waitLive(t, "live/s.flv")
	tlsGSLB := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+origin.httpAddr()+r.URL.RequestURI(), http.StatusFound)
	}))
	defer tlsGSLB.Close()
	edge := startServer(t, clusterConfig("mode remote;", "origin "+strings.TrimPrefix(tlsGSLB.URL, "https://")+";", "protocol flvs;"))
	edge.waitLive(t, "live/s.flv")
	decode(t, edge.httpURL("live/s.flv"), 1)
	if !strings.Contains(edge.Log(), "protocol=flvs") {
		t.Error("the pull did not go over flvs")
	}
}
