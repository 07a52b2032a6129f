package tests

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// staticConfig serves the http_server.dir {DIR}. The live FLV mount
// [vhost]/[app]/[stream].flv takes precedence over files at the same depth
// (/a/b.flv is a live stream even when {DIR}/a/b.flv exists, as in SRS), so
// the VOD file lives one level deeper, at /vod/a/fixture.flv.
const staticConfig = `
listen {RTMP};
daemon off;
srs_log_tank console;
http_server {
    enabled on;
    listen {HTTP};
    dir {DIR};
}
vhost __defaultVhost__ {
    http_remux {
        enabled on;
        mount [vhost]/[app]/[stream].flv;
    }
}
`

// vodFixture copies h264_aac.flv to dir/vod/a/fixture.flv and returns its
// size and the offsets of the video keyframe tags after the first one,
// found by walking the tags with flv.Reader.
func vodFixture(t *testing.T, dir string) (size int64, keys []int64) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "h264_aac.flv"))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "vod", "a", "fixture.flv")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
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
	return int64(len(data)), keys[1:]
}

func startStatic(t *testing.T) (*server, string) {
	t.Helper()
	dir := t.TempDir()
	return startServer(t, strings.ReplaceAll(staticConfig, "{DIR}", dir)), dir
}

// TestStaticFLVVOD: ffprobe and ffmpeg play the fixture from a keyframe's
// byte offset (?start=N) with no error; an offset inside a tag and one past
// the end get 416.
func TestStaticFLVVOD(t *testing.T) {
	t.Parallel()
	s, dir := startStatic(t)
	size, keys := vodFixture(t, dir)
	off := keys[len(keys)/2]

	u := s.httpURL("vod/a/fixture.flv?" + url.Values{"start": {fmt.Sprint(off)}}.Encode())
	p := ffprobe(t, u)
	if got := p.avCodecs(); !sameSet(got, []string{"h264", "aac"}) {
		t.Errorf("?start=%d: codecs %v", off, got)
	}
	decode(t, u, 30)
	decode(t, s.httpURL("vod/a/fixture.flv"), 30)

	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "video/x-flv" || resp.ContentLength != n || n <= size-off {
		t.Errorf("?start=%d: %d %q, Content-Length %d, %d bytes", off, resp.StatusCode, resp.Header.Get("Content-Type"), resp.ContentLength, n)
	}

	for _, bad := range []int64{off + 1, off + 7, size, size + 100} {
		resp, err := http.Get(s.httpURL(fmt.Sprintf("vod/a/fixture.flv?start=%d", bad)))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable {
			t.Errorf("start=%d: status %d, want 416: %s", bad, resp.StatusCode, body)
		}
	}
}

// TestStaticFiles: the index page, a file with its MIME type and Range, and
// raw traversal attempts through the real binary.
func TestStaticFiles(t *testing.T) {
	t.Parallel()
	s, dir := startStatic(t)
	if err := os.WriteFile(filepath.Join(filepath.Dir(dir), "secret.txt"), []byte("TOP-SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(s.httpURL(""))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "picosrs") {
		t.Fatalf("index: %d %s", resp.StatusCode, body)
	}

	os.MkdirAll(filepath.Join(dir, "hls", "a"), 0o755)
	os.WriteFile(filepath.Join(dir, "hls", "a", "p.m3u8"), []byte("#EXTM3U\n"), 0o644)
	req, _ := http.NewRequest(http.MethodGet, s.httpURL("hls/a/p.m3u8"), nil)
	req.Header.Set("Range", "bytes=1-3")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 206 || string(body) != "EXT" || resp.Header.Get("Content-Type") != "application/vnd.apple.mpegurl" {
		t.Errorf("m3u8 range: %d %q %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}

	for _, target := range []string{"/../secret.txt", "/%2e%2e/secret.txt", "/hls/..%2f..%2f..%2fsecret.txt", "/..%5csecret.txt", "/hls/a/p.m3u8?x=.."} {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.HTTP), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", target)
		b, _ := io.ReadAll(c)
		c.Close()
		if !bytes.HasPrefix(b, []byte("HTTP/1.1 403")) || bytes.Contains(b, []byte("TOP-SECRET")) {
			t.Errorf("%s: %q", target, b)
		}
	}
}
