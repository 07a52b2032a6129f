package httpd

import (
	"github.com/picosrs/picosrs/internal/fixture"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/live"
)

// routingEnv serves three vhosts: the default one and show.com mount
// [vhost]/[app]/[stream].flv (the default vhost's answers for any host,
// show.com's only for show.com), plain.test mounts /[app]/[stream].flv
// (any host).
func routingEnv(t *testing.T) *env {
	lc, hc := testConfigs()
	hc.Vhosts[0].Mounts = []string{"[vhost]/[app]/[stream].flv"}
	for _, v := range []struct{ name, mount string }{{"show.com", "[vhost]/[app]/[stream].flv"}, {"plain.test", "/[app]/[stream].flv"}} {
		vh := live.NewVhostConfig(v.name)
		vh.MwLatency = 0
		lc.Vhosts = append(lc.Vhosts, vh)
		hc.Vhosts = append(hc.Vhosts, &Vhost{Name: v.name, Enabled: true, Remux: true, Mounts: []string{v.mount}})
	}
	return newEnv(t, lc, hc)
}

// hasVideo reads 20 tags and reports whether any is video: the tests
// publish audio alone on one vhost and video on the other, to tell them
// apart.
func hasVideo(t *testing.T, ch <-chan *flv.Reader, what string) bool {
	t.Helper()
	var r *flv.Reader
	select {
	case r = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no answer", what)
	}
	if r == nil {
		t.FailNow()
	}
	video := false
	for i := 0; i < 20; i++ {
		tag, err := r.ReadTag()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		video = video || tag.Type == flv.TagVideo
	}
	return video
}

// TestVhostsKeptApart: a named vhost's [vhost] mount is reached by its Host
// or ?vhost=, the default vhost catches every other host, and the same
// app/stream on two vhosts are two streams.
func TestVhostsKeptApart(t *testing.T) {
	e := routingEnv(t)
	defCh := fixture.GetFLV(t, e.url("/live/s.flv"), "other.example")
	namedCh := fixture.GetFLV(t, e.url("/live/s.flv"), "show.com:8080")
	paramCh := fixture.GetFLV(t, e.url("/live/s.flv?vhost=show.com"), "")
	e.waitViewers(t, live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "s"}, 1)
	e.waitViewers(t, live.StreamKey{Vhost: "show.com", App: "live", Name: "s"}, 2)
	e.publish(t, "live/s", "aac_only.flv")
	e.publish(t, "live/s?vhost=show.com", "h264_aac.flv")
	if hasVideo(t, defCh, "default vhost") {
		t.Error("default vhost: got show.com's stream")
	}
	if !hasVideo(t, namedCh, "Host: show.com") {
		t.Error("Host: show.com: got the default vhost's stream")
	}
	if !hasVideo(t, paramCh, "?vhost=show.com") {
		t.Error("?vhost=show.com: got the default vhost's stream")
	}
}

// TestMountWithoutVhost: a mount without [vhost] answers for any host, as
// the SRS documentation says ("mount to /[app]/[stream].flv: access by
// http://ossrs.net:8080/live/livestream.flv or by
// http://192.168.1.173:8080/live/livestream.flv"): mounted paths are matched
// first, and only an unmatched URL waits for a publisher on the host's
// vhost.
func TestMountWithoutVhost(t *testing.T) {
	e := routingEnv(t)
	e.publish(t, "live/plain?vhost=plain.test", "h264_aac.flv")
	e.waitPublishing(t, live.StreamKey{Vhost: "plain.test", App: "live", Name: "plain"})
	for _, host := range []string{"", "127.0.0.1", "anything.example", "plain.test"} {
		if !hasVideo(t, fixture.GetFLV(t, e.url("/live/plain.flv"), host), "Host "+host) {
			t.Errorf("Host %q: /live/plain.flv did not play plain.test's stream", host)
		}
	}
	// The same app/stream published on the default vhost too (audio only):
	// the host's own vhost wins, then the default's.
	e.publish(t, "live/plain", "aac_only.flv")
	e.waitPublishing(t, live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "plain"})
	for _, c := range []struct {
		host, query string
		video       bool
	}{
		{"127.0.0.1", "", false},
		{"plain.test", "", true},
		{"127.0.0.1", "?vhost=plain.test", true},
		{"plain.test", "?vhost=" + live.DefaultVhost, false},
	} {
		if got := hasVideo(t, fixture.GetFLV(t, e.url("/live/plain.flv"+c.query), c.host), c.host+c.query); got != c.video {
			t.Errorf("Host %q%s: video %v, want %v", c.host, c.query, got, c.video)
		}
	}
	// A host with mounts of its own reaches only those: show.com waits for
	// its own live/plain rather than playing plain.test's.
	go http.Get(e.url("/live/plain.flv?vhost=show.com"))
	e.waitViewers(t, live.StreamKey{Vhost: "show.com", App: "live", Name: "plain"}, 1)
	// An unmatched URL waits on the host's vhost.
	go http.Get(e.url("/live/nobody.flv"))
	e.waitViewers(t, live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "nobody"}, 1)

	// The index page links plain.test's stream without ?vhost=, show.com's
	// with it.
	e.publish(t, "live/named?vhost=show.com", "aac_only.flv")
	e.waitPublishing(t, live.StreamKey{Vhost: "show.com", App: "live", Name: "named"})
	rec := do(t, e.web, http.MethodGet, "/")
	body := rec.Body.String()
	for _, want := range []string{`href="/live/plain.flv"`, `href="/live/named.flv?vhost=show.com"`} {
		if !strings.Contains(body, want) {
			t.Errorf("index lacks %s:\n%s", want, body)
		}
	}
}
