package tests

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// edgeConfig is baseConfig as an edge of the given origins (host:port).
func edgeConfig(origins ...string) string {
	return strings.Replace(baseConfig, "vhost __defaultVhost__ {",
		"vhost __defaultVhost__ {\n    cluster {\n        mode remote;\n        origin "+strings.Join(origins, " ")+";\n    }", 1)
}

// forwardConfig is baseConfig forwarding every stream to dests.
func forwardConfig(dests ...string) string {
	return strings.Replace(baseConfig, "vhost __defaultVhost__ {",
		"vhost __defaultVhost__ {\n    forward {\n        enabled on;\n        destination "+strings.Join(dests, " ")+";\n    }", 1)
}

func (s *server) addr() string { return fmt.Sprintf("127.0.0.1:%d", s.RTMP) }

// waitLog waits until the server's log contains all of subs.
func (s *server) waitLog(t testing.TB, d time.Duration, subs ...string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		log := s.Log()
		ok := true
		for _, sub := range subs {
			ok = ok && strings.Contains(log, sub)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log never showed %q", subs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// countLines counts the log lines containing all of subs.
func countLines(log string, subs ...string) int {
	n := 0
	for _, l := range strings.Split(log, "\n") {
		ok := true
		for _, sub := range subs {
			ok = ok && strings.Contains(l, sub)
		}
		if ok {
			n++
		}
	}
	return n
}

// flvWatch is an HTTP-FLV player that records every tag it receives.
type flvWatch struct {
	mu    sync.Mutex
	tags  []flv.Tag // bodies dropped
	at    []time.Time
	err   error
	close func()
	done  chan struct{}
}

func watchFLV(t testing.TB, url string) *flvWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	w := &flvWatch{close: cancel, done: make(chan struct{})}
	t.Cleanup(func() { cancel(); <-w.done })
	go func() {
		defer close(w.done)
		defer resp.Body.Close()
		r := flv.NewReader(resp.Body)
		if _, err := r.ReadHeader(); err != nil {
			w.mu.Lock()
			w.err = err
			w.mu.Unlock()
			return
		}
		w.record(r.ReadTag)
	}()
	return w
}

// record appends every tag read (body dropped) with its arrival time until
// read fails, and keeps the error. watchFLV and watchRTMP share it.
func (w *flvWatch) record(read func() (flv.Tag, error)) {
	for {
		tag, err := read()
		w.mu.Lock()
		if err != nil {
			w.err = err
			w.mu.Unlock()
			return
		}
		tag.Data = nil
		w.tags = append(w.tags, tag)
		w.at = append(w.at, time.Now())
		w.mu.Unlock()
	}
}

func (w *flvWatch) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.tags)
}

// waitTags waits until the player has at least n tags.
func (w *flvWatch) waitTags(t testing.TB, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for w.count() < n {
		w.mu.Lock()
		err := w.err
		w.mu.Unlock()
		if err != nil {
			t.Fatalf("player ended after %d tags: %v", w.count(), err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("player got %d tags, want %d", w.count(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEdgePlay: ffmpeg publishes on the origin; HTTP-FLV and RTMP players on
// an edge, and on an edge of that edge, get the stream through one pull per
// edge; a stream published to the edge reaches the origin.
func TestEdgePlay(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	edge := startServer(t, edgeConfig(origin.addr()))
	edge2 := startServer(t, edgeConfig(edge.addr()))
	publish(t, "h264_aac.flv", origin.rtmpURL("live/s"), 1, true)
	origin.waitLive(t, "live/s.flv")

	t.Run("players", func(t *testing.T) { edgePlayers(t, origin, edge, edge2) })
	// Players overlapped: each edge pulled live/s once.
	if n := countLines(edge.Log(), "edge pull start", "live/s"); n != 1 {
		t.Errorf("edge started %d pulls of live/s, want 1", n)
	}
	if n := countLines(origin.Log(), `msg="play start"`, "live/s"); n != 1 {
		t.Errorf("origin served %d RTMP plays of live/s, want 1 (the edge)", n)
	}
}

func edgePlayers(t *testing.T, origin, edge, edge2 *server) {
	t.Run("http-flv", func(t *testing.T) {
		t.Parallel()
		edge.waitLive(t, "live/s.flv")
		if got := ffprobe(t, edge.httpURL("live/s.flv")).avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
			t.Errorf("edge flv codecs %v", got)
		}
		decode(t, edge.httpURL("live/s.flv"), 2)
	})
	t.Run("rtmp", func(t *testing.T) {
		t.Parallel()
		if got := ffprobe(t, edge.rtmpURL("live/s")).avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
			t.Errorf("edge rtmp codecs %v", got)
		}
		decode(t, edge.rtmpURL("live/s"), 2)
	})
	t.Run("edge-of-edge", func(t *testing.T) {
		t.Parallel()
		edge2.waitLive(t, "live/s.flv")
		if got := ffprobe(t, edge2.httpURL("live/s.ts")).avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
			t.Errorf("edge2 ts codecs %v", got)
		}
		decode(t, edge2.httpURL("live/s.flv"), 2)
	})
	t.Run("publish-to-edge", func(t *testing.T) {
		t.Parallel()
		publish(t, "h264_aac.flv", edge.rtmpURL("live/up"), 1, true)
		origin.waitLive(t, "live/up.flv")
		decode(t, origin.httpURL("live/up.flv"), 2)
	})
}

// TestEdgePullStops: the pull ends a few seconds after the last player left,
// and the origin sees the edge's play stop; a new player starts it again.
func TestEdgePullStops(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	edge := startServer(t, edgeConfig(origin.addr()))
	publish(t, "h264_aac.flv", origin.rtmpURL("live/s"), 1, true)
	origin.waitLive(t, "live/s.flv")

	w := watchFLV(t, edge.httpURL("live/s.flv"))
	w.waitTags(t, 50, 10*time.Second)
	w2 := watchFLV(t, edge.httpURL("live/s.flv"))
	w2.waitTags(t, 20, 10*time.Second)
	w.close()
	time.Sleep(500 * time.Millisecond)
	w2.close()
	left := time.Now()
	edge.waitLog(t, 8*time.Second, "edge pull stop")
	origin.waitLog(t, 3*time.Second, `msg="play stop"`)
	if d := time.Since(left); d < 2*time.Second {
		t.Errorf("pull stopped %v after the last player left, want about 3 s", d)
	}
	t.Logf("pull stopped %v after the last player left", time.Since(left).Round(100*time.Millisecond))
	w3 := watchFLV(t, edge.httpURL("live/s.flv"))
	w3.waitTags(t, 20, 10*time.Second)
	if n := countLines(edge.Log(), "edge pull start"); n != 2 {
		t.Errorf("%d pulls started, want 2", n)
	}
}

// TestEdgeFirstOriginDown: with the first origin a closed port, the edge
// moves on to the second after SRS's 3 s pause.
func TestEdgeFirstOriginDown(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	dead := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	edge := startServer(t, edgeConfig(dead, origin.addr()))
	publish(t, "h264_aac.flv", origin.rtmpURL("live/s"), 1, true)
	origin.waitLive(t, "live/s.flv")
	start := time.Now()
	edge.waitLive(t, "live/s.flv")
	t.Logf("edge live after %v", time.Since(start).Round(100*time.Millisecond))
	if !strings.Contains(edge.Log(), "edge pull from origin failed") {
		t.Errorf("no warning about the dead origin")
	}
	decode(t, edge.httpURL("live/s.flv"), 1)
}

// TestEdgeOriginRestart: the origin is killed and restarted while a player
// watches the edge; the player keeps its connection, gets data again, and
// its timestamps never run backwards.
func TestEdgeOriginRestart(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	cfg := strings.Replace(baseConfig, "listen {RTMP};", fmt.Sprintf("listen {RTMP} %d;", port), 1)
	origin := startServer(t, cfg)
	edge := startServer(t, edgeConfig(fmt.Sprintf("127.0.0.1:%d", port)))
	stop, _ := publish(t, "h264_aac.flv", origin.rtmpURL("live/s"), 1, true)
	origin.waitLive(t, "live/s.flv")

	w := watchFLV(t, edge.httpURL("live/s.flv"))
	w.waitTags(t, 100, 10*time.Second)
	stop()
	origin.cmd.Process.Kill()
	<-origin.exited
	killed := time.Now()
	before := w.count()
	time.Sleep(time.Second)

	origin2 := startServer(t, cfg)
	publish(t, "h264_aac.flv", origin2.rtmpURL("live/s"), 1, true)
	w.waitTags(t, w.count()+100, 20*time.Second)
	t.Logf("player resumed %v after the origin was killed", time.Since(killed).Round(100*time.Millisecond))
	if !strings.Contains(edge.Log(), "edge pull from origin failed") {
		t.Errorf("no warning about the origin reconnect")
	}

	// The README: players stay connected while an edge switches origins,
	// "with timestamps that never run backwards": per track (audio and
	// video are each in their own order), every tag's timestamp is at
	// least the one before it, across the restart too.
	w.mu.Lock()
	defer w.mu.Unlock()
	last := map[flv.TagType]uint32{}
	lastBefore := map[flv.TagType]uint32{}
	for i, tag := range w.tags {
		if tag.Type == flv.TagScript {
			continue
		}
		if p, ok := last[tag.Type]; ok && tag.Timestamp < p {
			when := "before"
			if i >= before {
				when = "after"
			}
			t.Fatalf("tag %d (%s the restart, type %d) runs backwards: %d ms after %d ms", i, when, tag.Type, tag.Timestamp, p)
		}
		last[tag.Type] = tag.Timestamp
		if i < before {
			lastBefore[tag.Type] = tag.Timestamp
		}
	}
	t.Logf("%d tags, %d before the restart; last video timestamp %d ms, %d before", len(w.tags), before, last[flv.TagVideo], lastBefore[flv.TagVideo])
}

// TestForward: a stream published on one server is forwarded to two others,
// while a third destination is down; the publisher is not disturbed.
func TestForward(t *testing.T) {
	t.Parallel()
	b := startServer(t, baseConfig)
	c := startServer(t, baseConfig)
	dead := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	a := startServer(t, forwardConfig(b.addr(), c.addr(), dead))
	publish(t, "h264_aac.flv", a.rtmpURL("live/s"), 1, true)
	a.waitLive(t, "live/s.flv")
	var wg sync.WaitGroup
	for _, d := range []*server{b, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.waitLive(t, "live/s.flv")
			if got := ffprobe(t, d.httpURL("live/s.flv")).avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
				t.Errorf("destination codecs %v", got)
			}
		}()
	}
	wg.Wait()
	decode(t, a.httpURL("live/s.flv"), 1)
	if !strings.Contains(a.Log(), "push failed, retrying") {
		t.Errorf("no warning about the dead destination")
	}
}

// TestSRSEdgeConfigs: SRS's own edge configs work as written, ports changed.
func TestSRSEdgeConfigs(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	publish(t, "h264_aac.flv", origin.rtmpURL("live/s"), 1, true)
	origin.waitLive(t, "live/s.flv")
	cases := map[string]*strings.Replacer{
		"edge.conf": strings.NewReplacer("listen              1935;", "listen {RTMP};",
			"listen          8080;", "listen {HTTP};", "127.0.0.1:19350", origin.addr()),
		"http.flv.live.edge1.conf": strings.NewReplacer("listen              19351;", "listen {RTMP};",
			"listen          8081;", "listen {HTTP};", "origin 127.0.0.1;", "origin "+origin.addr()+";"),
	}
	for name, r := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b, err := os.ReadFile("../conf/testdata/srs/" + name)
			if err != nil {
				t.Fatal(err)
			}
			cfg := r.Replace(string(b))
			if strings.Count(cfg, "{RTMP}")+strings.Count(cfg, "{HTTP}") != 2 {
				t.Fatalf("ports not replaced in %s", name)
			}
			edge := startServer(t, cfg)
			edge.waitLive(t, "live/s.flv")
			decode(t, edge.httpURL("live/s.flv"), 1)
		})
	}
}
