package tests

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// reloadConfigA serves .flv only, on the default vhost alone.
const reloadConfigA = `
listen {RTMP};
max_connections 1000;
daemon off;
srs_log_tank console;
http_server {
    enabled on;
    listen {HTTP};
}
vhost __defaultVhost__ {
    http_remux {
        enabled on;
        mount [vhost]/[app]/[stream].flv;
    }
    play {
        mw_latency 100;
    }
}
`

// reloadConfigB adds a .ts mount to the default vhost and a new vhost.
const reloadConfigB = `
listen {RTMP};
max_connections 1000;
daemon off;
srs_log_tank console;
http_server {
    enabled on;
    listen {HTTP};
}
vhost __defaultVhost__ {
    http_remux {
        enabled on;
        mount [vhost]/[app]/[stream].flv [vhost]/[app]/[stream].ts;
    }
    play {
        mw_latency 100;
    }
}
vhost new.example {
    http_remux {
        enabled on;
        mount [vhost]/[app]/[stream].flv;
    }
}
`

// configFile is the file the server was started with.
func (s *server) configFile() string { return s.cmd.Args[len(s.cmd.Args)-1] }

// rewrite replaces the server's configuration file with config (ports
// substituted as startServer does).
func (s *server) rewrite(t testing.TB, config string) {
	t.Helper()
	config = s.fillPorts(config)
	if err := os.WriteFile(s.configFile(), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
}

// hup sends SIGHUP to the server and waits until the log shows want once
// more than before.
func (s *server) hup(t testing.TB, want string) {
	t.Helper()
	n := strings.Count(s.Log(), want)
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(s.Log(), want) == n {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log after SIGHUP:\n%s", want, s.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReload: SIGHUP with a new mount and a new vhost takes effect while the
// viewer of an unaffected stream keeps receiving; an invalid file is refused
// with its file:line and the running configuration stays.
func TestReload(t *testing.T) {
	t.Parallel()
	s := startServer(t, reloadConfigA)
	publish(t, "h264_aac.flv", s.rtmpURL("live/keep"), 1, true)
	s.waitLive(t, "live/keep.flv")
	v := watchFlow(t, s.httpURL("live/keep.flv"), flowGap)

	get := func(path string) int {
		c := &http.Client{Timeout: 3 * time.Second}
		req, _ := http.NewRequest(http.MethodHead, s.httpURL(path), nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("HEAD %s: %v", path, err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get("live/keep.ts"); code != http.StatusNotFound {
		t.Fatalf(".ts before reload: %d, want 404", code)
	}

	s.rewrite(t, reloadConfigB)
	s.hup(t, "reload done")
	v.advance(t, 1500*time.Millisecond, "across the reload")

	// The new mount, on a stream published after the reload. (A stream
	// that was already running keeps the muxers it started with: its TS
	// muxer is only made when the vhost had a .ts mount at publish time.)
	publish(t, "h264_aac.flv", s.rtmpURL("live/fresh"), 1, true)
	s.waitLive(t, "live/fresh.flv")
	if p := ffprobe(t, s.httpURL("live/fresh.ts")); !sameSet(p.codecs(), []string{"h264", "aac"}) || p.Format.FormatName != "mpegts" {
		t.Errorf(".ts after reload: %v %s", p.codecs(), p.Format.FormatName)
	}
	// The new vhost: its own stream, not the default vhost's.
	publish(t, "aac_only.flv", s.rtmpURL("live?vhost=new.example/n"), 1, true)
	s.waitLive(t, "live/n.flv?vhost=new.example")
	if p := ffprobe(t, s.httpURL("live/n.flv?vhost=new.example")); !sameSet(p.codecs(), []string{"aac"}) {
		t.Errorf("new vhost: %v, want aac", p.codecs())
	}
	v.check(t, "after the reload")

	// An invalid file: an extra closing brace on its last line.
	bad := reloadConfigB + "}\n"
	line := strings.Count(bad, "\n")
	s.rewrite(t, bad)
	s.hup(t, "reload refused")
	want := fmt.Sprintf("picosrs.conf:%d", line)
	if log := s.Log(); !strings.Contains(log, want) {
		t.Errorf("reload refusal does not name %s:\n%s", want, log[strings.LastIndex(log, "reload refused"):])
	}
	v.advance(t, 1500*time.Millisecond, "after the refused reload")
	if p := ffprobe(t, s.httpURL("live/fresh.ts")); !sameSet(p.codecs(), []string{"h264", "aac"}) {
		t.Errorf(".ts after a refused reload: %v", p.codecs())
	}
	if p := ffprobe(t, s.httpURL("live/n.flv?vhost=new.example")); !sameSet(p.codecs(), []string{"aac"}) {
		t.Errorf("new vhost after a refused reload: %v", p.codecs())
	}
	v.check(t, "after the refused reload")
	s.checkLog(t, "reload refused")
}

// TestShutdownSignals: SIGTERM and SIGINT stop the server: the HTTP-FLV
// viewer's response ends cleanly (the terminating chunk, so a clean EOF), the
// RTMP port stops accepting, and the process exits 0 within a few seconds.
func TestShutdownSignals(t *testing.T) {
	t.Parallel()
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			t.Parallel()
			s := startServer(t, baseConfig)
			publish(t, "h264_aac.flv", s.rtmpURL("live/bye"), 1, true)
			s.waitLive(t, "live/bye.flv")
			v := watchFlow(t, s.httpURL("live/bye.flv"), flowGap)
			v.advance(t, 1500*time.Millisecond, "before the signal")

			start := time.Now()
			if err := s.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			select {
			case <-s.exited:
			case <-time.After(5 * time.Second):
				t.Fatalf("still running 5 s after %v", sig)
			}
			t.Logf("exited %v after %v", sig, time.Since(start).Round(10*time.Millisecond))
			if s.exitCode != 0 {
				t.Errorf("exit code %d after %v, want 0", s.exitCode, sig)
			}
			if err := v.wait(5 * time.Second); err == nil {
				t.Errorf("viewer still connected after the server exited")
			} else if !errors.Is(err, io.EOF) {
				// live.Server.Shutdown closes every tracked connection at
				// once, racing the pump's terminating chunk (httpSink.end).
				t.Errorf("viewer ended with %v, want a clean EOF (terminating chunk)", err)
			}
			if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.RTMP), time.Second); err == nil {
				c.Close()
				t.Error("RTMP port still accepts after exit")
			}
			if !strings.Contains(s.Log(), "shutting down") {
				t.Error("shutdown not logged")
			}
			s.checkLog(t)
		})
	}
}
