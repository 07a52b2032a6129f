package tests

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var soakFlag = flag.Bool("soak", false, "run the long soak and stall tests (also PICOSRS_SOAK=1)")

// soakEnabled reports whether the long-running checks were asked for.
func soakEnabled() bool { return *soakFlag || os.Getenv("PICOSRS_SOAK") == "1" }

// soakDuration is how long TestSoak churns: PICOSRS_SOAK_SECONDS (default 120)
// under PICOSRS_SOAK=1 or -soak, else a short 15 s run.
func soakDuration(t testing.TB) time.Duration {
	if !soakEnabled() {
		return 15 * time.Second
	}
	if v := os.Getenv("PICOSRS_SOAK_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			t.Fatalf("PICOSRS_SOAK_SECONDS=%q: want a positive number of seconds", v)
		}
		return time.Duration(n) * time.Second
	}
	return 120 * time.Second
}

// TestSoak: several streams are published and unpublished over and over
// while viewers of every format come and go; at the end the server's open
// files and memory are back near the baseline and its log has no error or
// panic.
func TestSoak(t *testing.T) {
	t.Parallel()
	d := soakDuration(t)
	s, base := abuseServer(t, baseConfig+abuseAPI)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	c := soakChurn(ctx, t, s)
	t.Logf("soak %v: %s", d, c)
	if c.viewBytes.Load() == 0 {
		t.Error("viewers got nothing")
	}
	// Memory: while it runs, each of the three streams keeps its ring (the
	// 5 s fast cache and the 2 s GOP at about 1 Mbit/s: under 1 MB) and its
	// viewers their buffers, about 5 MiB live at the peak. They are gone at
	// the end, but the Go runtime lets the heap reach twice the live heap
	// before collecting (GOGC 100) and returns freed memory only after the
	// next collection, which an idle server runs every 2 minutes: RSS may
	// stay near twice that peak, 10 MiB, and 2 MiB more covers the final
	// publish/play cycles.
	b := baseBounds
	b.rssKB, b.why = 12<<10, "twice the churn's live heap, kept by the heap goal"
	afterAbuse(t, s, base, b)
}

// churn counts what soakChurn did.
type churn struct {
	publishes, views, viewBytes atomic.Int64
}

func (c *churn) String() string {
	return fmt.Sprintf("%d publishes, %d views, %d bytes viewed", c.publishes.Load(), c.views.Load(), c.viewBytes.Load())
}

// soakChurn publishes and unpublishes three streams over and over while two
// viewers per stream, of every format the stream has, come and go, until
// ctx ends; it returns when every publisher and viewer has stopped.
func soakChurn(ctx context.Context, t *testing.T, s *server) *churn {
	fixtures := []string{"h264_aac.flv", "h264_mp3.flv", "aac_only.flv"}
	exts := map[string][]string{
		"h264_aac.flv": {".flv", ".ts", ".aac"},
		"h264_mp3.flv": {".flv", ".ts", ".mp3"},
		"aac_only.flv": {".flv", ".aac"},
	}
	c := &churn{}
	var wg sync.WaitGroup
	for i, fx := range fixtures {
		name := fmt.Sprintf("live/soak%d", i)
		// Publisher churn: publish for 2-6 s, pause up to 1 s, again.
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				stop, _ := publish(t, fx, s.rtmpURL(name), 2, true)
				c.publishes.Add(1)
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(2000+rand.IntN(4000)) * time.Millisecond):
				}
				stop()
				select {
				case <-ctx.Done():
				case <-time.After(time.Duration(rand.IntN(1000)) * time.Millisecond):
				}
			}
		}()
		// Viewer churn: two HTTP viewers per stream, each staying 0.2-3 s.
		for v := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for ctx.Err() == nil {
					ext := exts[fx][(v+rand.IntN(3))%len(exts[fx])]
					vctx, vcancel := context.WithTimeout(ctx, time.Duration(200+rand.IntN(2800))*time.Millisecond)
					req, _ := http.NewRequestWithContext(vctx, http.MethodGet, s.httpURL(name+ext), nil)
					if resp, err := http.DefaultClient.Do(req); err == nil {
						n, _ := io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						c.viewBytes.Add(n)
						c.views.Add(1)
					}
					vcancel()
				}
			}()
		}
	}
	wg.Wait()
	http.DefaultClient.CloseIdleConnections()
	return c
}
