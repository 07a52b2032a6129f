package tests

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/testtool"
)

// hlsConfig is baseConfig with an hls block of the given directives.
func hlsConfig(directives string) string {
	return strings.Replace(baseConfig, "vhost __defaultVhost__ {",
		"vhost __defaultVhost__ {\n    hls {\n        enabled on;\n        "+directives+"\n    }", 1)
}

// m3u8 is a media playlist as a player reads it.
type m3u8 struct {
	raw      string
	target   int
	mediaSeq int
	segs     []m3u8Seg
}

type m3u8Seg struct {
	dur  float64
	uri  string
	disc bool
}

// parseM3U8 reads a media playlist; a line it does not know fails.
func parseM3U8(b []byte) (m3u8, error) {
	p := m3u8{raw: string(b)}
	sc := bufio.NewScanner(bytes.NewReader(b))
	var cur *m3u8Seg
	disc := false
	for i := 0; sc.Scan(); i++ {
		l := sc.Text()
		tag, val, _ := strings.Cut(l, ":")
		var err error
		switch {
		case i == 0 && l != "#EXTM3U":
			return p, fmt.Errorf("first line %q", l)
		case i == 0, l == "", tag == "#EXT-X-VERSION", tag == "#EXT-X-DISCONTINUITY-SEQUENCE":
		case tag == "#EXT-X-TARGETDURATION":
			p.target, err = strconv.Atoi(val)
		case tag == "#EXT-X-MEDIA-SEQUENCE":
			p.mediaSeq, err = strconv.Atoi(val)
		case l == "#EXT-X-DISCONTINUITY":
			disc = true
		case tag == "#EXTINF":
			d, _, _ := strings.Cut(val, ",")
			cur = &m3u8Seg{disc: disc}
			cur.dur, err = strconv.ParseFloat(d, 64)
			disc = false
		case strings.HasPrefix(l, "#"):
			return p, fmt.Errorf("unknown line %q", l)
		case cur == nil:
			return p, fmt.Errorf("URI %q without EXTINF", l)
		default:
			cur.uri = l
			p.segs = append(p.segs, *cur)
			cur = nil
		}
		if err != nil {
			return p, fmt.Errorf("%q: %v", l, err)
		}
	}
	return p, nil
}

// getBody GETs url and returns the status and body.
func getBody(t testing.TB, url string) (int, []byte) {
	t.Helper()
	c := &http.Client{Timeout: 20 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, b
}

// waitPlaylist polls a playlist until it lists at least n segments.
func (s *server) waitPlaylist(t testing.TB, path string, n int, d time.Duration) m3u8 {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		code, b := getBody(t, s.httpURL(path))
		if code == 200 {
			p, err := parseM3U8(b)
			if err != nil {
				t.Fatalf("%s: %v\n%s", path, err, b)
			}
			if len(p.segs) >= n {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never listed %d segments (last status %d):\n%s", path, n, code, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestHLSEveryCodec: ffmpeg publishes each fixture; ffprobe finds its
// codecs in the live playlist and ffmpeg -xerror decodes seconds of it.
func TestHLSEveryCodec(t *testing.T) {
	t.Parallel()
	s := startServer(t, hlsConfig("hls_fragment 2;\n        hls_window 10;"))
	cases := []struct {
		fixture string
		codecs  []string
	}{
		{"h264_aac.flv", []string{"h264", "aac"}},
		{"h264_mp3.flv", []string{"h264", "mp3"}},
		{"aac_only.flv", []string{"aac"}},
		{"mp3_only.flv", []string{"mp3"}},
	}
	for i, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			t.Parallel()
			name := fmt.Sprintf("live/c%d", i)
			publish(t, c.fixture, s.rtmpURL(name), 1, true)
			s.waitPlaylist(t, name+".m3u8", 2, 20*time.Second)
			url := s.httpURL(name + ".m3u8")
			p := ffprobe(t, url)
			if got := p.avCodecs(); !sameSet(got, c.codecs) {
				t.Errorf("codecs %v, want %v", got, c.codecs)
			}
			if p.Format.FormatName != "hls" {
				t.Errorf("format %q", p.Format.FormatName)
			}
			decode(t, url, 5)
		})
	}
}

// TestHLSSegmentsAtKeyframes: with a 2 s GOP and hls_fragment 4, every
// segment lasts 4 s (within 10 %), starts with PAT/PMT and its first video
// packet is a keyframe.
func TestHLSSegmentsAtKeyframes(t *testing.T) {
	t.Parallel()
	s := startServer(t, hlsConfig("hls_fragment 4;\n        hls_window 30;"))
	publish(t, "h264_aac.flv", s.rtmpURL("live/k"), 1, true)
	p := s.waitPlaylist(t, "live/k.m3u8", 4, 40*time.Second)
	if p.target != 4 {
		t.Errorf("target duration %d", p.target)
	}
	for i, seg := range p.segs {
		if math.Abs(seg.dur-4) > 0.4 {
			t.Errorf("segment %d (%s) lasts %.3f s, want 4 ± 10 %%", i, seg.uri, seg.dur)
		}
		code, b := getBody(t, s.httpURL("live/"+seg.uri))
		if code != 200 || len(b) < 188 || b[0] != 0x47 || b[1]&0x1F != 0 || b[2] != 0 {
			t.Fatalf("segment %s: status %d, %d bytes, does not start with a PAT", seg.uri, code, len(b))
		}
		f := filepath.Join(t.TempDir(), "seg.ts")
		os.WriteFile(f, b, 0o644)
		out, err := exec.Command(testtool.Need(t, "ffprobe"), "-v", "error", "-select_streams", "v", "-read_intervals", "%+#1",
			"-show_entries", "packet=flags", "-of", "csv=p=0", f).CombinedOutput()
		if err != nil || !strings.HasPrefix(strings.TrimSpace(string(out)), "K") {
			t.Errorf("segment %s: first video packet %q (%v), want a keyframe", seg.uri, out, err)
		}
	}
}

// TestHLSWindowSlides: the playlist keeps hls_window seconds: the oldest
// segment leaves it, and then gets 404, while the newest is served.
func TestHLSWindowSlides(t *testing.T) {
	t.Parallel()
	s := startServer(t, hlsConfig("hls_fragment 2;\n        hls_window 6;"))
	publish(t, "h264_aac.flv", s.rtmpURL("live/w"), 1, true)
	first := s.waitPlaylist(t, "live/w.m3u8", 1, 20*time.Second)
	old := first.segs[0].uri
	if code, _ := getBody(t, s.httpURL("live/"+old)); code != 200 {
		t.Fatalf("%s: %d while listed", old, code)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		p := s.waitPlaylist(t, "live/w.m3u8", 1, 10*time.Second)
		var sum float64
		for _, seg := range p.segs {
			sum += seg.dur
		}
		if sum > 6+0.5 {
			t.Fatalf("playlist lists %.3f s, window 6:\n%s", sum, p.raw)
		}
		if p.mediaSeq > first.mediaSeq {
			if code, _ := getBody(t, s.httpURL("live/"+old)); code != 404 {
				t.Fatalf("%s left the window, got %d, want 404", old, code)
			}
			newest := p.segs[len(p.segs)-1].uri
			if code, _ := getBody(t, s.httpURL("live/"+newest)); code != 200 {
				t.Fatalf("%s: %d", newest, code)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the window never slid")
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// TestHLSRepublish: a player (ffmpeg, -xerror) reads the live playlist
// while the publisher stops and another publishes the same stream: the
// playlist carries EXT-X-DISCONTINUITY, the media sequence goes on, and the
// player decodes across it to the end, frames from both publishers.
func TestHLSRepublish(t *testing.T) {
	t.Parallel()
	s := startServer(t, hlsConfig("hls_fragment 2;\n        hls_window 30;\n        hls_dispose 60;"))
	_, done := publish(t, "h264_aac.flv", s.rtmpURL("live/r"), 1, false)
	s.waitPlaylist(t, "live/r.m3u8", 1, 20*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const seconds = 24
	play := exec.CommandContext(ctx, testtool.Need(t, "ffmpeg"), "-hide_banner", "-nostdin", "-v", "error", "-xerror",
		"-i", s.httpURL("live/r.m3u8"), "-map", "0:v", "-t", strconv.Itoa(seconds), "-f", "null", "-", "-progress", "pipe:1")
	var out, errOut syncBuffer
	play.Stdout, play.Stderr = &out, &errOut
	if err := play.Start(); err != nil {
		t.Fatal(err)
	}
	played := make(chan error, 1)
	go func() { played <- play.Wait() }()
	select {
	case err := <-done: // the 10 s fixture ends
		if err != nil {
			t.Fatalf("first publisher: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("first publisher did not end")
	}
	time.Sleep(2 * time.Second)
	publish(t, "h264_aac.flv", s.rtmpURL("live/r"), 1, true)
	var err error
	select {
	case err = <-played:
	case <-ctx.Done():
		t.Fatalf("the player did not finish:\n%s", errOut.String())
	}
	if err != nil || strings.TrimSpace(errOut.String()) != "" {
		t.Fatalf("player: %v\n%s", err, errOut.String())
	}
	frames := 0
	for _, l := range strings.Split(out.String(), "\n") {
		if v, ok := strings.CutPrefix(l, "frame="); ok {
			frames, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	if frames < seconds*25*8/10 {
		t.Fatalf("the player decoded %d frames in %d s", frames, seconds)
	}
	code, b := getBody(t, s.httpURL("live/r.m3u8"))
	p, perr := parseM3U8(b)
	if code != 200 || perr != nil {
		t.Fatalf("playlist: %d %v", code, perr)
	}
	discs := 0
	for _, seg := range p.segs {
		if seg.disc {
			discs++
		}
	}
	if discs != 1 {
		t.Fatalf("%d discontinuities after one republish:\n%s", discs, p.raw)
	}
	t.Logf("decoded %d frames across the republish", frames)
}

// hlsFreed waits for the server's "hls window freed" line for stream and
// returns the bytes it reports.
func (s *server) hlsFreed(t testing.TB, stream string, d time.Duration) int64 {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		for _, l := range strings.Split(s.Log(), "\n") {
			if strings.Contains(l, "hls window freed") && strings.Contains(l, "stream="+stream+" ") {
				_, v, _ := strings.Cut(l, "bytes=")
				n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
				return n
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("window of %s never freed:\n%s", stream, s.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hlsMemory publishes the 2 Mbit/s fixture to an HLS stream of the plain
// build for seconds, polling its playlist as a player does, then stops; it
// returns the RSS idle, at its peak, and after hls_dispose freed the window,
// and the bytes the window held.
func hlsMemory(t *testing.T, bin, directives string, seconds int) (idle, peak, after, window int64) {
	s := startBinary(t, bin, hlsConfig(directives+"\n        hls_dispose 3;"))
	pid := s.cmd.Process.Pid
	time.Sleep(2 * time.Second)
	idle = procStatus(t, pid).rss
	stop, _ := publish(t, "h264_aac_720p_2mbps.flv", s.rtmpURL("live/mem"), 1, true)
	s.waitPlaylist(t, "live/mem.m3u8", 1, 30*time.Second)
	for sec := 0; sec < seconds; sec++ {
		time.Sleep(time.Second)
		if sec%5 == 0 {
			getBody(t, s.httpURL("live/mem.m3u8"))
		}
		if st := procStatus(t, pid); st.rss > peak {
			peak = st.rss
		}
	}
	stop()
	window = s.hlsFreed(t, "__defaultVhost__/live/mem", 30*time.Second)
	// The memory goes back to the system at most memReleaseEvery (10 s)
	// after the window is freed.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		after = procStatus(t, pid).rss
		if after < idle+4<<20 || time.Now().After(deadline) {
			break
		}
	}
	return idle, peak, after, window
}

// TestHLSMemoryFreed: with one 2 Mbit/s stream the HLS window holds what
// the stream sent over hls_window (and the open segment), and once the
// stream ended and hls_dispose passed, the server's RSS is back within
// 4 MiB of what it was idle.
func TestHLSMemoryFreed(t *testing.T) {
	t.Parallel()
	idle, peak, after, window := hlsMemory(t, plainBinary, "hls_fragment 2;\n        hls_window 10;", 20)
	t.Logf("RSS idle %s, peak %s, after the stream and hls_dispose %s; the window held %s", mib(idle), mib(peak), mib(after), mib(window))
	// 10 s listed and at most one 2 s segment open, at ~2 Mbit/s.
	if window < 2<<20 || window > 4<<20 {
		t.Errorf("the window held %d bytes, want about 3 MB (12 s at 2 Mbit/s)", window)
	}
	if after > idle+4<<20 {
		t.Errorf("RSS %s after the stream ended, idle was %s", mib(after), mib(idle))
	}
}

// TestHLSDisk: hls_storage disk is SRS's HLS: files under hls_path, which
// http_server serves as static files (or any web server); the playlist is
// replaced atomically, segments that left the window are removed, and
// everything goes hls_dispose after the stream ended.
func TestHLSDisk(t *testing.T) {
	t.Parallel()
	s := startServer(t, hlsConfig("hls_storage disk;\n        hls_path ./html;\n        hls_fragment 2;\n        hls_window 6;\n        hls_dispose 3;"))
	dir := filepath.Join(s.cmd.Dir, "html", "live")
	stop, _ := publish(t, "h264_aac.flv", s.rtmpURL("live/d"), 1, true)
	p := s.waitPlaylist(t, "live/d.m3u8", 3, 30*time.Second)
	resp, err := http.Get(s.httpURL("live/d.m3u8"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/vnd.apple.mpegurl" {
		t.Errorf("static playlist Content-Type %q", ct)
	}
	if got := ffprobe(t, s.httpURL("live/d.m3u8")).avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
		t.Errorf("codecs %v", got)
	}
	decode(t, s.httpURL("live/d.m3u8"), 3)
	// Segments that left the window are removed: the directory never holds
	// many more than the playlist lists.
	for deadline := time.Now().Add(12 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		files, _ := filepath.Glob(filepath.Join(dir, "d-*.ts"))
		if len(files) > len(p.segs)+3 {
			t.Fatalf("%d segment files for a playlist of %d: %v", len(files), len(p.segs), files)
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "*.t*mp")); len(tmp) > 1 {
		t.Errorf("temporary files left: %v", tmp)
	}
	stop()
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		left, _ := filepath.Glob(filepath.Join(dir, "*"))
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("files left after hls_dispose: %v", left)
		}
	}
	if code, _ := getBody(t, s.httpURL("live/d.m3u8")); code != 404 {
		t.Errorf("playlist after dispose: %d", code)
	}
}

// TestHLSEdge: on an edge, a playlist request for a stream nobody pulls yet
// starts the pull from the origin and is answered once the first segment is
// in (SRS does not pull for HLS: ossrs/srs#1928); ffprobe and ffmpeg play
// the edge's playlist; when players stop polling, the pull stops.
func TestHLSEdge(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	edge := startServer(t, strings.Replace(edgeConfig(origin.addr()), "vhost __defaultVhost__ {",
		"vhost __defaultVhost__ {\n    hls {\n        enabled on;\n        hls_fragment 2;\n        hls_window 10;\n    }", 1))
	publish(t, "h264_aac.flv", origin.rtmpURL("live/e"), 1, true)
	origin.waitLive(t, "live/e.flv")
	if code, _ := getBody(t, origin.httpURL("live/e.m3u8")); code != 404 {
		t.Errorf("origin without hls: playlist %d", code)
	}
	start := time.Now()
	code, b := getBody(t, edge.httpURL("live/e.m3u8"))
	if code != 200 {
		t.Fatalf("edge playlist: %d\n%s\n%s", code, b, edge.Log())
	}
	t.Logf("the edge's first playlist came %v after the request", time.Since(start).Round(time.Millisecond))
	edge.waitLog(t, 5*time.Second, "edge pull start")
	p := ffprobe(t, edge.httpURL("live/e.m3u8"))
	if got := p.avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
		t.Errorf("codecs %v", got)
	}
	decode(t, edge.httpURL("live/e.m3u8"), 4)
	// A playlist request for a stream the origin does not have, whose
	// client gives up: its pull stops at once (then the edge's stop
	// delay), it does not outlive the request by a lease.
	if resp, err := (&http.Client{Timeout: 2 * time.Second}).Get(edge.httpURL("live/nobody.m3u8")); err == nil {
		resp.Body.Close()
		t.Fatalf("a playlist the origin does not have: %s before the edge's wait ran out", resp.Status)
	}
	gaveUp := time.Now()
	for countLines(edge.Log(), "edge pull stop", "live/nobody") == 0 {
		if time.Since(gaveUp) > 8*time.Second {
			t.Fatalf("the pull for a playlist nobody got did not stop:\n%s", edge.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Nobody polls any more: the lease (10 s), then the edge's stop delay.
	for countLines(edge.Log(), "edge pull stop", "live/e") == 0 {
		if time.Since(gaveUp) > 30*time.Second {
			t.Fatalf("the pull of live/e did not stop once nobody polled:\n%s", edge.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}
