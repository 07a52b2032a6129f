package httpd

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/live"
)

// staticServer returns a server whose http_server.dir is a fresh html
// directory inside a temp dir that also holds a secret file outside it.
func staticServer(t *testing.T) (srv *Server, html, secret string) {
	t.Helper()
	tmp := t.TempDir()
	html = filepath.Join(tmp, "html")
	if err := os.Mkdir(html, 0o755); err != nil {
		t.Fatal(err)
	}
	secret = filepath.Join(tmp, "secret.txt")
	if err := os.WriteFile(secret, []byte("TOP-SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	lc, cfg := testConfigs()
	cfg.Dir = html
	cfg.Version = "9.9.9-test"
	return New(live.NewServer(lc), cfg), html, secret
}

func do(t *testing.T, srv *Server, method, target string, hdr ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	return rec
}

func writeFile(t *testing.T, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestStaticTraversalRefused(t *testing.T) {
	srv, html, secret := staticServer(t)
	writeFile(t, filepath.Join(html, "index.html"), []byte("hello"))
	writeFile(t, filepath.Join(html, "a", "b.txt"), []byte("b"))
	if err := os.Symlink(secret, filepath.Join(html, "leak")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret.txt", filepath.Join(html, "leak-rel")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Dir(html), filepath.Join(html, "up")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a/b.txt", filepath.Join(html, "inside")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, target string
		status       int
	}{
		{"dotdot", "/../secret.txt", http.StatusForbidden},
		{"dotdot deep", "/a/../../secret.txt", http.StatusForbidden},
		{"encoded dots", "/%2e%2e/secret.txt", http.StatusForbidden},
		{"encoded upper", "/%2E%2E/secret.txt", http.StatusForbidden},
		{"encoded slash", "/a/..%2f..%2fsecret.txt", http.StatusForbidden},
		{"encoded backslash", "/..%5csecret.txt", http.StatusForbidden},
		{"backslash", "/a%5cb.txt", http.StatusForbidden},
		{"nul", "/index.html%00.txt", http.StatusForbidden},
		{"dotdot in query", "/index.html?x=..", http.StatusForbidden},
		{"absolute", "/" + secret, http.StatusNotFound},
		{"double slash absolute", "//" + secret, http.StatusNotFound},
		{"etc passwd", "//etc/passwd", http.StatusNotFound},
		{"symlink out", "/leak", http.StatusForbidden},
		{"relative symlink out", "/leak-rel", http.StatusForbidden},
		{"symlinked dir out", "/up/secret.txt", http.StatusForbidden},
		{"symlink inside", "/inside", http.StatusOK},
		{"plain", "/a/b.txt", http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := do(t, srv, http.MethodGet, c.target)
			if rec.Code != c.status {
				t.Fatalf("%s: status %d, want %d: %s", c.target, rec.Code, c.status, rec.Body)
			}
			if strings.Contains(rec.Body.String(), "TOP-SECRET") {
				t.Fatalf("%s leaked the secret", c.target)
			}
		})
	}
}

// TestStaticTraversalOverTCP sends the raw request lines a browser would
// never send, through a real http.Server.
func TestStaticTraversalOverTCP(t *testing.T) {
	srv, _, _ := staticServer(t)
	hs := httptest.NewServer(srv)
	defer hs.Close()
	for _, target := range []string{"/../secret.txt", "/%2e%2e/secret.txt", "/a/..%2f..%2fsecret.txt", "/..%5csecret.txt"} {
		resp, err := rawGet(hs.Listener.Addr().String(), target)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(resp, "HTTP/1.1 403") || strings.Contains(resp, "TOP-SECRET") {
			t.Fatalf("%s: %q", target, resp)
		}
	}
}

func rawGet(addr, target string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target)
	b, err := io.ReadAll(c)
	return string(b), err
}

func TestStaticMIME(t *testing.T) {
	srv, html, _ := staticServer(t)
	want := map[string]string{
		".ts": "video/MP2T", ".flv": "video/x-flv", ".mp4": "video/mp4", ".m4v": "video/x-m4v",
		".aac": "audio/x-aac", ".mp3": "audio/mpeg", ".m4a": "audio/x-m4a",
		".m3u8": "application/vnd.apple.mpegurl", ".json": "application/json",
		".html": "text/html", ".js": "text/javascript", ".css": "text/css",
		".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
		".ico": "image/x-icon", ".mpd": "application/dash+xml", ".m4s": "video/iso.segment",
		".txt": "application/octet-stream", "": "application/octet-stream", ".M3U8": "application/vnd.apple.mpegurl",
	}
	for ext, ct := range want {
		// Three segments deep: /[app]/[stream].ext would be a live mount.
		name := "/vod/a/f" + ext
		writeFile(t, filepath.Join(html, "vod", "a", "f"+ext), []byte("data"))
		rec := do(t, srv, http.MethodGet, name)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != ct {
			t.Errorf("%s: %d %q, want %q", name, rec.Code, rec.Header().Get("Content-Type"), ct)
		}
	}
}

// TestStaticLikeNetHTTP: Range, HEAD and conditional requests get what
// http.FileServer gives for the same file.
func TestStaticLikeNetHTTP(t *testing.T) {
	srv, html, _ := staticServer(t)
	data := bytes.Repeat([]byte("0123456789"), 100)
	writeFile(t, filepath.Join(html, "d.bin"), data)
	mod := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(filepath.Join(html, "d.bin"), mod, mod)
	ref := http.FileServer(http.Dir(html))
	ims := mod.Format(http.TimeFormat)
	cases := []struct {
		method string
		hdr    []string
	}{
		{http.MethodGet, nil},
		{http.MethodHead, nil},
		{http.MethodGet, []string{"Range", "bytes=10-19"}},
		{http.MethodGet, []string{"Range", "bytes=-10"}},
		{http.MethodGet, []string{"Range", "bytes=990-"}},
		{http.MethodGet, []string{"Range", "bytes=0-1,5-6"}},
		{http.MethodGet, []string{"Range", "bytes=2000-"}},
		{http.MethodHead, []string{"Range", "bytes=10-19"}},
		{http.MethodGet, []string{"If-Modified-Since", ims}},
		{http.MethodGet, []string{"If-Modified-Since", mod.Add(-time.Hour).Format(http.TimeFormat)}},
		{http.MethodGet, []string{"Range", "bytes=10-19", "If-Range", ims}},
		{http.MethodGet, []string{"Range", "bytes=10-19", "If-Range", "Mon, 01 Jan 2001 00:00:00 GMT"}},
	}
	for _, c := range cases {
		got := do(t, srv, c.method, "/d.bin", c.hdr...)
		req := httptest.NewRequest(c.method, "/d.bin", nil)
		for i := 0; i+1 < len(c.hdr); i += 2 {
			req.Header.Set(c.hdr[i], c.hdr[i+1])
		}
		want := httptest.NewRecorder()
		ref.ServeHTTP(want, req)
		if got.Code != want.Code {
			t.Errorf("%s %v: status %d, want %d", c.method, c.hdr, got.Code, want.Code)
		}
		for _, h := range []string{"Content-Length", "Content-Range", "Last-Modified", "Accept-Ranges"} {
			if got.Header().Get(h) != want.Header().Get(h) {
				t.Errorf("%s %v: %s %q, want %q", c.method, c.hdr, h, got.Header().Get(h), want.Header().Get(h))
			}
		}
		gb, wb := got.Body.Bytes(), want.Body.Bytes()
		if want.Code == http.StatusPartialContent && strings.HasPrefix(want.Header().Get("Content-Type"), "multipart/") {
			// The boundary is random: compare the sizes.
			if len(gb) != len(wb) {
				t.Errorf("%s %v: multipart body %d bytes, want %d", c.method, c.hdr, len(gb), len(wb))
			}
			continue
		}
		if !bytes.Equal(gb, wb) {
			t.Errorf("%s %v: body %q, want %q", c.method, c.hdr, gb, wb)
		}
	}
	if rec := do(t, srv, http.MethodPost, "/d.bin"); rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

func TestStaticMounts(t *testing.T) {
	vh := func(name string, enabled bool, mount, dir string) *Vhost {
		return &Vhost{Name: name, Enabled: true, Static: Static{Enabled: enabled, Mount: mount, Dir: dir}}
	}
	cases := []struct {
		name   string
		vhosts []*Vhost
		want   []staticMount
	}{
		{"http_server.dir only", []*Vhost{vh(live.DefaultVhost, false, "[vhost]/", "x")},
			[]staticMount{{prefix: "/", dir: "./root"}}},
		{"default vhost mounts /", []*Vhost{vh(live.DefaultVhost, true, "[vhost]/", "./html/[vhost]")},
			[]staticMount{{prefix: "/", dir: "./html/" + live.DefaultVhost}}},
		{"named vhost", []*Vhost{vh("a.com", true, "[vhost]/", "./www/[vhost]")},
			[]staticMount{{host: "a.com", prefix: "/", dir: "./www/a.com"}, {prefix: "/", dir: "./root"}}},
		{"sub path gets its slash", []*Vhost{vh(live.DefaultVhost, true, "[vhost]/hls", "./hls")},
			[]staticMount{{prefix: "/hls/", dir: "./hls"}, {prefix: "/", dir: "./root"}}},
		{"absolute mount", []*Vhost{vh("b.com", true, "/static", "./s")},
			[]staticMount{{prefix: "/static/", dir: "./s"}, {prefix: "/", dir: "./root"}}},
	}
	for _, c := range cases {
		cfg := &Config{Dir: "./root", Vhosts: c.vhosts}
		if got := cfg.staticMounts(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}

	mounts := []staticMount{{host: "a.com", prefix: "/", dir: "A"}, {prefix: "/hls/", dir: "H"}, {prefix: "/", dir: "R"}}
	for _, c := range []struct{ host, path, dir string }{
		{"a.com", "/x", "A"}, {"b.com", "/x", "R"}, {"b.com", "/hls/x.ts", "H"}, {"a.com", "/hls/x.ts", "A"},
	} {
		if m, ok := matchStatic(mounts, c.host, c.path); !ok || m.dir != c.dir {
			t.Errorf("%s%s: %+v, want dir %s", c.host, c.path, m, c.dir)
		}
	}
}

func TestStaticVhostMount(t *testing.T) {
	srv, html, _ := staticServer(t)
	cfg := srv.cfg.Load()
	named := &Vhost{Name: "a.com", Enabled: true, Static: Static{Enabled: true, Mount: "[vhost]/", Dir: filepath.Join(html, "[vhost]")}}
	n := *cfg
	n.Vhosts = append([]*Vhost{named}, cfg.Vhosts...)
	srv.Reload(&n)
	writeFile(t, filepath.Join(html, "f.txt"), []byte("root"))
	writeFile(t, filepath.Join(html, "a.com", "f.txt"), []byte("vhost"))
	if b := do(t, srv, http.MethodGet, "/f.txt").Body.String(); b != "root" {
		t.Errorf("default host: %q", b)
	}
	if b := do(t, srv, http.MethodGet, "/f.txt?vhost=a.com").Body.String(); b != "vhost" {
		t.Errorf("?vhost=a.com: %q", b)
	}
	req := httptest.NewRequest(http.MethodGet, "http://a.com:8080/f.txt", nil)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Body.String() != "vhost" {
		t.Errorf("Host a.com: %q", rec.Body)
	}
}

// fixtureKeyframes copies h264_aac.flv into dir/name and returns its bytes
// and the offsets of its video keyframe tags (after the first).
func fixtureKeyframes(t *testing.T, dst string) (data []byte, keys []int64) {
	t.Helper()
	data, err := os.ReadFile("../tests/testdata/h264_aac.flv")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, data)
	_, tags, offsets, err := flv.ReadAll(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for i, tag := range tags {
		if tag.IsVideo() && tag.IsKeyframe() && !tag.IsSequenceHeader() {
			keys = append(keys, offsets[i])
		}
	}
	if len(keys) < 3 {
		t.Fatalf("fixture has %d keyframes", len(keys))
	}
	return data, keys[1:]
}

// sequenceSpan finds the span independently with flv.Reader.
func sequenceSpan(t *testing.T, data []byte) []byte {
	r := flv.NewReader(bytes.NewReader(data))
	r.ReadHeader()
	start := int64(-1)
	var v, a bool
	for !(v && a) {
		off := r.Offset()
		tag, err := r.ReadTag()
		if err != nil {
			t.Fatal(err)
		}
		if tag.IsScript() {
			continue
		}
		if (tag.IsVideo() && v) || (tag.IsAudio() && a) {
			break
		}
		if start < 0 {
			start = off
		}
		if !tag.IsSequenceHeader() {
			t.Fatalf("tag at %d is not a sequence header", off)
		}
		v, a = v || tag.IsVideo(), a || tag.IsAudio()
	}
	return data[start:r.Offset()]
}

func TestStaticFLVStart(t *testing.T) {
	srv, html, _ := staticServer(t)
	data, keys := fixtureKeyframes(t, filepath.Join(html, "vod", "a", "f.flv"))
	span := sequenceSpan(t, data)
	off := keys[0]

	rec := do(t, srv, http.MethodGet, fmt.Sprintf("/vod/a/f.flv?start=%d", off))
	want := append(append(append([]byte{}, data[:13]...), span...), data[off:]...)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "video/x-flv" {
		t.Fatalf("status %d %q: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()[:min(rec.Body.Len(), 200)])
	}
	if cl := rec.Header().Get("Content-Length"); cl != fmt.Sprint(len(want)) {
		t.Fatalf("Content-Length %s, want %d", cl, len(want))
	}
	if !bytes.Equal(rec.Body.Bytes(), want) {
		t.Fatal("body is not header + sequence headers + file[start:]")
	}
	// The result is a well-formed FLV file: every tag reads back.
	r := flv.NewReader(bytes.NewReader(rec.Body.Bytes()))
	if _, err := r.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	var n int
	for {
		tag, err := r.ReadTag()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("tag %d: %v", n, err)
		}
		if n < 2 && !tag.IsSequenceHeader() {
			t.Fatalf("tag %d is not a sequence header", n)
		}
		if n == 2 && !(tag.IsVideo() && tag.IsKeyframe()) {
			t.Fatalf("first tag after the headers is not a keyframe")
		}
		n++
	}

	head := do(t, srv, http.MethodHead, fmt.Sprintf("/vod/a/f.flv?start=%d", off))
	if head.Code != http.StatusOK || head.Header().Get("Content-Length") != fmt.Sprint(len(want)) || head.Body.Len() != 0 {
		t.Fatalf("HEAD: %d %q %d", head.Code, head.Header().Get("Content-Length"), head.Body.Len())
	}

	// Range on the virtual file, as net/http does it.
	rng := do(t, srv, http.MethodGet, fmt.Sprintf("/vod/a/f.flv?start=%d", off), "Range", fmt.Sprintf("bytes=5-%d", len(want)+100))
	if rng.Code != http.StatusPartialContent || !bytes.Equal(rng.Body.Bytes(), want[5:]) ||
		rng.Header().Get("Content-Range") != fmt.Sprintf("bytes 5-%d/%d", len(want)-1, len(want)) {
		t.Fatalf("Range: %d %q", rng.Code, rng.Header().Get("Content-Range"))
	}

	for _, q := range []string{"", "?start=0", "?start=-5", "?start="} {
		rec := do(t, srv, http.MethodGet, "/vod/a/f.flv"+q)
		if rec.Code != http.StatusOK || !bytes.Equal(rec.Body.Bytes(), data) {
			t.Errorf("%q: status %d, %d bytes, want the whole file", q, rec.Code, rec.Body.Len())
		}
	}
	for _, q := range []string{
		fmt.Sprint(off + 1), fmt.Sprint(off - 1), fmt.Sprint(off + 11), "5", "12",
		fmt.Sprint(len(data)), fmt.Sprint(len(data) + 1000),
	} {
		rec := do(t, srv, http.MethodGet, "/vod/a/f.flv?start="+q)
		if rec.Code != http.StatusRequestedRangeNotSatisfiable || !strings.Contains(rec.Body.String(), "cannot start at") {
			t.Errorf("start=%s: status %d %q, want 416", q, rec.Code, rec.Body)
		}
	}
	if rec := do(t, srv, http.MethodGet, "/vod/a/f.flv?start=abc"); rec.Code != http.StatusBadRequest {
		t.Errorf("start=abc: %d", rec.Code)
	}
	// Every tag start is accepted, the first one included.
	if rec := do(t, srv, http.MethodHead, "/vod/a/f.flv?start=13"); rec.Code != http.StatusOK {
		t.Errorf("start=13: %d", rec.Code)
	}
}

func TestSections(t *testing.T) {
	src := strings.NewReader("0123456789abcdefghij")
	s := newSections(io.NewSectionReader(src, 0, 3), io.NewSectionReader(src, 10, 0), io.NewSectionReader(src, 12, 5), io.NewSectionReader(src, 5, 2))
	if err := iotest.TestReader(s, []byte("012cdefg56")); err != nil {
		t.Fatal(err)
	}
}

func TestStaticMP4Range(t *testing.T) {
	srv, html, _ := staticServer(t)
	data := bytes.Repeat([]byte("abcdefghij"), 100)
	writeFile(t, filepath.Join(html, "v.mp4"), data)
	cases := []struct {
		q      string
		hdr    []string
		status int
		crange string
		body   []byte
	}{
		{"?range=10-19", nil, 206, "bytes 10-19/1000", data[10:20]},
		{"?bytes=10-19", nil, 206, "bytes 10-19/1000", data[10:20]},
		{"?range=990-", nil, 206, "bytes 990-999/1000", data[990:]},
		{"?range=-", nil, 206, "bytes 0-999/1000", data},
		{"?range=990-5000", nil, 206, "bytes 990-999/1000", data[990:]},
		{"?range=10-19&bytes=0-0", nil, 206, "bytes 10-19/1000", data[10:20]},
		{"?range=5", nil, 200, "", data},
		{"?range=20-10", nil, 200, "", data},
		{"?range=x-10", nil, 200, "", data},
		{"?range=2000-3000", nil, 416, "bytes */1000", nil},
		{"", []string{"Range", "bytes=10-19"}, 206, "bytes 10-19/1000", data[10:20]},
		{"", []string{"Range", "bytes=-10"}, 206, "bytes 990-999/1000", data[990:]},
		{"?range=5", []string{"Range", "bytes=10-19"}, 200, "", data},
	}
	for _, c := range cases {
		rec := do(t, srv, http.MethodGet, "/v.mp4"+c.q, c.hdr...)
		if rec.Code != c.status || rec.Header().Get("Content-Range") != c.crange {
			t.Errorf("%s %v: %d %q, want %d %q", c.q, c.hdr, rec.Code, rec.Header().Get("Content-Range"), c.status, c.crange)
			continue
		}
		if c.body != nil && !bytes.Equal(rec.Body.Bytes(), c.body) {
			t.Errorf("%s %v: body %q", c.q, c.hdr, rec.Body)
		}
		if c.body != nil && rec.Header().Get("Content-Length") != fmt.Sprint(len(c.body)) {
			t.Errorf("%s %v: Content-Length %s", c.q, c.hdr, rec.Header().Get("Content-Length"))
		}
	}
}

func TestStaticIndexPage(t *testing.T) {
	lc, hc := testConfigs()
	named := live.NewVhostConfig("a.com")
	lc.Vhosts = append(lc.Vhosts, named)
	hc.Vhosts = append(hc.Vhosts, &Vhost{Name: "a.com", Enabled: true, Remux: true, Mounts: []string{"[vhost]/[app]/[stream].flv"}})
	html := t.TempDir()
	hc.Dir = filepath.Join(html, "missing")
	hc.Version = "9.9.9-test"
	e := newEnv(t, lc, hc)
	srv := e.web
	n := *srv.cfg.Load()

	e.publish(t, "live/s&1", "h264_aac.flv")
	e.publish(t, "app/b?vhost=a.com", "h264_aac.flv")
	e.waitPublishing(t, live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "s&1"})
	e.waitPublishing(t, live.StreamKey{Vhost: "a.com", App: "app", Name: "b"})
	// A stream with only a waiting viewer is not listed.
	waiting, err := e.live.Play(live.PlayRequest{Key: live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "waiting"}, Conn: io.NopCloser(nil)})
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close(nil)

	rec := do(t, srv, http.MethodGet, "/")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("index: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{
		"9.9.9-test",
		`href="/live/s&amp;1.flv"`, `href="/live/s&amp;1.ts"`, `href="/live/s&amp;1.mp3"`, `href="/live/s&amp;1.aac"`,
		"__defaultVhost__/live/s&amp;1",
		`href="/app/b.flv?vhost=a.com"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("index lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, "waiting") || strings.Contains(body, "s&1") {
		t.Errorf("index lists a stream nobody publishes, or does not escape:\n%s", body)
	}
	if rec := do(t, srv, http.MethodHead, "/"); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD /: %d, %d bytes", rec.Code, rec.Body.Len())
	}
	if rec := do(t, srv, http.MethodGet, "/nothing.html"); rec.Code != http.StatusNotFound {
		t.Errorf("/nothing.html: %d", rec.Code)
	}

	// An index.html of the directory wins over the generated page.
	n2 := n
	n2.Dir = html
	srv.Reload(&n2)
	writeFile(t, filepath.Join(html, "index.html"), []byte("mine"))
	if b := do(t, srv, http.MethodGet, "/").Body.String(); b != "mine" {
		t.Errorf("index.html: %q", b)
	}
	os.Mkdir(filepath.Join(html, "sub"), 0o755)
	if rec := do(t, srv, http.MethodGet, "/sub?a=1"); rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/sub/?a=1" {
		t.Errorf("/sub: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	if rec := do(t, srv, http.MethodGet, "/sub/"); rec.Code != http.StatusNotFound {
		t.Errorf("/sub/ without index.html: %d", rec.Code)
	}
}

// TestStaticFIFORefused: a FIFO (or any file that is neither regular nor a
// directory) in the static root is refused at once with 403, without being
// opened: opening a FIFO for reading would wait for a writer.
func TestStaticFIFORefused(t *testing.T) {
	srv, html, _ := staticServer(t)
	for _, name := range []string{"fifo", "fifo.flv", "sub/fifo.mp4"} {
		p := filepath.Join(html, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := syscall.Mkfifo(p, 0o644); err != nil {
			t.Fatalf("mkfifo: %v", err)
		}
	}
	os.Symlink("fifo", filepath.Join(html, "to-fifo"))
	for _, target := range []string{"/fifo", "/fifo.flv?start=100", "/sub/fifo.mp4?range=0-10", "/to-fifo"} {
		done := make(chan *httptest.ResponseRecorder, 1)
		go func() { done <- do(t, srv, "GET", target) }()
		select {
		case w := <-done:
			if w.Code != http.StatusForbidden {
				t.Errorf("GET %s: %d, want 403", target, w.Code)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("GET %s: no answer after 5 s (the FIFO was opened)", target)
		}
	}
}

// TestStaticWriteTimeout: a client that asks for a big file and never reads
// is dropped once the server has been unable to write for write_timeout,
// freeing its connection; a client that reads slowly but steadily gets the
// whole file however long it takes.
func TestStaticWriteTimeout(t *testing.T) {
	html := t.TempDir()
	big := bytes.Repeat([]byte("0123456789abcdef"), 2<<20) // 32 MiB: more than loopback buffers hold
	writeFile(t, filepath.Join(html, "big.bin"), big)
	lc, cfg := testConfigs()
	cfg.Dir = html
	cfg.WriteTimeout = time.Second
	addr := newEnv(t, lc, cfg).addr

	get := func(path string) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		return c
	}
	stalled := get("/big.bin")
	time.Sleep(4 * time.Second) // write_timeout 1 s, moved at most 1 s late, plus slack
	stalled.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, stalled)
	if err != nil || n >= int64(len(big)) {
		t.Fatalf("stalled client: read %d of %d bytes (err %v): the server did not drop it", n, len(big), err)
	}

	slow := get("/big.bin")
	slow.SetReadDeadline(time.Now().Add(30 * time.Second))
	start := time.Now()
	resp, err := http.ReadResponse(bufio.NewReaderSize(&pacedReader{r: slow}, 128<<10), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.Copy(io.Discard, resp.Body)
	if want := int64(len(big)); err != nil || got != want {
		t.Fatalf("slow reader got %d bytes in %v (err %v), want the whole file", got, time.Since(start), err)
	}
}

// pacedReader reads at most 128 KiB every 10 ms (under 13 MB/s: the 32 MiB
// file takes several write timeouts).
type pacedReader struct{ r io.Reader }

func (p *pacedReader) Read(b []byte) (int, error) {
	time.Sleep(10 * time.Millisecond)
	return p.r.Read(b[:min(len(b), 128<<10)])
}
