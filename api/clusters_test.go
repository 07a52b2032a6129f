package api

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/live"
)

// waitPublished waits until the stream core has path published.
func waitPublished(t *testing.T, f *apiFixture, app, name string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if st := f.srv.Stream(live.StreamKey{Vhost: live.DefaultVhost, App: app, Name: name}); st != nil && st.Publishing() {
			return
		}
	}
	t.Fatalf("%s/%s never published", app, name)
}

// getBody returns the answer's body as text.
func (f *apiFixture) getBody(t *testing.T, method, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, f.web.URL+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestClusters: /api/v1/clusters answers as SRS's SrsGoApiClusters does,
// byte for byte in SRS's key order: the query echoed and origin null for a
// stream not published here; for a published one, the origin with the IP
// the coworker reached us by (we listen on every address), the RTMP port,
// the vhost, the API and its routers, plus picosrs's http_port. SRS asks
// with POST, picosrs with GET: both answer.
func TestClusters(t *testing.T) {
	f := newAPIFixture(t, func(c *Config) {
		c.RTMPListen, c.APIListen, c.HTTPListen = "19350", "9090", "8080"
		c.Vhosts = []Vhost{{Name: live.DefaultVhost, Enabled: true}}
	})
	const q = "/api/v1/clusters?vhost=__defaultVhost__&ip=10.0.0.9&app=live&stream=s&coworker=10.0.0.2:9090"
	for _, method := range []string{"GET", "POST"} {
		code, body := f.getBody(t, method, q)
		want := `{"code":0,"data":{"query":{"ip":"10.0.0.9","vhost":"__defaultVhost__","app":"live","stream":"s"},"origin":null}}`
		if code != 200 || body != want {
			t.Fatalf("%s, not published: %d %s\nwant %s", method, code, body, want)
		}
	}
	publishFixture(t, f.rtmp, "live/s")
	waitPublished(t, f, "live", "s")
	want := `{"code":0,"data":{"query":{"ip":"10.0.0.9","vhost":"__defaultVhost__","app":"live","stream":"s"},` +
		`"origin":{"ip":"10.0.0.2","port":19350,"vhost":"__defaultVhost__","api":"10.0.0.2:9090","routers":["10.0.0.2:9090"],"http_port":8080}}}`
	for _, method := range []string{"GET", "POST"} {
		if code, body := f.getBody(t, method, q); code != 200 || body != want {
			t.Fatalf("%s, published: %d %s\nwant %s", method, code, body, want)
		}
	}
	// A vhost this server does not have resolves to the default one, as
	// SRS's get_vhost(name, true); another stream is not here.
	if _, body := f.getBody(t, "GET", strings.Replace(q, "vhost=__defaultVhost__", "vhost=other.test", 1)); !strings.Contains(body, `"origin":{"ip":"10.0.0.2"`) {
		t.Errorf("other vhost: %s", body)
	}
	if _, body := f.getBody(t, "GET", strings.Replace(q, "stream=s", "stream=t", 1)); !strings.Contains(body, `"origin":null`) {
		t.Errorf("other stream: %s", body)
	}
	// A stream with a player waiting for its publisher is not published.
	v, err := f.srv.Play(live.PlayRequest{Key: live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "w"}, Format: live.FormatFLV, Conn: io.NopCloser(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close(nil)
	if _, body := f.getBody(t, "GET", strings.Replace(q, "stream=s", "stream=w", 1)); !strings.Contains(body, `"origin":null`) {
		t.Errorf("stream with a waiting player: %s", body)
	}
	if code, _ := f.getBody(t, "DELETE", q); code != 405 {
		t.Errorf("DELETE: %d", code)
	}
}

// TestClustersListenHost: a server that listens on a named address reports
// it, and its API address as configured; without coworker= it names the
// address the question came in on.
func TestClustersListenHost(t *testing.T) {
	f := newAPIFixture(t, func(c *Config) {
		c.RTMPListen, c.APIListen = "192.0.2.7:1936", "192.0.2.7:1985"
	})
	publishFixture(t, f.rtmp, "live/s")
	waitPublished(t, f, "live", "s")
	_, body := f.getBody(t, "GET", "/api/v1/clusters?vhost=__defaultVhost__&app=live&stream=s&coworker=10.0.0.2:9090")
	if !strings.Contains(body, `"origin":{"ip":"192.0.2.7","port":1936,"vhost":"__defaultVhost__","api":"192.0.2.7:1985","routers":["192.0.2.7:1985"]}`) {
		t.Errorf("named listen address: %s", body)
	}
	f2 := newAPIFixture(t, func(c *Config) { c.RTMPListen, c.APIListen = "1935", "1985" })
	publishFixture(t, f2.rtmp, "live/s")
	waitPublished(t, f2, "live", "s")
	if _, body := f2.getBody(t, "GET", "/api/v1/clusters?vhost=__defaultVhost__&app=live&stream=s"); !strings.Contains(body, `"origin":{"ip":"127.0.0.1","port":1935,`) {
		t.Errorf("no coworker=: %s", body)
	}
}
