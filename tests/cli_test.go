package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/picosrs/picosrs/internal/fixture"
)

// TestConfigTestFlag: `picosrs -t -c conf/FILE`, run from a folder whose conf/
// holds SRS's own sample configs and a key pair where SRS keeps its own
// (conf/server.key, conf/server.crt, which the HTTPS samples name), answers
// as SRS 7 does: 98 accepted, the four SRS refuses refused with a message.
// Without the key pair, the HTTPS samples are refused naming the file and
// its directive's line.
func TestConfigTestFlag(t *testing.T) {
	t.Parallel()
	srsConf, err := filepath.Abs("../conf/testdata/srs")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "conf"), 0o755); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(srsConf, "*.conf"))
	if len(files) != 102 {
		t.Fatalf("%d sample configs, want 102", len(files))
	}
	for _, f := range files {
		if err := os.Symlink(f, filepath.Join(dir, "conf", filepath.Base(f))); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(binary, "-t", "-c", filepath.Join(dir, "conf", "https.flv.live.conf")).CombinedOutput()
	if err == nil || !regexp.MustCompile(`https\.flv\.live\.conf:\d+: http_server\.https\.key \./conf/server\.key`).Match(out) {
		t.Errorf("an HTTPS sample without its key pair: %v, want a refusal naming the file and line:\n%s", err, out)
	}
	fixture.WriteCert(t, filepath.Join(dir, "conf"), "server.crt", "server.key")
	refused := map[string]bool{"full.conf": true, "hls.edge.conf": true, "nginx.proxy.conf": true, "include.vhost.conf": true}
	type result struct {
		name string
		code int
		out  []byte
	}
	results := make(chan result, len(files))
	sem := make(chan struct{}, 8)
	for _, f := range files {
		name := filepath.Base(f)
		go func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			cmd := exec.Command(binary, "-t", "-c", "conf/"+name)
			cmd.Dir = dir
			out, _ := cmd.CombinedOutput()
			results <- result{name, cmd.ProcessState.ExitCode(), out}
		}()
	}
	ok := 0
	for range files {
		r := <-results
		if refused[r.name] {
			if r.code != 1 || len(strings.TrimSpace(string(r.out))) == 0 {
				t.Errorf("%s: exit %d, want 1 with a message:\n%s", r.name, r.code, r.out)
			}
			continue
		}
		if r.code != 0 {
			t.Errorf("%s: exit %d, want 0:\n%s", r.name, r.code, r.out)
			continue
		}
		ok++
	}
	if ok != 98 {
		t.Errorf("%d configs accepted, want 98", ok)
	}
}

// TestConfigErrorsNameFileAndLine: a syntax error is reported as FILE:LINE.
func TestConfigErrorsNameFileAndLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "bad.conf")
	os.WriteFile(file, []byte("listen 1935;\nvhost __defaultVhost__ {\n    http_remux {\n        enabled\n        on;\n    }\n}\n"), 0o644)
	out, err := exec.Command(binary, "-t", "-c", file).CombinedOutput()
	if err == nil {
		t.Fatalf("bad config accepted:\n%s", out)
	}
	if !regexp.MustCompile(regexp.QuoteMeta(file) + `:4: `).Match(out) {
		t.Fatalf("error does not name %s:4:\n%s", file, out)
	}
	os.WriteFile(file, []byte("listen 1935;\nvhost v { bogus_directive on; }\n"), 0o644)
	out, _ = exec.Command(binary, "-t", "-c", file).CombinedOutput()
	if !strings.Contains(string(out), "bogus_directive") {
		t.Fatalf("illegal directive not named:\n%s", out)
	}
}

// TestVersionAndDefault: -v prints the version; -t with no -c checks the
// embedded default configuration.
func TestVersionAndDefault(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(binary, "-v").Output()
	if err != nil || len(strings.TrimSpace(string(out))) == 0 {
		t.Fatalf("-v: %v %q", err, out)
	}
	out, err = exec.Command(binary, "-t").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("-t on the default: %v\n%s", err, out)
	}
}

// TestDefaultConfigServesAllFormats: with no -c (make run), RTMP on 1935 and
// HTTP on 8080 serve the four formats. Skipped when those ports are taken.
func TestDefaultConfigServesAllFormats(t *testing.T) {
	for _, p := range []string{"127.0.0.1:1935", "127.0.0.1:8080"} {
		if c, err := netDial(p); err == nil {
			c.Close()
			t.Skipf("%s is in use on this machine", p)
		}
	}
	cmd := exec.Command(binary)
	cmd.Dir = t.TempDir()
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		cmd.Process.Kill()
		<-exited
		checkCrash(t, "server", out.String())
	}()
	waitPort(t, 1935, exited)
	waitPort(t, 8080, exited)
	s := &server{t: t, RTMP: 1935, HTTP: 8080}
	publish(t, "h264_aac.flv", s.rtmpURL("live/livestream"), 1, true)
	s.waitLive(t, "live/livestream.flv")
	for ext, want := range map[string][]string{".flv": {"h264", "aac"}, ".ts": {"h264", "aac"}, ".aac": {"aac"}} {
		if got := ffprobe(t, s.httpURL("live/livestream"+ext)).codecs(); !sameSet(got, want) {
			t.Errorf("%s: %v, want %v", ext, got, want)
		}
	}
	resp, err := httpGet(s.httpURL("live/livestream.mp3"))
	if err != nil || resp.StatusCode != 415 {
		t.Errorf(".mp3 of an AAC stream: %v %v, want 415", err, resp)
	}
}
