package tests

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// originClusterConfig is baseConfig as an origin of an origin cluster: its
// HTTP API on port api, its coworkers the APIs on the other ports.
func originClusterConfig(api int, coworkers ...int) string {
	var cw []string
	for _, p := range coworkers {
		cw = append(cw, fmt.Sprintf("127.0.0.1:%d", p))
	}
	cfg := clusterConfig("mode local;", "origin_cluster on;", "coworkers "+strings.Join(cw, " ")+";")
	return strings.Replace(cfg, "vhost __defaultVhost__ {",
		fmt.Sprintf("http_api {\n    enabled on;\n    listen %d;\n}\nvhost __defaultVhost__ {", api), 1)
}

// clusters asks an origin's API where a stream is, as a coworker does, and
// returns the answer's text.
func clusters(t *testing.T, api int, stream string) string {
	t.Helper()
	u := fmt.Sprintf("http://127.0.0.1:%d/api/v1/clusters?vhost=__defaultVhost__&ip=127.0.0.1&app=live&stream=%s&coworker=127.0.0.1:%d", api, stream, api)
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s %s", u, resp.Status, b)
	}
	return string(b)
}

// waitPublishedOn waits until an origin's API says it publishes stream.
func waitPublishedOn(t *testing.T, api int, stream string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if !strings.Contains(clusters(t, api, stream), `"origin":null`) {
			return
		}
	}
	t.Fatalf("API on %d never said it publishes %s", api, stream)
}

// TestOriginCluster: three picosrs origins are coworkers; a stream published
// on C is played through an edge that knows only A, over RTMP and over
// HTTP-FLV, and by players that ask A directly (HTTP follows a 302, our RTMP
// client gets SRS's RTMP 302); /api/v1/clusters answers as SRS's does; a
// stream nobody publishes waits on the origin that was asked.
func TestOriginCluster(t *testing.T) {
	t.Parallel()
	pA, pB, pC := freePort(t), freePort(t), freePort(t)
	a := startServer(t, originClusterConfig(pA, pB, pC))
	startServer(t, originClusterConfig(pB, pA, pC))
	c := startServer(t, originClusterConfig(pC, pA, pB))
	publish(t, "h264_aac.flv", c.rtmpURL("live/s"), 1, true)
	c.waitLive(t, "live/s.flv")

	// SRS's JSON, key for key, plus picosrs's http_port.
	want := fmt.Sprintf(`{"code":0,"data":{"query":{"ip":"127.0.0.1","vhost":"__defaultVhost__","app":"live","stream":"s"},`+
		`"origin":{"ip":"127.0.0.1","port":%d,"vhost":"__defaultVhost__","api":"127.0.0.1:%d","routers":["127.0.0.1:%d"],"http_port":%d}}}`,
		c.RTMP, pC, pC, c.HTTP)
	if got := clusters(t, pC, "s"); got != want {
		t.Errorf("C's answer:\n%s\nwant\n%s", got, want)
	}
	if got := clusters(t, pA, "s"); !strings.Contains(got, `"origin":null`) {
		t.Errorf("A's answer: %s", got)
	}

	t.Run("rtmp-edge", func(t *testing.T) {
		t.Parallel()
		edge := startServer(t, edgeConfig(a.addr()))
		if got := ffprobe(t, edge.rtmpURL("live/s")).avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
			t.Errorf("edge rtmp codecs %v", got)
		}
		decode(t, edge.httpURL("live/s.flv"), 2)
		if !strings.Contains(edge.Log(), fmt.Sprintf("to=127.0.0.1:%d", c.RTMP)) {
			t.Error("the edge was not redirected to C")
		}
	})
	t.Run("flv-edge", func(t *testing.T) {
		t.Parallel()
		edge := startServer(t, clusterConfig("mode remote;", "origin "+a.httpAddr()+";", "protocol flv;"))
		if got := ffprobe(t, edge.httpURL("live/s.flv")).avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
			t.Errorf("edge flv codecs %v", got)
		}
		decode(t, edge.rtmpURL("live/s"), 2)
		if !strings.Contains(edge.Log(), "to=http://"+c.httpAddr()+"/live/s.flv") {
			t.Error("the edge was not redirected to C's HTTP port")
		}
	})
	t.Run("players-on-A", func(t *testing.T) {
		t.Parallel()
		// What the lookup and the 302 cost a player: its first bytes through
		// A against straight from C (a figure, not an assertion).
		firstBytes := func(url string) time.Duration {
			start := time.Now()
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if _, err := io.ReadFull(resp.Body, make([]byte, 13)); err != nil {
				t.Fatal(err)
			}
			return time.Since(start)
		}
		direct, viaA := firstBytes(c.httpURL("live/s.flv")), firstBytes(a.httpURL("live/s.flv"))
		t.Logf("first FLV bytes: %v from C, %v through A (coworker lookup and 302)", direct.Round(100*time.Microsecond), viaA.Round(100*time.Microsecond))
		// HTTP: a 302 to the same path on C, which ffmpeg follows.
		decode(t, a.httpURL("live/s.flv?token=abc"), 1)
		resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(a.httpURL("live/s.flv?token=abc"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "http://"+c.httpAddr()+"/live/s.flv?token=abc" {
			t.Errorf("A answered %s to %q", resp.Status, loc)
		}
		// RTMP: SRS's redirect, to C's RTMP port with the player's query.
		ctx := context.Background()
		conn, err := rtmp.Dial(ctx, a.rtmpURL("live/s?token=abc"), rtmp.DialConfig{})
		if err != nil {
			t.Fatal(err)
		}
		err = conn.Play(ctx)
		conn.Close()
		var re *rtmp.RedirectError
		if !errors.As(err, &re) || re.URL != fmt.Sprintf("rtmp://127.0.0.1:%d/live/s?token=abc", c.RTMP) {
			t.Errorf("RTMP play on A: %v", err)
		}
	})
	t.Run("published-nowhere-waits", func(t *testing.T) {
		t.Parallel()
		// A player asks A for a stream nobody publishes: it waits on A,
		// and gets the stream when it is published there.
		got := make(chan error, 1)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, a.httpURL("live/later.flv"), nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				got <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != 200 {
				got <- fmt.Errorf("status %s", resp.Status)
				return
			}
			r := flv.NewReader(resp.Body)
			if _, err := r.ReadHeader(); err != nil {
				got <- err
				return
			}
			for range 50 {
				if _, err := r.ReadTag(); err != nil {
					got <- err
					return
				}
			}
			got <- nil
		}()
		time.Sleep(2 * time.Second)
		select {
		case err := <-got:
			t.Fatalf("the player did not wait: %v", err)
		default:
		}
		publish(t, "h264_aac.flv", a.rtmpURL("live/later"), 1, true)
		select {
		case err := <-got:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("the waiting player got nothing")
		}
	})
}

// TestSRSOriginClusterConfigs: SRS's own origin cluster configs
// (origin.cluster.serverA/B/C.conf and origin.cluster.edge.conf) work as
// written, ports changed: a stream published on C plays through the edge,
// whose first origin is B.
func TestSRSOriginClusterConfigs(t *testing.T) {
	t.Parallel()
	api := map[string]int{"9090": freePort(t), "9091": freePort(t), "9092": freePort(t)}
	load := func(name string, r *strings.Replacer) string {
		b, err := os.ReadFile("../conf/testdata/srs/" + name)
		if err != nil {
			t.Fatal(err)
		}
		cfg := r.Replace(string(b))
		if !strings.Contains(cfg, "{RTMP}") {
			t.Fatalf("ports not replaced in %s", name)
		}
		return cfg
	}
	portsOf := strings.NewReplacer(
		"listen          9090;", fmt.Sprintf("listen          %d;", api["9090"]),
		"listen          9091;", fmt.Sprintf("listen          %d;", api["9091"]),
		"listen          9092;", fmt.Sprintf("listen          %d;", api["9092"]),
		"127.0.0.1:9090", fmt.Sprintf("127.0.0.1:%d", api["9090"]),
		"127.0.0.1:9091", fmt.Sprintf("127.0.0.1:%d", api["9091"]),
		"127.0.0.1:9092", fmt.Sprintf("127.0.0.1:%d", api["9092"]),
		"listen              19350;", "listen {RTMP};",
		"listen              19351;", "listen {RTMP};",
		"listen              19352;", "listen {RTMP};",
	)
	a := startServer(t, load("origin.cluster.serverA.conf", portsOf))
	b := startServer(t, load("origin.cluster.serverB.conf", portsOf))
	c := startServer(t, load("origin.cluster.serverC.conf", portsOf))
	edge := startServer(t, load("origin.cluster.edge.conf", strings.NewReplacer(
		"listen              1935;", "listen {RTMP};",
		"127.0.0.1:19351 127.0.0.1:19350", b.addr()+" "+a.addr())))

	publish(t, "h264_aac.flv", c.rtmpURL("live/s"), 1, true)
	waitPublishedOn(t, api["9092"], "s")
	if got := ffprobe(t, edge.rtmpURL("live/s")).avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
		t.Errorf("edge rtmp codecs %v", got)
	}
	decode(t, edge.rtmpURL("live/s"), 2)
	if !strings.Contains(b.Log(), "play redirected to the coworker") {
		t.Error("B did not redirect the edge")
	}
	for _, s := range []*server{a, b, c, edge} {
		if strings.Contains(s.Log(), "not implemented") {
			t.Errorf("a directive of SRS's cluster configs is not implemented:\n%s", s.Log())
		}
	}
}

// TestSRSHTTPFLVEdge2Config: SRS's second HTTP-FLV edge config works as
// written, ports changed (the first is in TestSRSEdgeConfigs).
func TestSRSHTTPFLVEdge2Config(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	publish(t, "h264_aac.flv", origin.rtmpURL("live/s"), 1, true)
	origin.waitLive(t, "live/s.flv")
	b, err := os.ReadFile("../conf/testdata/srs/http.flv.live.edge2.conf")
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer("listen              19352;", "listen {RTMP};",
		"listen          8082;", "listen {HTTP};", "origin 127.0.0.1;", "origin "+origin.addr()+";").Replace(string(b))
	if strings.Count(cfg, "{RTMP}")+strings.Count(cfg, "{HTTP}") != 2 {
		t.Fatal("ports not replaced")
	}
	edge := startServer(t, cfg)
	edge.waitLive(t, "live/s.flv")
	decode(t, edge.httpURL("live/s.flv"), 1)
}
