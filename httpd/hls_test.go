package httpd

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/picosrs/picosrs/access"
	"github.com/picosrs/picosrs/hls"
	"github.com/picosrs/picosrs/internal/connlimit"
	"github.com/picosrs/picosrs/internal/fixture"
	"github.com/picosrs/picosrs/internal/testtool"
	"github.com/picosrs/picosrs/live"
)

// hlsConfigs are testConfigs with HLS served from memory: 1 s segments.
func hlsConfigs() (*live.Config, *Config) {
	lc, hc := testConfigs()
	lc.Vhosts[0].HLS = &live.HLSConfig{
		Config:   hls.Config{Fragment: time.Second, Window: 3 * time.Second, WaitKeyframe: true, Dispose: time.Minute, Memory: true},
		M3U8File: "[app]/[stream].m3u8", TSFile: "[app]/[stream]-[seq].ts",
	}
	hc.Vhosts[0].HLS, hc.Vhosts[0].HLSSegment, hc.Vhosts[0].HLSMemory = "[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", true
	return lc, hc
}

func hlsGet(t *testing.T, method, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestHLSServed: the playlist and segments of a published stream are
// served with SRS's content types, CORS, and caching that fits a live
// playlist; a stream nobody publishes gets 404 at once, and so does a
// segment that left the window; HEAD and a wrong method are answered; the
// live .ts mount of the same stream works beside them.
func TestHLSServed(t *testing.T) {
	lc, hc := hlsConfigs()
	e := newEnv(t, lc, hc)
	e.publishLoop(t, "live/s", "h264_aac.flv")
	var pl []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, b := hlsGet(t, "GET", e.url("/live/s.m3u8"))
		if resp.StatusCode == 200 && bytes.Count(b, []byte("#EXTINF")) >= 4 {
			pl = b
			if resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" || resp.Header.Get("Cache-Control") != "no-cache" {
				t.Fatalf("playlist headers %v", resp.Header)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no playlist with 4 segments: %d\n%s", resp.StatusCode, b)
		}
	}
	lines := strings.Split(strings.TrimSpace(string(pl)), "\n")
	last := lines[len(lines)-1]
	resp, seg := hlsGet(t, "GET", e.url("/live/"+last), "Origin", "http://example.com")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/MP2T" || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
		!strings.HasPrefix(resp.Header.Get("Cache-Control"), "public, max-age=") || resp.ContentLength != int64(len(seg)) {
		t.Fatalf("segment %s: %d %v (%d bytes)", last, resp.StatusCode, resp.Header, len(seg))
	}
	if len(seg) == 0 || len(seg)%188 != 0 || seg[0] != 0x47 {
		t.Fatalf("segment of %d bytes", len(seg))
	}
	if resp, b := hlsGet(t, "HEAD", e.url("/live/"+last)); resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength != int64(len(seg)) {
		t.Fatalf("HEAD: %d, %d bytes, length %d", resp.StatusCode, len(b), resp.ContentLength)
	}
	if resp, _ := hlsGet(t, "POST", e.url("/live/s.m3u8")); resp.StatusCode != 405 {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	start := time.Now()
	if resp, _ := hlsGet(t, "GET", e.url("/live/nobody.m3u8")); resp.StatusCode != 404 || time.Since(start) > time.Second {
		t.Fatalf("unpublished playlist: %d after %v", resp.StatusCode, time.Since(start))
	}
	// The publisher loops over the fixture and republishes it: between two
	// passes (long under qemu) the stream is briefly not published, and the
	// index lists none.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, b := hlsGet(t, "GET", e.url("/"))
		if bytes.Contains(b, []byte(`href="/live/s.m3u8"`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the index page has no playlist link:\n%s", b)
		}
	}
	// HTTP-TS of the same stream, beside it (a player that comes between
	// two passes waits for the next).
	r, err := (&http.Client{Timeout: 20 * time.Second}).Get(e.url("/live/s.ts"))
	if err != nil {
		t.Fatal(err)
	}
	var b [188]byte
	_, err = io.ReadFull(r.Body, b[:])
	r.Body.Close()
	if err != nil || r.Header.Get("Content-Type") != "video/MP2T" || b[0] != 0x47 {
		t.Fatalf("HTTP-TS beside HLS: %v %v", err, r.Header)
	}
	// The window slides: segment 0 leaves it.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if resp, _ := hlsGet(t, "GET", e.url("/live/s-0.ts")); resp.StatusCode == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("segment 0 never left the window")
		}
	}
}

// publishLoop publishes a fixture to path again and again until the test
// ends: its first second at once, the rest in real time, each time a new
// session.
func (e *env) publishLoop(t *testing.T, path, file string) {
	tags := readFixture(t, file)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fixture.Publish(ctx, "rtmp://"+e.rtmp+"/"+path, tags, time.Second, 1)
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
}

// TestHLSSecurity: the vhost's security rules apply to HLS.
func TestHLSSecurity(t *testing.T) {
	lc, hc := hlsConfigs()
	lc.Vhosts[0].Security = access.Rules{Enabled: true, List: []access.Rule{{Allow: false, Action: access.Play, Target: "all"}, {Allow: true, Action: access.Publish, Target: "all"}}}
	e := newEnv(t, lc, hc)
	e.publish(t, "live/s", "h264_aac.flv")
	e.waitPublishing(t, live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "s"})
	for _, p := range []string{"/live/s.m3u8", "/live/nobody.m3u8"} {
		if resp, _ := hlsGet(t, "GET", e.url(p)); resp.StatusCode != 403 {
			t.Errorf("%s: %d, want 403", p, resp.StatusCode)
		}
	}
}

// storeHLS is a stream core whose HLS store the test fills itself.
type storeHLS struct {
	*live.Server
	store *hls.Store
}

func (s storeHLS) HLS() *hls.Store { return s.store }

// procWrites is this process's count of write system calls.
func procWrites(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		testtool.Unavailable(t, "no /proc/self/io: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "syscw: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	testtool.Unavailable(t, "no syscw in /proc/self/io")
	return 0
}

// TestHLSSegmentNoCopy: a segment of a thousand small slices goes out in a
// handful of writev calls through the server's real connection wrapper
// (internal/connlimit), not as the thousands of bytes-copying writes a
// buffered response makes, and arrives intact. It runs alone (the count of
// write system calls is the process's).
func TestHLSSegmentNoCopy(t *testing.T) {
	lc, hc := hlsConfigs()
	srv := live.NewServer(lc)
	store := hls.NewStore()
	web := New(storeHLS{srv, store}, hc)
	g := store.Open("k", live.DefaultVhost, hls.NewNames("[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", live.DefaultVhost, "live", "s"),
		hls.Config{Fragment: time.Second, Memory: true})
	var want []byte
	for i := 0; i < 1500; i++ {
		ts := make([]byte, 5*188)
		for j := range ts {
			ts[j] = byte(i + j)
		}
		ts[0] = 0x47
		if i < 1000 {
			want = append(want, ts...)
		}
		g.Write(hls.Unit{TS: ts, DTS: time.Duration(i) * time.Millisecond})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: web}
	go hs.Serve((&connlimit.Limiter{}).Listen(ln, nil))
	defer hs.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	before := procWrites(t)
	io.WriteString(c, "GET /live/s-0.ts HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReaderSize(c, 1<<20), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	writes := procWrites(t) - before
	if err != nil || !bytes.Equal(body, want) {
		t.Fatalf("segment: %v, %d bytes of %d, equal %v", err, len(body), len(want), bytes.Equal(body, want))
	}
	t.Logf("%d bytes in 1000 slices: %d write system calls", len(body), writes)
	if writes > 60 {
		t.Fatalf("%d write system calls for a 1000-slice segment: copied through a buffer?", writes)
	}
}

// TestSegmentPattern: the shape of hls_ts_file's paths, without regexp.
func TestSegmentPattern(t *testing.T) {
	cases := []struct {
		tmpl, path string
		want       bool
	}{
		{"[app]/[stream]-[seq].ts", "live/s-12.ts", true},
		{"[app]/[stream]-[seq].ts", "live/a-b-12.ts", true},
		{"[app]/[stream]-[seq].ts", "live/s.ts", false},
		{"[app]/[stream]-[seq].ts", "live/s-1x.ts", false},
		{"[app]/[stream]-[seq].ts", "live/x/s-1.ts", false},
		{"[app]/[stream]-[seq].ts", "live/-1.ts", false},
		{"[app]/[stream]/[2006][01][02]/[15][04][05]-[999]-[seq].ts", "live/s/20260304/050607-890-7.ts", true},
		{"[app]/[stream]/[2006][01][02]/[15][04][05]-[999]-[seq].ts", "live/s/2026x/050607-890-7.ts", false},
		{"ts/[stream]-[timestamp]-[duration].ts", "ts/a-1700000000000-4000.ts", true},
		{"[app]/[stream]-[unknown].ts", "live/s-[unknown].ts", true},
		{"fixed.ts", "fixed.ts", true},
	}
	for _, c := range cases {
		if got := compileSegmentPattern(c.tmpl).match(c.path); got != c.want {
			t.Errorf("%s ~ %s: %v, want %v", c.tmpl, c.path, got, c.want)
		}
	}
}

// TestWithQuery: a player's query goes on every segment URI.
func TestWithQuery(t *testing.T) {
	pl := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000, no desc\ns-1.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2.000, no desc\nhttp://cdn/s-2.ts?a=b\n"
	want := "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.000, no desc\ns-1.ts?token=x\n#EXT-X-DISCONTINUITY\n#EXTINF:2.000, no desc\nhttp://cdn/s-2.ts?a=b&token=x\n"
	if got := string(withQuery([]byte(pl), "token=x")); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// TestHLSSignedURL: with secure_link on for play, a playlist without a
// signature is refused; a signed playlist URL lists segment URIs that carry
// the signature, and those segments are served.
func TestHLSSignedURL(t *testing.T) {
	lc, hc := hlsConfigs()
	lc.Vhosts[0].SecureLink = access.SecureLink{Enabled: true, Secret: "s3cret", Play: true}
	e := newEnv(t, lc, hc)
	e.publish(t, "live/s", "h264_aac.flv")
	tok, err := lc.Vhosts[0].SecureLink.Sign(live.DefaultVhost, "live", "s", time.Now().Add(time.Hour), "")
	if err != nil {
		t.Fatal(err)
	}
	var pl []byte
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, b := hlsGet(t, "GET", e.url("/live/s.m3u8?"+tok.Query()))
		if resp.StatusCode == 200 {
			pl = b
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("signed playlist: %d %s", resp.StatusCode, b)
		}
	}
	if resp, _ := hlsGet(t, "GET", e.url("/live/s.m3u8")); resp.StatusCode != 403 {
		t.Fatalf("unsigned playlist: %d", resp.StatusCode)
	}
	lines := strings.Split(strings.TrimSpace(string(pl)), "\n")
	uri := lines[len(lines)-1]
	if !strings.HasSuffix(uri, "?"+tok.Query()) {
		t.Fatalf("segment URI %q does not carry the signature", uri)
	}
	if resp, b := hlsGet(t, "GET", e.url("/live/"+uri)); resp.StatusCode != 200 || len(b) == 0 {
		t.Fatalf("signed segment: %d", resp.StatusCode)
	}
	plain, _, _ := strings.Cut(uri, "?")
	if resp, _ := hlsGet(t, "GET", e.url("/live/"+plain)); resp.StatusCode != 403 {
		t.Fatalf("unsigned segment: %d", resp.StatusCode)
	}
}

// edgeHLS is storeHLS on an edge: every playlist request is an edge's, and
// what done was told is recorded.
type edgeHLS struct {
	storeHLS
	served chan bool
}

func (s edgeHLS) HLSPlay(live.PlayRequest) (func(bool), bool) {
	return func(ok bool) { s.served <- ok }, true
}

// TestHLSEdgeWait: on an edge, a playlist request for a stream not yet in
// the store waits for its first playlist, and gets 404 after hlsEdgeWait
// when none comes; done learns whether the player was served.
func TestHLSEdgeWait(t *testing.T) {
	saved := hlsEdgeWait
	t.Cleanup(func() { hlsEdgeWait = saved })
	hlsEdgeWait = 300 * time.Millisecond
	lc, hc := hlsConfigs()
	src := edgeHLS{storeHLS{live.NewServer(lc), hls.NewStore()}, make(chan bool, 4)}
	hs := httptest.NewServer(New(src, hc))
	defer hs.Close()

	start := time.Now()
	if resp, _ := hlsGet(t, "GET", hs.URL+"/live/s.m3u8"); resp.StatusCode != 404 {
		t.Fatalf("no playlist: %d, want 404", resp.StatusCode)
	}
	if d := time.Since(start); d < hlsEdgeWait {
		t.Fatalf("404 after %v, before the %v wait", d, hlsEdgeWait)
	}
	if ok := <-src.served; ok {
		t.Fatal("done(true) for a 404")
	}

	hlsEdgeWait = 10 * time.Second
	go func() {
		time.Sleep(100 * time.Millisecond)
		g := src.store.Open("k", live.DefaultVhost, hls.NewNames("[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", live.DefaultVhost, "live", "s"),
			hls.Config{Fragment: time.Second, Memory: true})
		for i := 0; i < 3000; i += 40 {
			ts := make([]byte, 188)
			ts[0] = 0x47
			g.Write(hls.Unit{TS: ts, DTS: time.Duration(i) * time.Millisecond})
		}
	}()
	if resp, b := hlsGet(t, "GET", hs.URL+"/live/s.m3u8"); resp.StatusCode != 200 || !bytes.Contains(b, []byte("#EXTM3U")) {
		t.Fatalf("playlist that comes during the wait: %d %q", resp.StatusCode, b)
	}
	if ok := <-src.served; !ok {
		t.Fatal("done(false) for a served playlist")
	}
}

// TestHLSSegmentStalledReader: a player that asks for a segment and stops
// reading is dropped once a write makes no progress for write_timeout, so
// it holds neither the connection nor the segment; it never gets the whole
// segment later.
func TestHLSSegmentStalledReader(t *testing.T) {
	lc, hc := hlsConfigs()
	hc.WriteTimeout = 300 * time.Millisecond
	srv := live.NewServer(lc)
	store := hls.NewStore()
	web := New(storeHLS{srv, store}, hc)
	g := store.Open("k", live.DefaultVhost, hls.NewNames("[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", live.DefaultVhost, "live", "s"),
		hls.Config{Fragment: time.Second, Memory: true})
	size := 0
	for i := 0; i < 1500; i++ { // the first 1000 (1 s) make segment 0: 7.5 MB
		ts := make([]byte, 40*188)
		ts[0] = 0x47
		if i < 1000 {
			size += len(ts)
		}
		g.Write(hls.Unit{TS: ts, DTS: time.Duration(i) * time.Millisecond})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: web}
	go hs.Serve((&connlimit.Limiter{}).Listen(ln, nil))
	defer hs.Close()
	// A small receive buffer, so that the server's writes stop soon.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 32<<10) })
	}}
	c, err := d.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /live/s-0.ts HTTP/1.1\r\nHost: x\r\n\r\n")
	time.Sleep(10 * hc.WriteTimeout) // stalled: well past the write timeout
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.Copy(io.Discard, c)
	if err != nil {
		t.Fatalf("after the stall: %v (the server should have closed the connection)", err)
	}
	if got >= int64(size) {
		t.Fatalf("a reader stalled for %v still got all %d bytes of the segment (%d read)", 10*hc.WriteTimeout, size, got)
	}
	t.Logf("the stalled reader got %d of %d bytes before the server gave up", got, size)
}
