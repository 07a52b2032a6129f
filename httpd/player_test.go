package httpd

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picosrs/picosrs/internal/jsonw"
	"github.com/picosrs/picosrs/live"
)

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestPlayerPage: /players/ is the embedded page with mpegts.js from the
// configuration, or from the static root when a copy is there; the index
// page links to it; /players/streams.json lists the published streams with
// their mounts.
func TestPlayerPage(t *testing.T) {
	lc, hc := testConfigs()
	hc.Dir = t.TempDir()
	hc.MpegtsJS = "https://cdn.example/mpegts.js?v=1&x=2"
	e := newEnv(t, lc, hc)

	code, body, h := get(t, e.url("/players/"))
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") ||
		!strings.Contains(body, `<script src="https://cdn.example/mpegts.js?v=1&amp;x=2">`) || strings.Contains(body, "{{") {
		t.Fatalf("/players/: %d %s\n%.400s", code, h.Get("Content-Type"), body)
	}
	if err := os.MkdirAll(filepath.Join(hc.Dir, "players", "js"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(hc.Dir, "players", "js", "mpegts.js"), []byte("// a copy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := get(t, e.url("/players/")); !strings.Contains(body, `<script src="/players/js/mpegts.js">`) {
		t.Fatal("the page does not use the copy in the static root")
	}
	if code, body, _ := get(t, e.url("/players/js/mpegts.js")); code != 200 || body != "// a copy" {
		t.Fatalf("the copy is not served: %d %q", code, body)
	}
	if _, body, _ := get(t, e.url("/")); !strings.Contains(body, `href="/players/"`) {
		t.Fatal("the index page does not link to the player")
	}

	e.publish(t, "live/p", "h264_aac.flv")
	e.waitPublishing(t, live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "p"})
	code, body, h = get(t, e.url("/players/streams.json"))
	var list struct {
		Streams []struct {
			Name string   `json:"name"`
			URLs []string `json:"urls"`
		} `json:"streams"`
	}
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != 200 || h.Get("Content-Type") != "application/json" {
		t.Fatalf("streams.json: %d %v %q", code, err, body)
	}
	if len(list.Streams) != 1 || list.Streams[0].Name != "__defaultVhost__/live/p" || len(list.Streams[0].URLs) != 4 || list.Streams[0].URLs[0] != "/live/p.flv" {
		t.Fatalf("streams.json: %+v", list)
	}
	var again bytes.Buffer
	json.NewEncoder(&again).Encode(list)
	if again.String() != body {
		t.Fatalf("streams.json is not what encoding/json writes:\n%q\n%q", body, again.String())
	}
}

// TestStreamListJSON: /players/streams.json's bytes are what
// encoding/json's Encoder wrote for the same list: empty, nil and empty
// mount lists, and names that need escaping (stream names come from
// publishers).
func TestStreamListJSON(t *testing.T) {
	lists := []streamListJSON{
		{},
		{Streams: []streamURLsJSON{}},
		{Streams: []streamURLsJSON{{Name: "v/live/a"}, {Name: "", URLs: []string{}}}},
		{Streams: []streamURLsJSON{{Name: "v/live/<script>&\"x\"\u2028\xff\n", URLs: []string{"/live/a.flv", "/live/<a>.ts?&"}}}},
	}
	for _, l := range lists {
		var want bytes.Buffer
		if err := json.NewEncoder(&want).Encode(l); err != nil {
			t.Fatal(err)
		}
		var j jsonw.Writer
		l.encode(&j)
		if got := append(j.Bytes(), '\n'); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("jsonw %s, encoding/json %s", got, want.Bytes())
		}
	}
}
