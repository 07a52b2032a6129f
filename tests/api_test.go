package tests

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/testtool"
)

const apiConfig = baseConfig + `
http_api {
    enabled on;
    listen {API};
}
exporter {
    enabled on;
    listen {API};
    label e2e;
    tag t1;
}
`

// apiGet calls the API and decodes its JSON answer.
func apiGet(t testing.TB, method, url string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, m
}

func (s *server) apiURL(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", s.API, path)
}

// apiClients returns the clients the API lists, by type.
func apiClients(t testing.TB, s *server) map[string][]map[string]any {
	t.Helper()
	_, m := apiGet(t, "GET", s.apiURL("/api/v1/clients?count=100"))
	out := map[string][]map[string]any{}
	for _, c := range m["clients"].([]any) {
		c := c.(map[string]any)
		out[c["type"].(string)] = append(out[c["type"].(string)], c)
	}
	return out
}

// TestAPIReportsStreamsAndClients: ffmpeg publishes, an HTTP-FLV viewer and
// an RTMP viewer (ffmpeg) attach; the API lists all three with the stream's
// codecs and growing byte counts; DELETE ends the viewer, then the publisher.
func TestAPIReportsStreamsAndClients(t *testing.T) {
	t.Parallel()
	s := startServer(t, apiConfig)
	waitPort(t, s.API, s.exited)
	_, pubDone := publish(t, "h264_aac.flv", s.rtmpURL("live/api"), 1, true)
	s.waitLive(t, "live/api.flv")

	resp, err := http.Get(s.httpURL("live/api.flv"))
	if err != nil {
		t.Fatal(err)
	}
	flvDone := make(chan int64, 1)
	go func() {
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		flvDone <- n
	}()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	player := exec.CommandContext(ctx, testtool.Need(t, "ffmpeg"), "-hide_banner", "-nostdin", "-v", "error", "-i", s.rtmpURL("live/api"), "-f", "null", "-")
	if err := player.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); player.Wait() })

	var cl map[string][]map[string]any
	deadline := time.Now().Add(10 * time.Second)
	for {
		cl = apiClients(t, s)
		if len(cl["fmle-publish"]) == 1 && len(cl["flv-play"]) == 1 && len(cl["rtmp-play"]) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("clients %v", cl)
		}
		time.Sleep(100 * time.Millisecond)
	}
	pub, flv, rtmpc := cl["fmle-publish"][0], cl["flv-play"][0], cl["rtmp-play"][0]
	if pub["publish"] != true || flv["publish"] != false || flv["ip"] != "127.0.0.1" || flv["url"] != "/live/api" {
		t.Errorf("clients %v %v", pub, flv)
	}

	_, m := apiGet(t, "GET", s.apiURL("/api/v1/streams"))
	streams := m["streams"].([]any)
	if len(streams) != 1 || m["total"] != 1.0 {
		t.Fatalf("streams %v", m)
	}
	st := streams[0].(map[string]any)
	video, _ := st["video"].(map[string]any)
	audio, _ := st["audio"].(map[string]any)
	if st["name"] != "api" || st["app"] != "live" || st["clients"] != 3.0 || video["codec"] != "H264" || audio["codec"] != "AAC" ||
		video["width"] != 640.0 || video["height"] != 360.0 || audio["sample_rate"] != 44100.0 || audio["channel"] != 2.0 {
		t.Errorf("stream %v", st)
	}
	if p := st["publish"].(map[string]any); p["active"] != true || p["cid"] != pub["id"] {
		t.Errorf("publish %v, publisher %v", p, pub["id"])
	}
	if pub["stream"] != st["id"] || flv["stream"] != st["id"] || rtmpc["stream"] != st["id"] {
		t.Errorf("client stream ids differ from %v", st["id"])
	}
	code, one := apiGet(t, "GET", s.apiURL("/api/v1/streams/"+st["id"].(string)))
	if code != 200 || one["stream"].(map[string]any)["id"] != st["id"] {
		t.Errorf("stream by id: %d %v", code, one)
	}

	// The counters grow (the API's sampler runs every second): wait for
	// it, up to 10 s.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, m2 := apiGet(t, "GET", s.apiURL("/api/v1/streams/"+st["id"].(string)))
		st2 := m2["stream"].(map[string]any)
		_, c2 := apiGet(t, "GET", s.apiURL("/api/v1/clients/"+flv["id"].(string)))
		var flat []string
		for _, k := range []string{"recv_bytes", "send_bytes", "frames"} {
			if st2[k].(float64) <= st[k].(float64) {
				flat = append(flat, fmt.Sprintf("stream %s %v -> %v", k, st[k], st2[k]))
			}
		}
		if c2["client"].(map[string]any)["send_bytes"].(float64) <= flv["send_bytes"].(float64) {
			flat = append(flat, "flv viewer send_bytes")
		}
		if len(flat) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("did not grow in 10 s: %s", strings.Join(flat, "; "))
			break
		}
	}

	// DELETE the HTTP-FLV viewer: its response ends; the others play on.
	if code, m := apiGet(t, "DELETE", s.apiURL("/api/v1/clients/"+flv["id"].(string))); code != 200 || m["code"] != 0.0 {
		t.Fatalf("kick viewer: %d %v", code, m)
	}
	select {
	case <-flvDone:
	case <-time.After(5 * time.Second):
		t.Fatal("kicked HTTP-FLV viewer still connected")
	}
	if code, m := apiGet(t, "GET", s.apiURL("/api/v1/clients/"+flv["id"].(string))); code != 404 || m["code"] != 2049.0 {
		t.Errorf("kicked viewer still listed: %d %v", code, m)
	}

	// DELETE the publisher: the stream stops being published.
	if code, _ := apiGet(t, "DELETE", s.apiURL("/api/v1/clients/"+pub["id"].(string))); code != 200 {
		t.Fatalf("kick publisher: %d", code)
	}
	select {
	case <-pubDone:
	case <-time.After(10 * time.Second):
		t.Fatal("kicked publisher still running")
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		code, m := apiGet(t, "GET", s.apiURL("/api/v1/streams/"+st["id"].(string)))
		if code == 404 || m["stream"].(map[string]any)["publish"].(map[string]any)["active"] == false {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream still published after its publisher was kicked: %v", m)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAPIAuth: with http_api.auth on, wrong or missing credentials get 401
// with a Basic challenge, the right ones get the answer.
func TestAPIAuth(t *testing.T) {
	t.Parallel()
	s := startServer(t, baseConfig+`
http_api {
    enabled on;
    listen {API};
    auth { enabled on; username admin; password secret; }
}
`)
	waitPort(t, s.API, s.exited)
	for _, c := range []struct {
		user, pass string
		want       int
	}{{"", "", 401}, {"admin", "wrong", 401}, {"root", "secret", 401}, {"admin", "secret", 200}} {
		req, _ := http.NewRequest("GET", s.apiURL("/api/v1/versions"), nil)
		if c.user != "" {
			req.SetBasicAuth(c.user, c.pass)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("%s:%s: %d, want %d", c.user, c.pass, resp.StatusCode, c.want)
		}
		if c.want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("401 without a Basic challenge: %v", resp.Header)
		}
	}
}

// TestAPIEnvOnly: picosrs -e with SRS_HTTP_API_* answers /api/v1/versions.
func TestAPIEnvOnly(t *testing.T) {
	t.Parallel()
	rtmpPort, apiPort := freePort(t), freePort(t)
	cmd := exec.Command(binary, "-e")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "SRS_LISTEN="+strconv.Itoa(rtmpPort), "SRS_HTTP_API_ENABLED=on", "SRS_HTTP_API_LISTEN="+strconv.Itoa(apiPort))
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		checkCrash(t, "server", out.String())
		if t.Failed() {
			t.Log(out.String())
		}
	})
	waitPort(t, apiPort, exited)
	code, m := apiGet(t, "GET", fmt.Sprintf("http://127.0.0.1:%d/api/v1/versions", apiPort))
	if code != 200 || m["code"] != 0.0 || m["data"].(map[string]any)["version"] == nil || m["pid"] != strconv.Itoa(cmd.Process.Pid) {
		t.Fatalf("versions: %d %v", code, m)
	}
}

// TestMetricsGrow: /metrics (on the API's port) parses as Prometheus text
// and its byte counters grow while a stream is published and played.
func TestMetricsGrow(t *testing.T) {
	t.Parallel()
	s := startServer(t, apiConfig)
	waitPort(t, s.API, s.exited)
	publish(t, "h264_aac.flv", s.rtmpURL("live/m"), 1, true)
	s.waitLive(t, "live/m.flv")
	resp, err := http.Get(s.httpURL("live/m.flv"))
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, resp.Body)
	t.Cleanup(func() { resp.Body.Close() })

	scrape := func() (string, map[string]float64) {
		r, err := http.Get(s.apiURL("/metrics"))
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("/metrics: %d %v", r.StatusCode, r.Header)
		}
		return string(b), testtool.ParseProm(t, string(b))
	}
	// The exporter's sampler runs every second: wait for it to see the
	// stream and its viewer, then for the byte counters to grow, up to 10 s
	// each.
	var body string
	var m1 map[string]float64
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		body, m1 = scrape()
		if m1["srs_streams"] >= 1 && m1["srs_clients"] >= 2 && m1["srs_clients_total"] >= 2 && m1["srs_memory"] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("metrics %v", m1)
		}
	}
	if !strings.Contains(body, `label="e2e"`) || !strings.Contains(body, `tag="t1"`) {
		t.Errorf("exporter label/tag missing:\n%s", body)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, m2 := scrape()
		if m2["srs_receive_bytes_total"] > m1["srs_receive_bytes_total"] && m2["srs_send_bytes_total"] > m1["srs_send_bytes_total"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("byte counters did not grow in 10 s: %v -> %v", m1, m2)
		}
	}
}
