// Package browser drives a headless Chromium for the end-to-end tests of
// what browsers play (the player page over HTTP-FLV, HTTP-TS, WS-FLV,
// WS-TS, HTTPS/WSS; hls.js later): it starts Chromium with a fresh profile
// and remote debugging on a loopback port, opens pages, evaluates
// JavaScript in them (awaiting promises) and takes screenshots, over the
// Chrome DevTools Protocol spoken through internal/websocket's client. No
// driver package, no download: the browser is the system's (Debian's
// chromium, installed by `make deps`).
//
// Usage:
//
//	b, err := browser.Launch(ctx, browser.Options{Args: []string{"--ignore-certificate-errors"}})
//	defer b.Close()
//	p, err := b.NewPage(ctx, "http://127.0.0.1:8080/players/?stream=...")
//	var frames int
//	err = p.Eval(ctx, "video.getVideoPlaybackQuality().totalVideoFrames", &frames)
//	png, err := p.Screenshot(ctx)
//
// It sits beside the tests, under internal/ so that only picosrs's own tests
// and tools use it.
package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"time"
)

// ErrNotFound: no Chromium on this machine.
var ErrNotFound = errors.New("browser: no chromium found (apt-get install chromium)")

// Find returns the path of a Chromium or Chrome binary: $CHROMIUM when set,
// else the first of chromium, chromium-browser, google-chrome on $PATH.
func Find() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, nil
	}
	for _, n := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", ErrNotFound
}

// Options configure Launch.
type Options struct {
	Path string   // the binary; "" means Find
	Args []string // more flags (e.g. --ignore-certificate-errors)
	// Width and Height of the window, default 1280x800.
	Width, Height int
}

// Browser is a running headless Chromium.
type Browser struct {
	cmd      *exec.Cmd
	dir      string // the throwaway profile
	http     string // host:port of the DevTools HTTP endpoint
	done     chan struct{}
	stderrMu sync.Mutex
	stderr   []string // Chromium's last lines, for errors
}

// devtoolsLine is what Chromium prints once it listens for DevTools.
var devtoolsLine = regexp.MustCompile(`DevTools listening on ws://([^/\s]+)/`)

// Launch starts Chromium headless with a new empty profile, no background
// networking (this machine's network is closed: Chromium's own
// connections would fail at every start) and autoplay allowed.
func Launch(ctx context.Context, o Options) (*Browser, error) {
	path := o.Path
	if path == "" {
		var err error
		if path, err = Find(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "picosrs-chromium")
	if err != nil {
		return nil, err
	}
	w, h := o.Width, o.Height
	if w == 0 || h == 0 {
		w, h = 1280, 800
	}
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions", "--mute-audio",
		"--autoplay-policy=no-user-gesture-required",
		"--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir=" + dir, fmt.Sprintf("--window-size=%d,%d", w, h),
	}
	args = append(args, o.Args...)
	args = append(args, "about:blank")
	b := &Browser{dir: dir, done: make(chan struct{})}
	b.cmd = exec.Command(path, args...)
	stderr, err := b.cmd.StderrPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := b.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("browser: start %s: %w", path, err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			b.stderrMu.Lock()
			b.stderr = append(b.stderr, line)
			if len(b.stderr) > 50 {
				b.stderr = b.stderr[1:]
			}
			b.stderrMu.Unlock()
			if m := devtoolsLine.FindStringSubmatch(line); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
	}()
	go func() { b.cmd.Wait(); close(b.done) }()
	select {
	case b.http = <-found:
		return b, nil
	case <-b.done:
		err = fmt.Errorf("browser: %s exited at start: %s", path, b.lastLines())
	case <-time.After(30 * time.Second):
		err = fmt.Errorf("browser: %s did not open DevTools within 30 s: %s", path, b.lastLines())
	case <-ctx.Done():
		err = ctx.Err()
	}
	b.Close()
	return nil, err
}

func (b *Browser) lastLines() string {
	b.stderrMu.Lock()
	defer b.stderrMu.Unlock()
	return strings.Join(b.stderr, "\n")
}

// Close stops Chromium and removes its profile.
func (b *Browser) Close() error {
	if b.cmd.Process != nil {
		b.cmd.Process.Kill()
		<-b.done
	}
	return os.RemoveAll(b.dir)
}

// NewPage opens a new tab on rawurl and returns it once its document has
// loaded.
func (b *Browser) NewPage(ctx context.Context, rawurl string) (*Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://"+b.http+"/json/new?"+url.QueryEscape(rawurl), nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("browser: new page: %w", err)
	}
	defer resp.Body.Close()
	var target struct {
		ID  string `json:"id"`
		WS  string `json:"webSocketDebuggerUrl"`
		URL string `json:"url"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&target); err != nil || target.WS == "" {
		return nil, fmt.Errorf("browser: new page: %s: %v", resp.Status, err)
	}
	p, err := dialPage(ctx, target.WS)
	if err != nil {
		return nil, err
	}
	p.id, p.browser = target.ID, b
	if err := p.Call(ctx, "Runtime.enable", nil, nil); err != nil {
		p.Close()
		return nil, err
	}
	if err := p.WaitLoaded(ctx); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}
