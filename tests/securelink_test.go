package tests

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/access"
	"github.com/picosrs/picosrs/internal/testtool"
)

const linkSecret = "e2e-secret-0123456789"

// secureLinkConfig: the default vhost and other.example share a secret
// (so a URL replayed on the other vhost is refused for its vhost alone);
// bound.example binds signatures to the client's IP.
var secureLinkConfig = strings.Replace(baseConfig, "vhost __defaultVhost__ {",
	"vhost __defaultVhost__ {\n    secure_link { enabled on; secret "+linkSecret+"; }", 1) + `
vhost other.example {
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
    secure_link { enabled on; secret ` + linkSecret + `; }
}
vhost bound.example {
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
    secure_link { enabled on; secret ` + linkSecret + `; publish off; bind_ip on; }
}
`

// signURLs runs `picosrs -sign` on the server's configuration and returns
// the URLs it prints.
func signURLs(t testing.TB, s *server, args ...string) []string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "sign.conf")
	if err := os.WriteFile(file, []byte(s.fillPorts(secureLinkConfig)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(binary, append([]string{"-c", file, "-sign"}, args...)...).Output()
	if err != nil {
		t.Fatalf("picosrs -sign %v: %v\n%s", args, err, out)
	}
	return strings.Fields(string(out))
}

// httpStatus GETs (or HEADs) url and returns the status and up to 64 KiB
// of the body.
func httpStatus(t testing.TB, method, u string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, method, u, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, b
}

// TestSignedURLs: URLs printed by `picosrs -sign` publish (ffmpeg) and play
// (ffmpeg over HTTP-FLV, HTTP-TS and RTMP); a missing, expired or tampered
// signature (each byte of it), one for another stream, one replayed on
// another vhost with the same secret, and, with bind_ip, one for another
// address are refused: 403 before any media byte for HTTP, the error
// status for RTMP, a refused publish for ffmpeg, one log line each.
func TestSignedURLs(t *testing.T) {
	t.Parallel()
	s := startServer(t, secureLinkConfig)
	urls := signURLs(t, s, "-stream", "sl", "-expires", "1h")
	if len(urls) != 5 || !strings.HasPrefix(urls[0], s.rtmpURL("live/sl?expires=")) || !strings.HasPrefix(urls[1], s.httpURL("live/sl.flv?expires=")) {
		t.Fatalf("picosrs -sign printed %q", urls)
	}
	rtmpURL, flvURL, tsURL := urls[0], urls[1], urls[2]
	query := flvURL[strings.IndexByte(flvURL, '?')+1:]

	// ffmpeg publishes with the signed URL; without one it is refused.
	ffmpeg := testtool.Need(t, "ffmpeg")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	out, err := exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-re", "-i", "testdata/h264_aac.flv",
		"-c", "copy", "-t", "2", "-f", "flv", s.rtmpURL("live/sl")).CombinedOutput()
	cancel()
	if err == nil {
		t.Errorf("ffmpeg published without a signature: %s", out)
	}
	s.waitLog(t, 5*time.Second, "rtmp refused by the vhost's secure_link", "publish=true", "the URL is not signed")
	publish(t, "h264_aac.flv", rtmpURL, 1, true)
	s.waitLive(t, "live/sl.flv?"+query)

	// ffmpeg plays the signed URLs.
	for _, u := range []string{flvURL, tsURL, rtmpURL} {
		decode(t, u, 2)
	}
	if code, _ := httpStatus(t, http.MethodHead, flvURL); code != 200 {
		t.Errorf("HEAD of the signed URL: %d", code)
	}

	before := strings.Count(s.Log(), "http play refused by the vhost's secure_link")
	refused := 0
	expect403 := func(what, u string) {
		t.Helper()
		code, body := httpStatus(t, http.MethodGet, u)
		if code != 403 || bytes.Contains(body, []byte("FLV")) {
			t.Errorf("%s: %d %q", what, code, body)
		}
		refused++
	}
	expect403("unsigned", s.httpURL("live/sl.flv"))
	if code, _ := httpStatus(t, http.MethodHead, s.httpURL("live/sl.flv")); code != 403 {
		t.Errorf("HEAD unsigned: %d", code)
	}
	refused++
	l := &access.SecureLink{Enabled: true, Secret: linkSecret, Play: true}
	old, err := l.Sign("__defaultVhost__", "live", "sl", time.Now().Add(-time.Second), "")
	if err != nil {
		t.Fatal(err)
	}
	expect403("expired", s.httpURL("live/sl.flv?"+old.Query()))
	expect403("another stream", s.httpURL("live/sl2.flv?"+query))
	expect403("replayed on another vhost", s.httpURL("live/sl.flv?vhost=other.example&"+query))
	expect403("another secret", s.httpURL("live/sl.flv?"+mustSign(t, &access.SecureLink{Secret: linkSecret + "x"}, "__defaultVhost__", "sl", "")))
	// Every byte of the signature changed to another hex digit.
	i := strings.Index(flvURL, "sign=") + len("sign=")
	for j := i; j < len(flvURL); j++ {
		b := []byte(flvURL)
		b[j] = "0123456789abcdef"[(strings.IndexByte("0123456789abcdef", b[j])+1)%16]
		code, body := httpStatus(t, http.MethodGet, string(b))
		if code != 403 || bytes.Contains(body, []byte("FLV")) {
			t.Fatalf("signature byte %d changed: %d", j-i, code)
		}
		refused++
	}
	if !s.logged("http play refused by the vhost's secure_link", before+refused) {
		t.Errorf("%d refusal log lines, want %d", strings.Count(s.Log(), "http play refused by the vhost's secure_link")-before, refused)
	}

	// RTMP players: refused with the error status (our client, ffmpeg).
	for what, u := range map[string]string{
		"unsigned": s.rtmpURL("live/sl"),
		"tampered": strings.Replace(rtmpURL, "sign=", "sign=0", 1)[:len(rtmpURL)],
		"expired":  s.rtmpURL("live/sl?" + old.Query()),
	} {
		if err := rtmpPlay(u); err == nil || !strings.Contains(err.Error(), "secure_link") {
			t.Errorf("RTMP player %s: %v", what, err)
		}
	}
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	out, err = exec.CommandContext(ctx, ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-rw_timeout", "10000000",
		"-i", s.rtmpURL("live/sl"), "-t", "1", "-f", "null", "-").CombinedOutput()
	cancel()
	if err == nil {
		t.Errorf("ffmpeg played unsigned over RTMP: %s", out)
	}

	// bind_ip: a URL signed for this client's address plays, one signed
	// for another does not; publishing there needs no signature.
	publish(t, "h264_aac.flv", s.rtmpURL("live/b?vhost=bound.example"), 1, true)
	bound := signURLs(t, s, "-vhost", "bound.example", "-stream", "b", "-ip", "127.0.0.1")
	s.waitLive(t, strings.TrimPrefix(bound[1], s.httpURL("")))
	for _, u := range bound {
		if strings.HasPrefix(u, "http") {
			decode(t, u, 1)
		}
	}
	elsewhere := signURLs(t, s, "-vhost", "bound.example", "-stream", "b", "-ip", "127.0.0.2")
	expect403("signed for another address", elsewhere[1])
	s.checkLog(t)
}

func mustSign(t testing.TB, l *access.SecureLink, vhost, stream, ip string) string {
	t.Helper()
	tok, err := l.Sign(vhost, "live", stream, time.Now().Add(time.Hour), ip)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Query()
}
