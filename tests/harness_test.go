// Package tests holds the end-to-end tests: the real picosrs binary on
// loopback, driven by ffmpeg, ffprobe and rtmpdump as independent clients and
// by our own RTMP client.
package tests

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/testtool"
)

var (
	// binary is picosrs for the behaviour tests: built with -race where the
	// platform has the race detector (64-bit with cgo), so a data race in
	// the server shows in its log as "WARNING: DATA RACE" and fails the test
	// that ran it (see checkCrash).
	binary string
	// plainBinary is picosrs as it ships (CGO_ENABLED=0, -trimpath,
	// stripped, no race detector), for the tests that bound its memory: the
	// race detector's shadow memory would be most of what they measure.
	plainBinary string
	// raceBuilt reports whether binary has the race detector.
	raceBuilt bool
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "picosrs-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := 1
	if buildBinaries(dir) {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildBinaries builds binary (with -race when it can) and plainBinary into
// dir, at the same time; it says on stdout whether the race detector is in.
func buildBinaries(dir string) bool {
	binary, plainBinary = filepath.Join(dir, "picosrs"), filepath.Join(dir, "picosrs-plain")
	build := func(env []string, args ...string) error {
		cmd := exec.Command("go", append([]string{"build"}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("go build %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	plainErr := make(chan error, 1)
	go func() {
		plainErr <- build([]string{"CGO_ENABLED=0"}, "-trimpath", "-ldflags", "-s -w", "-o", plainBinary, "..")
	}()
	why := raceUnsupported()
	if why == "" {
		if err := build(nil, "-race", "-o", binary, ".."); err != nil {
			why = err.Error()
		} else {
			raceBuilt = true
		}
	}
	ok := true
	if !raceBuilt {
		if err := build(nil, "-o", binary, ".."); err != nil {
			fmt.Fprintln(os.Stderr, "build picosrs:", err)
			ok = false
		}
		fmt.Printf("e2e: picosrs is built WITHOUT the race detector (%s): the DATA RACE checks of the server's log cannot fire\n", why)
	} else {
		fmt.Println("e2e: picosrs is built with -race; memory bounds use a plain build")
	}
	if err := <-plainErr; err != nil {
		fmt.Fprintln(os.Stderr, "build picosrs (plain):", err)
		ok = false
	}
	return ok
}

// raceUnsupported says why this platform cannot build with -race, or "".
// The race detector needs a 64-bit target and cgo.
func raceUnsupported() string {
	if strconv.IntSize != 64 {
		return runtime.GOARCH + " is not 64-bit"
	}
	out, err := exec.Command("go", "env", "CGO_ENABLED").Output()
	if err != nil {
		return "go env: " + err.Error()
	}
	if strings.TrimSpace(string(out)) != "1" {
		return "cgo is disabled"
	}
	return ""
}

var (
	portsMu sync.Mutex
	ports   = map[int]bool{} // handed out in this process: never twice
)

// freePort returns a port nothing listens on that this process has not
// handed out before (the kernel readily returns a just-closed port again).
func freePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for i := 0; i < 100; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !ports[p] {
			ports[p] = true
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// server is a running picosrs process.
type server struct {
	t        testing.TB
	cmd      *exec.Cmd
	bin      string // the binary it runs: binary or plainBinary
	RTMP     int
	HTTP     int
	API      int
	Exporter int
	mu       sync.Mutex
	log      bytes.Buffer
	exited   chan struct{}
	exitCode int
	// apiOn: the config has http_api on {API} (stat then reads the
	// goroutines from it), with these basic-auth credentials if any.
	apiOn            bool
	apiUser, apiPass string
}

// logWriter collects the server's log for assertions and failure reports.
type logWriter struct{ s *server }

func (w logWriter) Write(b []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.log.Write(b)
}

// Log returns what the server logged so far.
func (s *server) Log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// race reports whether the server runs with the race detector.
func (s *server) race() bool { return s.bin == binary && raceBuilt }

// startServer writes config (with {RTMP}, {HTTP}, {API} and {EXPORTER}
// replaced by free ports) and starts picosrs (race-built where possible) on
// it, waiting until its ports accept. When the test ends the server is
// killed and its log must show no panic, runtime crash or data race.
func startServer(t testing.TB, config string, env ...string) *server {
	t.Helper()
	return startBinary(t, binary, config, env...)
}

// startPlainServer is startServer with the plain (shipped, non-race) build,
// for tests that bound the server's memory.
func startPlainServer(t testing.TB, config string, env ...string) *server {
	t.Helper()
	return startBinary(t, plainBinary, config, env...)
}

func startBinary(t testing.TB, bin, config string, env ...string) *server {
	t.Helper()
	// A port can still be taken by another program between freePort and the
	// server's bind: then the server exits at once and we try new ports.
	for attempt := 1; ; attempt++ {
		if s := tryStartServer(t, bin, config, attempt == 3, env...); s != nil {
			return s
		}
	}
}

// fillPorts replaces the port placeholders of config with s's ports.
func (s *server) fillPorts(config string) string {
	return strings.NewReplacer("{RTMP}", fmt.Sprint(s.RTMP), "{HTTP}", fmt.Sprint(s.HTTP),
		"{API}", fmt.Sprint(s.API), "{EXPORTER}", fmt.Sprint(s.Exporter)).Replace(config)
}

func tryStartServer(t testing.TB, bin, config string, last bool, env ...string) *server {
	t.Helper()
	s := &server{t: t, bin: bin, RTMP: freePort(t), HTTP: freePort(t), API: freePort(t), Exporter: freePort(t), exited: make(chan struct{})}
	s.apiOn = strings.Contains(config, "http_api") && strings.Contains(config, "listen {API}")
	if m := apiAuthRE.FindStringSubmatch(config); m != nil {
		s.apiUser, s.apiPass = m[1], m[2]
	}
	config = s.fillPorts(config)
	dir := t.TempDir()
	file := filepath.Join(dir, "picosrs.conf")
	if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, "-c", file)
	s.cmd.Dir = dir
	s.cmd.Env = append(os.Environ(), env...)
	s.cmd.Stdout = logWriter{s}
	s.cmd.Stderr = logWriter{s}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		s.cmd.Wait()
		s.exitCode = s.cmd.ProcessState.ExitCode()
		close(s.exited)
	}()
	for _, port := range []int{s.RTMP, s.HTTP} {
		if port == s.HTTP && !strings.Contains(config, "http_server") {
			continue
		}
		if !listening(port, s.exited) {
			s.cmd.Process.Kill()
			<-s.exited
			if last || !strings.Contains(s.Log(), "address already in use") {
				t.Fatalf("server did not listen on %d:\n%s", port, s.Log())
			}
			return nil
		}
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.exited
		checkCrash(t, "server", s.Log())
		if t.Failed() {
			t.Logf("server log:\n%s", s.Log())
		}
	})
	return s
}

// apiAuthRE finds http_api's credentials in a test config.
var apiAuthRE = regexp.MustCompile(`username\s+(\S+);\s*password\s+(\S+);`)

// crashLine matches what a Go program prints when it crashes or the race
// detector fires: a panic, a fatal runtime error, a goroutine dump, a data
// race report, and net/http's report of a handler panic it recovered.
var crashLine = regexp.MustCompile(`^(panic: |fatal error: |goroutine \d+ \[|WARNING: DATA RACE)|http: panic serving`)

// crashes returns the lines of a program's output that show a crash or a
// data race, with the two lines after each (the panic value, the race's
// first frame).
func crashes(out string) []string {
	lines := strings.Split(out, "\n")
	var found []string
	for i, l := range lines {
		if crashLine.MatchString(l) {
			found = append(found, strings.Join(lines[i:min(i+3, len(lines))], "\n"))
		}
	}
	return found
}

// checkCrash fails the test when out (a server's log) shows a crash or a
// data race. Every server the tests start is checked when it ends.
func checkCrash(t testing.TB, what, out string) {
	t.Helper()
	if c := crashes(out); len(c) > 0 {
		t.Errorf("%s log shows %d crash or race report(s); the first:\n%s", what, len(c), c[0])
	}
}

// listening waits until port accepts, or the process exits (false).
func listening(port int, exited chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func waitPort(t testing.TB, port int, exited chan struct{}) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("server exited before listening on %d", port)
		default:
		}
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("port %d never accepted", port)
}

const baseConfig = `
listen {RTMP};
max_connections 1000;
daemon off;
srs_log_tank console;
http_server {
    enabled on;
    listen {HTTP};
    dir ./html;
}
vhost __defaultVhost__ {
    http_remux {
        enabled on;
        mount [vhost]/[app]/[stream].flv [vhost]/[app]/[stream].ts [vhost]/[app]/[stream].mp3 [vhost]/[app]/[stream].aac;
        fast_cache 5;
    }
    play {
        gop_cache on;
        mw_latency 100;
    }
    publish {
        normal_timeout 2000;
    }
}
`

func (s *server) rtmpURL(path string) string {
	return fmt.Sprintf("rtmp://127.0.0.1:%d/%s", s.RTMP, path)
}
func (s *server) httpURL(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d/%s", s.HTTP, path)
}

// publish starts ffmpeg publishing a fixture in real time (at speed times
// real time) and returns a function that stops it.
func publish(t testing.TB, fixture, url string, speed float64, loop bool) (stop func(), done chan error) {
	t.Helper()
	args := []string{"-hide_banner", "-loglevel", "error", "-nostdin"}
	if loop {
		args = append(args, "-stream_loop", "-1")
	}
	args = append(args, "-readrate", fmt.Sprint(speed), "-i", filepath.Join("testdata", fixture), "-c", "copy", "-f", "flv", url)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, testtool.Need(t, "ffmpeg"), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done = make(chan error, 1)
	go func() {
		err := cmd.Wait()
		if err != nil && ctx.Err() == nil {
			err = fmt.Errorf("%v: %s", err, stderr.String())
		}
		done <- err
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
			}
		})
	}
	t.Cleanup(stop)
	return stop, done
}

type probeResult struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
		Width     int    `json:"width"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
	} `json:"format"`
}

// avCodecs lists the audio and video codecs only.
func (p probeResult) avCodecs() []string {
	var out []string
	for _, s := range p.Streams {
		if s.CodecType == "audio" || s.CodecType == "video" {
			out = append(out, s.CodecName)
		}
	}
	return out
}

func (p probeResult) codecs() []string {
	var out []string
	for _, s := range p.Streams {
		out = append(out, s.CodecName)
	}
	return out
}

// ffprobe runs ffprobe on url and returns the streams and format it found.
func ffprobe(t testing.TB, url string, extra ...string) probeResult {
	t.Helper()
	args := append([]string{"-v", "error", "-rw_timeout", "15000000"}, extra...)
	args = append(args, "-show_streams", "-show_format", "-of", "json", url)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, testtool.Need(t, "ffprobe"), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", url, err, out)
	}
	var p probeResult
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", url, err, out)
	}
	return p
}

// decode plays url with ffmpeg for the given seconds and fails on any error
// (-xerror); it returns the number of frames ffmpeg reports.
func decode(t testing.TB, url string, seconds int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+30)*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, testtool.Need(t, "ffmpeg"), "-hide_banner", "-nostdin", "-v", "error", "-xerror", "-rw_timeout", "15000000",
		"-i", url, "-t", fmt.Sprint(seconds), "-f", "null", "-").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Fatalf("ffmpeg decode %s: %v\n%s", url, err, out)
	}
	return string(out)
}

// waitLive waits until the stream at path (e.g. "live/s.flv") serves bytes.
func (s *server) waitLive(t testing.TB, path string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.httpURL(path), nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var b [64]byte
			n, _ := io.ReadAtLeast(resp.Body, b[:], 13)
			resp.Body.Close()
			cancel()
			if n >= 13 {
				return
			}
		} else {
			cancel()
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never went live\n%s", path, s.Log())
}

func netDial(addr string) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, 200*time.Millisecond)
}

func httpGet(url string) (*http.Response, error) {
	resp, err := http.Get(url)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

// logged waits (briefly: the log reaches us through a pipe) until the server
// has logged substr at least n times, and reports whether it did.
func (s *server) logged(substr string, n int) bool {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if strings.Count(s.Log(), substr) >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// syncBuffer is a bytes.Buffer that a process's output can be written to
// while a test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
