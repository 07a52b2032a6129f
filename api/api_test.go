package api

import (
	"context"
	"encoding/json"
	"github.com/picosrs/picosrs/internal/fixture"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/testtool"
	"github.com/picosrs/picosrs/live"
)

// apiFixture is an in-process live.Server on loopback with the API in front.
type apiFixture struct {
	srv  *live.Server
	rtmp string // host:port
	api  *Server
	web  *httptest.Server
}

const testVersion = "9.9.9-test"

func newAPIFixture(t *testing.T, edit func(*Config)) *apiFixture {
	t.Helper()
	cfg := &Config{Version: testVersion, Crossdomain: true}
	if edit != nil {
		edit(cfg)
	}
	srv := live.NewServer(&live.Config{Vhosts: []*live.VhostConfig{live.NewVhostConfig(live.DefaultVhost)}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.ServeRTMP(ln)
	a := New(srv, func() int64 { return 0 }, "test", cfg)
	a.Start()
	web := httptest.NewServer(a.Handler(true, true, http.NotFoundHandler()))
	t.Cleanup(func() {
		web.Close()
		a.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return &apiFixture{srv: srv, rtmp: ln.Addr().String(), api: a, web: web}
}

// call does one request and decodes the JSON answer.
func (f *apiFixture) call(t *testing.T, method, path string, hdr ...string) (int, http.Header, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.web.URL+path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.StatusCode, resp.Header, m
}

// publishFixture pushes the h264_aac fixture over RTMP, its first second at
// once and the rest in real time, until the test ends.
func publishFixture(t *testing.T, addr, path string) {
	fixture.StartPublish(t, "rtmp://"+addr+"/"+path, fixture.ReadFLV(t, "h264_aac.flv"), time.Second)
}

func TestAPIVersionsAndEnvelope(t *testing.T) {
	f := newAPIFixture(t, nil)
	code, hdr, m := f.call(t, "GET", "/api/v1/versions")
	if code != 200 || m["code"] != 0.0 || m["pid"] != strconv.Itoa(os.Getpid()) || !strings.HasPrefix(m["server"].(string), "vid-") || m["service"] == "" {
		t.Fatalf("versions: %d %v", code, m)
	}
	if hdr.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", hdr.Get("Content-Type"))
	}
	data := m["data"].(map[string]any)
	if data["major"] != float64(apiMajor) || data["version"] != testVersion {
		t.Errorf("data %v", data)
	}
	for _, p := range []string{"/api/", "/api/v1/", "/api/v1/summaries", "/api/v1/vhosts", "/api/v1/streams/", "/api/v1/clients"} {
		if code, _, m := f.call(t, "GET", p); code != 200 || m["code"] != 0.0 {
			t.Errorf("%s: %d %v", p, code, m)
		}
	}
	_, _, m = f.call(t, "GET", "/api/v1/vhosts")
	vh := m["vhosts"].([]any)[0].(map[string]any)
	if vh["name"] != live.DefaultVhost || vh["id"] != vhostID(live.DefaultVhost) {
		t.Errorf("vhosts %v", m)
	}
	if code, _, m := f.call(t, "GET", "/api/v1/vhosts/"+vhostID(live.DefaultVhost)); code != 200 || m["vhost"] == nil {
		t.Errorf("vhost by id: %d %v", code, m)
	}
}

func TestAPIErrors(t *testing.T) {
	f := newAPIFixture(t, nil)
	cases := []struct {
		method, path string
		status       int
		code         float64
	}{
		{"GET", "/api/v1/clients/12345", 404, codeClientNotFound},
		{"GET", "/api/v1/clients/nope", 404, codeClientNotFound},
		{"DELETE", "/api/v1/clients/12345", 404, codeClientNotFound},
		{"GET", "/api/v1/streams/vid-nothing", 404, codeStreamNotFound},
		{"GET", "/api/v1/vhosts/vid-nothing", 404, codeVhostNotFound},
		{"POST", "/api/v1/streams", 405, 405},
		{"DELETE", "/api/v1/clients", 405, 405},
		{"PUT", "/api/v1/versions", 405, 405},
		{"GET", "/api/v9/nothing", 404, 404},
	}
	for _, c := range cases {
		code, _, m := f.call(t, c.method, c.path)
		if code != c.status || m["code"] != c.code {
			t.Errorf("%s %s: %d %v, want %d code %v", c.method, c.path, code, m, c.status, c.code)
		}
	}
	// Not an API path: the live server answers.
	if code, _, _ := f.call(t, "GET", "/live/none.txt"); code != 404 {
		t.Errorf("fallthrough: %d", code)
	}
}

func TestAPIAuthAndCORS(t *testing.T) {
	f := newAPIFixture(t, func(c *Config) {
		c.Auth = Auth{Enabled: true, Username: "admin", Password: "s3cret"}
	})
	code, hdr, m := f.call(t, "GET", "/api/v1/versions")
	if code != 401 || !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Basic") || m["code"] != 401.0 {
		t.Fatalf("no credentials: %d %v %v", code, hdr, m)
	}
	req, _ := http.NewRequest("GET", f.web.URL+"/api/v1/versions", nil)
	req.SetBasicAuth("admin", "wrong")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Fatalf("wrong password: %v %v", resp, err)
	}
	req.SetBasicAuth("admin", "s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("right password: %v %v", resp, err)
	}
	resp.Body.Close()
	// /metrics is not behind the API's auth (Prometheus scrapes it).
	if code, _, _ := f.call(t, "GET", "/metrics"); code != 200 {
		t.Errorf("metrics: %d", code)
	}
	code, hdr, _ = f.call(t, "OPTIONS", "/api/v1/streams", "Origin", "http://example.com")
	if code != 200 || hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("OPTIONS: %d %v", code, hdr)
	}
	code, hdr, _ = f.call(t, "GET", "/api/v1/versions", "Origin", "http://example.com")
	if code != 401 || hdr.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("CORS on 401: %d %v", code, hdr)
	}
}

func TestAPIJSONP(t *testing.T) {
	f := newAPIFixture(t, nil)
	resp, err := http.Get(f.web.URL + "/api/v1/versions?callback=cb_1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(b), "cb_1({") || !strings.HasSuffix(string(b), "})") || resp.Header.Get("Content-Type") != "text/javascript" {
		t.Errorf("jsonp: %s", b)
	}
	resp, _ = http.Get(f.web.URL + "/api/v1/versions?callback=alert(1)//")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.HasPrefix(string(b), "{") {
		t.Errorf("bad callback must be ignored: %s", b)
	}
}

// TestAPIStreamsAndClients publishes in-process and reads the stream, its
// clients, paging and a kick back through the API.
func TestAPIStreamsAndClients(t *testing.T) {
	f := newAPIFixture(t, nil)
	publishFixture(t, f.rtmp, "live/a")
	publishFixture(t, f.rtmp, "live/b")
	var streams []any
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_, _, m := f.call(t, "GET", "/api/v1/streams")
		streams = m["streams"].([]any)
		if len(streams) == 2 && streams[0].(map[string]any)["video"] != nil && streams[0].(map[string]any)["audio"] != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(streams) != 2 {
		t.Fatalf("streams %v", streams)
	}
	st := streams[0].(map[string]any)
	if st["name"] != "a" || st["app"] != "live" || st["id"] != streamID(live.DefaultVhost, "live", "a") || st["vhost"] != vhostID(live.DefaultVhost) {
		t.Errorf("stream %v", st)
	}
	v, a := st["video"].(map[string]any), st["audio"].(map[string]any)
	if v["codec"] != "H264" || v["profile"] != "Main" || v["width"] != 640.0 || v["height"] != 360.0 {
		t.Errorf("video %v", v)
	}
	if a["codec"] != "AAC" || a["sample_rate"] != 44100.0 || a["channel"] != 2.0 || a["profile"] != "LC" {
		t.Errorf("audio %v", a)
	}
	pub := st["publish"].(map[string]any)
	if pub["active"] != true || pub["cid"] == nil {
		t.Fatalf("publish %v", pub)
	}
	// Paging: count=1 start=1 is the second stream; total counts all.
	_, _, m := f.call(t, "GET", "/api/v1/streams?start=1&count=1")
	if m["total"] != 2.0 || len(m["streams"].([]any)) != 1 || m["streams"].([]any)[0].(map[string]any)["name"] != "b" {
		t.Errorf("paging: %v", m)
	}
	code, _, m := f.call(t, "GET", "/api/v1/clients/"+pub["cid"].(string))
	c := m["client"].(map[string]any)
	if code != 200 || c["type"] != "fmle-publish" || c["publish"] != true || c["stream"] != st["id"] || c["recv_bytes"].(float64) == 0 {
		t.Errorf("publisher client: %d %v", code, m)
	}
	// Kick the publisher of b: the stream goes away.
	_, _, m = f.call(t, "GET", "/api/v1/streams/"+streamID(live.DefaultVhost, "live", "b"))
	cid := m["stream"].(map[string]any)["publish"].(map[string]any)["cid"].(string)
	if code, _, m := f.call(t, "DELETE", "/api/v1/clients/"+cid); code != 200 || m["code"] != 0.0 {
		t.Fatalf("kick: %d %v", code, m)
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		code, _, _ := f.call(t, "GET", "/api/v1/streams/"+streamID(live.DefaultVhost, "live", "b"))
		if code == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("stream b still listed after its publisher was kicked")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMetrics(t *testing.T) {
	f := newAPIFixture(t, func(c *Config) { c.Label = "cn-\"bj\""; c.Tag = "t1" })
	publishFixture(t, f.rtmp, "live/m")
	time.Sleep(300 * time.Millisecond)
	get := func() (string, map[string]float64) {
		resp, err := http.Get(f.web.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("content type %q", resp.Header.Get("Content-Type"))
		}
		b, _ := io.ReadAll(resp.Body)
		return string(b), testtool.ParseProm(t, string(b))
	}
	body, m1 := get()
	for _, n := range []string{"srs_build_info", "srs_cpu_percent", "srs_memory", "srs_send_bytes_total", "srs_receive_bytes_total", "srs_streams", "srs_clients", "srs_clients_total", "srs_clients_errs_total"} {
		if _, ok := m1[n]; !ok {
			t.Errorf("missing %s", n)
		}
	}
	if !strings.Contains(body, `label="cn-\"bj\""`) || !strings.Contains(body, `tag="t1"`) {
		t.Errorf("label/tag not in srs_build_info:\n%s", body)
	}
	if m1["srs_streams"] != 1 || m1["srs_clients"] != 1 || m1["srs_clients_total"] < 1 {
		t.Errorf("gauges %v", m1)
	}
	time.Sleep(1500 * time.Millisecond)
	_, m2 := get()
	if m2["srs_receive_bytes_total"] <= m1["srs_receive_bytes_total"] {
		t.Errorf("receive bytes did not grow: %v -> %v", m1["srs_receive_bytes_total"], m2["srs_receive_bytes_total"])
	}
}

// TestReload: after a reload the API's credentials and vhost list are the
// new ones.
func TestReload(t *testing.T) {
	f := newAPIFixture(t, func(c *Config) {
		c.Auth = Auth{Enabled: true, Username: "admin", Password: "old"}
	})
	get := func(user, pass string) (int, map[string]any) {
		req, _ := http.NewRequest("GET", f.web.URL+"/api/v1/vhosts", nil)
		req.SetBasicAuth(user, pass)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	if code, _ := get("admin", "old"); code != 200 {
		t.Fatalf("old password before the reload: %d", code)
	}
	f.api.Reload(&Config{Version: testVersion, Auth: Auth{Enabled: true, Username: "admin", Password: "new"},
		Vhosts: []Vhost{{Name: live.DefaultVhost, Enabled: true}, {Name: "added.com", Enabled: true}}})
	if code, _ := get("admin", "old"); code != 401 {
		t.Errorf("old password after the reload: %d, want 401", code)
	}
	code, m := get("admin", "new")
	if code != 200 || len(m["vhosts"].([]any)) != 2 || m["vhosts"].([]any)[1].(map[string]any)["name"] != "added.com" {
		t.Errorf("after the reload: %d %v", code, m)
	}
}

// TestPageBounds: paging parameters come from the query; no value of start
// and count may panic (start+count used to overflow).
func TestPageBounds(t *testing.T) {
	list := []int{0, 1, 2, 3, 4}
	const maxInt = int(^uint(0) >> 1)
	cases := []struct {
		start, count int
		want         []int
	}{
		{0, 10, list},
		{1, 2, []int{1, 2}},
		{4, maxInt, []int{4}},
		{1, maxInt, []int{1, 2, 3, 4}},
		{maxInt, maxInt, []int{}},
		{5, 1, []int{}},
		{-1, 3, []int{}},
		{0, 0, []int{}},
		{2, -maxInt - 1, []int{}},
	}
	for _, c := range cases {
		got := page(list, c.start, c.count)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("page(%d, %d) = %v, want %v", c.start, c.count, got, c.want)
		}
	}
	r := httptest.NewRequest("GET", "/api/v1/clients?start=1&count=9223372036854775807", nil)
	start, count := paging(r)
	if got := page(list, start, count); !reflect.DeepEqual(got, []int{1, 2, 3, 4}) {
		t.Errorf("paging overflow query: %v", got)
	}
}

// TestJSONPCallback: the hand-written check accepts exactly what the
// pattern ^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$ accepts.
func TestJSONPCallback(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$`)
	names := []string{"", "cb", "cb_1", "$", "_", "a.b.c", "jQuery123_456", "1cb", ".cb", "cb()", "alert(1)//", "a b", "a-b", "é",
		strings.Repeat("a", 64), strings.Repeat("a", 65), "a\x00", "a\n"}
	for c := 0; c < 256; c++ {
		names = append(names, string([]byte{byte(c)}), "a"+string([]byte{byte(c)}))
	}
	for _, n := range names {
		if got, want := jsonpCallback(n), re.MatchString(n); got != want {
			t.Errorf("jsonpCallback(%q) = %v, want %v", n, got, want)
		}
	}
}

// TestVhostHLS: a vhost's hls.enabled is what its configuration says.
func TestVhostHLS(t *testing.T) {
	f := newAPIFixture(t, func(c *Config) {
		c.Vhosts = []Vhost{{Name: live.DefaultVhost, Enabled: true, HLS: true}, {Name: "plain", Enabled: true}}
	})
	_, _, m := f.call(t, "GET", "/api/v1/vhosts")
	vs := m["vhosts"].([]any)
	for i, want := range []bool{true, false} {
		if got := vs[i].(map[string]any)["hls"].(map[string]any)["enabled"]; got != want {
			t.Errorf("vhost %d hls.enabled %v, want %v", i, got, want)
		}
	}
}
