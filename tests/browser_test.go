package tests

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/conf"
	"github.com/picosrs/picosrs/internal/browser"
	"github.com/picosrs/picosrs/internal/testtool"
)

// browserConfig: picosrs over HTTP and HTTPS; the player page takes
// mpegts.js from /mpegts.js of whatever origin serves the page; a stream
// that ends ends its viewers at once (grace 0), so the page's recovery is
// what brings the picture back after a publisher restarts.
const browserConfig = `
listen {RTMP};
daemon off;
srs_log_tank console;
http_server {
    enabled on;
    listen {HTTP};
    dir {DIR};
    crossdomain on;
    mpegts_js /mpegts.js;
    https {
        enabled on;
        listen {HTTPS};
        key {KEY};
        cert {CERT};
    }
}
vhost __defaultVhost__ {
    http_remux {
        enabled on;
        mount [vhost]/[app]/[stream].flv [vhost]/[app]/[stream].ts;
        grace 0;
    }
    play {
        gop_cache on;
        mw_latency 100;
    }
}
`

// installMpegtsJS fetches the mpegts.js version the default
// http_server.mpegts_js pins from the npm registry into a temporary folder
// (third-party code is never committed) and returns its dist file. It uses
// `npm pack`, which fetches the package alone: `npm install` would also
// resolve a development dependency that mpegts.js names by git URL.
func installMpegtsJS(t *testing.T) []byte {
	t.Helper()
	npm := testtool.Need(t, "npm")
	m := regexp.MustCompile(`mpegts\.js@([0-9.]+)`).FindStringSubmatch(conf.DefaultMpegtsJS)
	if m == nil {
		t.Fatalf("no version in %s", conf.DefaultMpegtsJS)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "pack", "--silent", "--pack-destination", dir, "mpegts.js@"+m[1])
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		testtool.Unavailable(t, "npm pack mpegts.js@%s: %v\n%s", m[1], err, out)
	}
	js, err := fileFromTarball(filepath.Join(dir, "mpegts.js-"+m[1]+".tgz"), "package/dist/mpegts.js")
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// fileFromTarball returns one file of a .tgz.
func fileFromTarball(tgz, name string) ([]byte, error) {
	f, err := os.Open(tgz)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%s: no %s: %w", tgz, name, err)
		}
		if h.Name == name {
			return io.ReadAll(io.LimitReader(tr, 16<<20))
		}
	}
}

// pageOrigin serves, on another origin than picosrs, the player page as
// picosrs serves it (fetched from its /players/) and mpegts.js.
func pageOrigin(page, js []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/player.html":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page)
		case "/mpegts.js":
			w.Header().Set("Content-Type", "text/javascript")
			w.Write(js)
		default:
			http.NotFound(w, r)
		}
	})
}

// playState is what the test reads of the page.
type playState struct {
	Frames   int     `json:"frames"`
	Dropped  int     `json:"dropped"`
	Time     float64 `json:"time"`
	Restarts int     `json:"restarts"`
	Latency  float64 `json:"latency"`
	Bitrate  int     `json:"bitrate"`
	VCodec   string  `json:"vcodec"`
	Size     string  `json:"size"`
	URL      string  `json:"url"`
	Msg      string  `json:"msg"`
}

const playStateJS = `(() => { const v = document.getElementById('video'); const q = v.getVideoPlaybackQuality();
  const p = window.picosrsPlayer || {}; const txt = id => document.getElementById(id).textContent;
  return {frames: q.totalVideoFrames, dropped: q.droppedVideoFrames, time: v.currentTime, restarts: p.restarts || 0,
    latency: p.latency || 0, bitrate: p.bitrateKbps || 0, vcodec: txt('s-vcodec'), size: txt('s-size'), url: p.url || '', msg: txt('msg')}; })()`

// watchPlay samples the page until frames come (within start), then for
// window: frames must rise and never stand still longer than stall. first
// is the state at the first frame, which came after wait.
func watchPlay(ctx context.Context, p *browser.Page, start, window, stall time.Duration) (first, last playState, wait time.Duration, err error) {
	var st playState
	began := time.Now()
	deadline := began.Add(start)
	for {
		if err := p.Eval(ctx, playStateJS, &st); err != nil {
			return st, st, 0, err
		}
		if st.Frames > 0 && st.Time > 0 {
			break
		}
		if time.Now().After(deadline) {
			return st, st, 0, fmt.Errorf("no frame within %v: %+v", start, st)
		}
		time.Sleep(250 * time.Millisecond)
	}
	first, wait = st, time.Since(began)
	lastFrames, lastRise := st.Frames, time.Now()
	for end := time.Now().Add(window); time.Now().Before(end); time.Sleep(250 * time.Millisecond) {
		if err := p.Eval(ctx, playStateJS, &st); err != nil {
			return first, st, wait, err
		}
		if st.Frames > lastFrames {
			lastFrames, lastRise = st.Frames, time.Now()
		} else if since := time.Since(lastRise); since > stall {
			return first, st, wait, fmt.Errorf("frames stood still at %d for %v: %+v", st.Frames, since.Round(time.Millisecond), st)
		}
	}
	return first, st, wait, nil
}

// TestBrowserPlayerPage: headless Chromium plays the player page, loaded
// from another origin than picosrs (so CORS and cross-origin WebSocket are
// exercised), over HTTP-FLV, HTTP-TS, WS-FLV, WS-TS, HTTPS-FLV and WSS-TS
// (that page and its script over HTTPS too, so nothing is mixed content):
// decoded frames counted and rising over 8 s, never standing still for
// 3 s, the codec and size shown; then the publisher restarts and the page
// recovers by itself. PICOSRS_SCREENSHOT=file saves a screenshot of the
// page playing (docs/player.png).
func TestBrowserPlayerPage(t *testing.T) {
	t.Parallel()
	testtool.Need(t, "chromium")
	js := installMpegtsJS(t)
	s := startHTTPS(t, browserConfig)
	stop, _ := publish(t, "h264_aac.flv", s.rtmpURL("live/b"), 1, true)
	s.waitLive(t, "live/b.flv")

	resp, err := http.Get(s.httpURL("players/"))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(page, []byte(`<script src="/mpegts.js">`)) {
		t.Fatalf("/players/: %d, script from the config not in the page:\n%.300s", resp.StatusCode, page)
	}
	plain := httptest.NewServer(pageOrigin(page, js))
	defer plain.Close()
	secure := httptest.NewTLSServer(pageOrigin(page, js))
	defer secure.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	b, err := browser.Launch(ctx, browser.Options{Args: []string{"--ignore-certificate-errors"}, Width: 1280, Height: 700})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()

	httpBase := fmt.Sprintf("http://127.0.0.1:%d", s.HTTP)
	httpsBase := fmt.Sprintf("https://127.0.0.1:%d", s.HTTPS)
	cases := []struct {
		name, origin, server, typ, scheme string
	}{
		{"HTTP-FLV", plain.URL, httpBase, "flv", "http://"},
		{"HTTP-TS", plain.URL, httpBase, "ts", "http://"},
		{"WS-FLV", plain.URL, httpBase, "ws-flv", "ws://"},
		{"WS-TS", plain.URL, httpBase, "ws-ts", "ws://"},
		{"HTTPS-FLV", secure.URL, httpsBase, "flv", "https://"},
		{"WSS-TS", secure.URL, httpsBase, "ws-ts", "wss://"},
	}
	var last *browser.Page
	for i, c := range cases {
		u := fmt.Sprintf("%s/player.html?server=%s&stream=__defaultVhost__/live/b&type=%s", c.origin, c.server, c.typ)
		opened := time.Now()
		p, err := b.NewPage(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		loaded := time.Since(opened)
		first, end, wait, err := watchPlay(ctx, p, 30*time.Second, 8*time.Second, 3*time.Second)
		switch {
		case err != nil:
			t.Errorf("%s: %v\nconsole:\n%s", c.name, err, p.Console())
		case !strings.HasPrefix(end.URL, c.scheme):
			t.Errorf("%s: played %q, want a %s URL", c.name, end.URL, c.scheme)
		case end.Frames-first.Frames < 40: // 25 fps for 8 s is 200; a loaded CI machine decodes fewer
			t.Errorf("%s: %d frames in 8 s", c.name, end.Frames-first.Frames)
		case !strings.Contains(end.VCodec, "avc1") || end.Size != "640x360":
			t.Errorf("%s: the page shows codec %q, size %q", c.name, end.VCodec, end.Size)
		default:
			t.Logf("%s: page loaded in %v, first frame %v later, then %d frames decoded in 8 s (%d dropped), latency %.2f s, %d kbit/s, %s %s",
				c.name, loaded.Round(100*time.Millisecond), wait.Round(100*time.Millisecond), end.Frames-first.Frames, end.Dropped, end.Latency, end.Bitrate, end.VCodec, end.Size)
		}
		if i < len(cases)-1 {
			p.Close()
		} else {
			last = p
		}
	}
	if t.Failed() {
		return
	}
	shot, err := last.Screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checkScreenshot(t, shot)
	if f := os.Getenv("PICOSRS_SCREENSHOT"); f != "" {
		if err := os.WriteFile(f, shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The publisher restarts: the stream ends (grace 0), the page retries
	// until it is back, and plays on.
	var before playState
	last.Eval(ctx, playStateJS, &before)
	stop()
	time.Sleep(time.Second)
	publish(t, "h264_aac.flv", s.rtmpURL("live/b"), 1, true)
	var st playState
	deadline := time.Now().Add(20 * time.Second)
	for {
		last.Eval(ctx, playStateJS, &st)
		if st.Restarts > before.Restarts && st.Frames > before.Frames+50 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the publisher restarted: before %+v, now %+v\nconsole:\n%s", before, st, last.Console())
		}
		time.Sleep(250 * time.Millisecond)
	}
	if _, _, _, err := watchPlay(ctx, last, 10*time.Second, 4*time.Second, 3*time.Second); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	t.Logf("recovered after %d restart(s) of the player", st.Restarts-before.Restarts)
}

// checkScreenshot checks that a screenshot is a PNG whose video area is a
// picture, not one flat colour.
func checkScreenshot(t *testing.T, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	// The video sits at the top left, under the header.
	r := image.Rect(40, 80, 600, 380).Intersect(img.Bounds())
	colours := map[[3]uint32]bool{}
	for y := r.Min.Y; y < r.Max.Y; y += 7 {
		for x := r.Min.X; x < r.Max.X; x += 7 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			colours[[3]uint32{cr >> 12, cg >> 12, cb >> 12}] = true
		}
	}
	if len(colours) < 8 {
		t.Errorf("the video area of the screenshot has %d colours: no picture", len(colours))
	}
}
