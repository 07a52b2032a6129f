package tests

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestSoakHostile (make soak): the attacks of hostile_test.go, each in a
// loop, beside the publisher and viewer churn of TestSoak and one steady
// stream with a viewer, for PICOSRS_SOAK_SECONDS. Through it all the steady
// viewer's media keeps flowing (flowGap) and the server's peak RSS stays
// within 64 MiB of its baseline; at the end a normal publish and play work
// and open files, threads, goroutines and memory are back within the
// bounds below.
func TestSoakHostile(t *testing.T) {
	if !soakEnabled() {
		t.Skip("the hostile mix runs under PICOSRS_SOAK=1 (make soak)")
	}
	t.Parallel()
	d := soakDuration(t)
	// hostileConfig with every format the churn plays and room for the
	// churn beside the attacks.
	s, base, dir := hostileServerWith(t, func(c string) string {
		c = strings.Replace(c, "max_connections 60;", "max_connections 200;", 1)
		return strings.Replace(c, "mount [vhost]/[app]/[stream].flv;",
			"mount [vhost]/[app]/[stream].flv [vhost]/[app]/[stream].ts [vhost]/[app]/[stream].mp3 [vhost]/[app]/[stream].aac;\n        fast_cache 5;", 1)
	})
	if f, err := os.Create(filepath.Join(dir, "big.bin")); err == nil {
		f.Truncate(32 << 20)
		f.Close()
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	mw := s.watchMemory(t, memCeilingKB)

	stopSteady, _ := publish(t, "h264_aac.flv", s.rtmpURL("live/steady"), 1, true)
	s.waitLive(t, "live/steady.flv")
	v := watchFlow(t, s.httpURL("live/steady.flv"), flowGap)

	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	runs := map[string]*atomic.Int64{}
	for _, a := range hostileMix(s) {
		n := &atomic.Int64{}
		runs[a.name] = n
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				a.run(ctx)
				n.Add(1)
				select {
				case <-ctx.Done():
				case <-time.After(500 * time.Millisecond):
				}
			}
		}()
	}
	c := soakChurn(ctx, t, s)
	wg.Wait()
	var counts []string
	for name, n := range runs {
		counts = append(counts, fmt.Sprintf("%s %d", name, n.Load()))
	}
	t.Logf("hostile soak %v: %s; attacks: %s", d, c, strings.Join(counts, ", "))
	// Peak: the churn (TestSoak: 12 MiB), a metadata bomb's 24 MiB and a
	// connect bomb's 6 MiB (their bounds in hostile_test.go) and the
	// buffers of a hundred attacking connections: 64 MiB, a quarter of a
	// 256 MB box, and far below what any amplification did (GBs, 560 MB).
	mw.check(t, base, 64<<10, "hostile mix")
	mw.stop()
	v.check(t, "the steady viewer through the hostile mix")
	if c.viewBytes.Load() == 0 {
		t.Error("the churn's viewers got nothing")
	}
	v.stop()
	stopSteady()
	// After: the Go runtime keeps up to twice the largest live heap until
	// its next collection (every 2 minutes when idle).
	b := baseBounds
	b.rssKB, b.why = 32<<10, "twice the mix's live heap, kept by the heap goal"
	afterAbuse(t, s, base, b)
}

// hostileAttack is one round of an attack for the soak's hostile mix.
type hostileAttack struct {
	name string
	run  func(ctx context.Context)
}

// hostileMix is every attack of hostile_test.go as a round that cleans up
// after itself (the soak's limits are the server's, not the attacker's).
func hostileMix(s *server) []hostileAttack {
	wait := func(ctx context.Context, d time.Duration) {
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
	var seq atomic.Int64
	return []hostileAttack{
		{"amf0-bomb", func(ctx context.Context) {
			r, err := dialRawRTMP(s.RTMP, 0)
			if err != nil {
				return
			}
			defer r.Close()
			r.setChunkSize(8 << 20)
			r.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			r.write(3, 20, 0, connectBomb(33, 4<<20))
			watchClose(r.c, time.Now()).closedBy(time.Now().Add(5 * time.Second))
		}},
		{"metadata-bomb", func(ctx context.Context) {
			r, err := quickPublish(s, fmt.Sprintf("meta%d", seq.Add(1)))
			if err != nil {
				return
			}
			defer r.Close()
			r.setChunkSize(2 << 20)
			r.write(4, 18, 1, metadataBomb(33, 1<<20))
			s.apiGetAuth("/api/v1/streams")
		}},
		{"static-non-readers", func(ctx context.Context) {
			var cs []net.Conn
			for range 10 {
				if c, err := httpNonReader(s.HTTP, "/big.bin"); err == nil {
					cs = append(cs, c)
				}
			}
			wait(ctx, hostileWriteTimeout+hostileMargin)
			closeAll(cs)
		}},
		{"idle-flood", func(ctx context.Context) {
			var cs []net.Conn
			for range 5 {
				if c, _, err := keepAliveIdler(s.API, "/api/v1/versions", s.apiUser, s.apiPass); err == nil {
					cs = append(cs, c)
				}
			}
			for _, port := range []int{s.HTTP, s.API, s.Exporter} {
				for range 12 {
					if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
						cs = append(cs, c)
					}
				}
			}
			wait(ctx, 2*time.Second)
			closeAll(cs)
		}},
		{"rtmp-non-readers", func(ctx context.Context) {
			stop := make(chan struct{})
			var cs []net.Conn
			for range 5 {
				if c, err := rtmpNonReader(s.RTMP, stop); err == nil {
					cs = append(cs, c)
				}
			}
			wait(ctx, hostileWriteTimeout+hostileMargin)
			close(stop)
			closeAll(cs)
		}},
		{"ack-window-publisher", func(ctx context.Context) {
			stop := make(chan struct{})
			c, err := ackWindowPublisher(s.RTMP, fmt.Sprintf("ack%d", seq.Add(1)), stop)
			if err == nil {
				wait(ctx, 5*time.Second+hostileMargin)
				c.Close()
			}
			close(stop)
		}},
		{"fifo", func(ctx context.Context) {
			if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.HTTP), time.Second); err == nil {
				fmt.Fprintf(c, "GET /pipe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
				closedWithin(c, 2*time.Second)
				c.Close()
			}
		}},
		{"api-paging", func(ctx context.Context) {
			s.apiGetAuth("/api/v1/clients?start=1&count=9223372036854775807")
			s.apiGetAuth("/api/v1/streams?start=1&count=9223372036854775807")
		}},
		{"http-on-rtmp", func(ctx context.Context) {
			if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.RTMP), time.Second); err == nil {
				fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
				closedWithin(c, 2*time.Second)
				c.Close()
			}
		}},
		{"huge-names", func(ctx context.Context) {
			if r, err := dialRawRTMP(s.RTMP, 0); err == nil {
				r.connect(strings.Repeat("n", 1<<20), fmt.Sprintf("rtmp://127.0.0.1:%d/live", s.RTMP))
				r.Close()
			}
		}},
	}
}
