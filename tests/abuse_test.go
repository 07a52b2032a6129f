package tests

// Hostile input against the real binary: every case runs on its own server,
// checks the server shrugs the attack off, then that a normal ffmpeg publish
// and ffprobe play still work and that open files, threads and memory are
// back near where they were before the attack.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	bin "encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// procStat is what /proc tells about the server process: picosrs has no
// pprof endpoint, so open files, OS threads and resident memory stand in for
// goroutines and heap.
type procStat struct {
	fds, threads, rssKB int
}

func (p procStat) String() string {
	return fmt.Sprintf("fds=%d threads=%d rss=%dKiB", p.fds, p.threads, p.rssKB)
}

func (s *server) stat(t testing.TB) procStat {
	t.Helper()
	pid := s.cmd.Process.Pid
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("no /proc for the server: %v", err)
	}
	st := procStat{fds: len(ents)}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("no /proc for the server: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.Atoi(f[0])
		switch k {
		case "Threads":
			st.threads = n
		case "VmRSS":
			st.rssKB = n
		}
	}
	return st
}

// Tolerances over the baseline once an attack is over: connections are all
// closed (a couple of fds of slack for the listeners' transient accepts);
// the Go runtime keeps threads it has started and returns freed memory to
// the OS lazily, so those get more room.
const (
	fdSlack      = 3
	threadSlack  = 24
	rssSlackKB   = 48 << 10
	settleWithin = 15 * time.Second
)

// settle waits until the server's open files are back to base (plus slack)
// and checks threads and memory.
func (s *server) settle(t testing.TB, base procStat) procStat {
	t.Helper()
	deadline := time.Now().Add(settleWithin)
	var now procStat
	for {
		now = s.stat(t)
		if now.fds <= base.fds+fdSlack || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if now.fds > base.fds+fdSlack {
		t.Errorf("open files did not return to baseline: %v, baseline %v", now, base)
	}
	if now.threads > base.threads+threadSlack {
		t.Errorf("threads grew: %v, baseline %v", now, base)
	}
	if now.rssKB > base.rssKB+rssSlackKB {
		t.Errorf("memory grew: %v, baseline %v", now, base)
	}
	t.Logf("after: %v (baseline %v)", now, base)
	return now
}

// healthy publishes a fixture with ffmpeg and plays it back with ffprobe over
// HTTP-FLV and RTMP, then stops the publisher.
func (s *server) healthy(t testing.TB, name string) {
	t.Helper()
	stop, _ := publish(t, "h264_aac.flv", s.rtmpURL("live/"+name), 1, true)
	defer stop()
	s.waitLive(t, "live/"+name+".flv")
	want := []string{"h264", "aac"}
	if got := ffprobe(t, s.httpURL("live/"+name+".flv")).codecs(); !sameSet(got, want) {
		t.Errorf("http-flv codecs after abuse: %v, want %v", got, want)
	}
	if got := ffprobe(t, s.rtmpURL("live/"+name)).avCodecs(); !sameSet(got, want) {
		t.Errorf("rtmp codecs after abuse: %v, want %v", got, want)
	}
}

// checkLog fails on a panic, a Go runtime error or an error-level line in
// the server's log, except lines containing one of the allowed strings.
func (s *server) checkLog(t testing.TB, allowed ...string) {
	t.Helper()
lines:
	for _, line := range strings.Split(s.Log(), "\n") {
		for _, a := range allowed {
			if strings.Contains(line, a) {
				continue lines
			}
		}
		for _, bad := range []string{"panic", "fatal error", "goroutine ", "level=ERROR", "DATA RACE"} {
			if strings.Contains(line, bad) {
				t.Errorf("server log has %q: %s", bad, line)
				return
			}
		}
	}
}

// abuseServer starts a server for one attack, warms it up with a normal
// publish and play, and returns it with its baseline.
func abuseServer(t *testing.T, config string) (*server, procStat) {
	t.Helper()
	s := startServer(t, config)
	s.healthy(t, "warmup")
	time.Sleep(200 * time.Millisecond)
	return s, s.stat(t)
}

// afterAbuse is what every attack ends with: a normal publish and play, the
// baseline, a clean log.
func afterAbuse(t *testing.T, s *server, base procStat) {
	t.Helper()
	s.healthy(t, "after")
	s.settle(t, base)
	s.checkLog(t)
}

func dial(t testing.TB, port int) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reads (and discards) from c until the server closes it; it
// returns what it read and an error if the connection is still open after d.
func closedWithin(c net.Conn, d time.Duration) ([]byte, error) {
	c.SetReadDeadline(time.Now().Add(d))
	var got bytes.Buffer
	_, err := io.Copy(&got, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return got.Bytes(), fmt.Errorf("still open after %v", d)
	}
	return got.Bytes(), nil // EOF or reset: closed
}

// stillOpen reports whether the server still holds c open (a read waits the
// whole d without EOF).
func stillOpen(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	var b [1]byte
	_, err := c.Read(b[:])
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// rtmpHandshaken is a raw connection to the RTMP port past the handshake.
func rtmpHandshaken(t testing.TB, port int) net.Conn {
	t.Helper()
	c := dial(t, port)
	c.SetDeadline(time.Now().Add(5 * time.Second))
	br := bufio.NewReader(c)
	if err := rtmp.ClientHandshake(br, c, false); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	c.SetDeadline(time.Time{})
	return c
}

// chunkHeader is a type-0 chunk header (RTMP spec 5.3.1): basic header for
// csid, then timestamp, message length, type and stream id.
func chunkHeader(csid uint32, length uint32, typ byte, streamID uint32) []byte {
	var b []byte
	switch {
	case csid < 64:
		b = append(b, byte(csid))
	case csid < 320:
		b = append(b, 0, byte(csid-64))
	default:
		b = append(b, 1, byte(csid-64), byte((csid-64)>>8))
	}
	b = append(b, 0, 0, 0, byte(length>>16), byte(length>>8), byte(length), typ)
	return bin.LittleEndian.AppendUint32(b, streamID)
}

// abuseConfig drops silent publishers after a second.
var abuseConfig = strings.Replace(baseConfig, "normal_timeout 2000;", "normal_timeout 1000;\n        firstpkt_timeout 1000;", 1)

// TestAbuse runs the quick attacks one after the other on one server; after
// each, a normal publish and play work and the server is back at its
// baseline.
func TestAbuse(t *testing.T) {
	t.Parallel()
	s, base := abuseServer(t, abuseConfig)
	for _, c := range []struct {
		name   string
		attack func(t *testing.T, s *server)
	}{
		{"RandomBytes", abuseRandomBytes},
		{"HugeMessage", abuseHugeMessage},
		{"ChunkStreamFlood", abuseChunkStreamFlood},
		{"HugeHeaders", abuseHugeHeaders},
		{"SilentPublisher", abuseSilentPublisher},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.attack(t, s)
			s.healthy(t, "after"+c.name)
			s.settle(t, base)
			s.checkLog(t)
		})
	}
}

// abuseRandomBytes: random bytes on the RTMP and HTTP ports, before and
// after a valid handshake, are answered by closing that connection only.
func abuseRandomBytes(t *testing.T, s *server) {
	for i := range 20 {
		// Pure noise on the RTMP port (a C0 that is not 3 most of the time;
		// when it is, the server waits for C1/C2 until we half-close).
		c := dial(t, s.RTMP)
		c.Write(randomBytes(1 + i*997))
		c.(*net.TCPConn).CloseWrite()
		if _, err := closedWithin(c, 12*time.Second); err != nil {
			t.Errorf("rtmp noise %d: %v", i, err)
		}
		c.Close()
		// A valid handshake, then noise as chunks.
		c = rtmpHandshaken(t, s.RTMP)
		c.Write(randomBytes(1 + i*3001))
		c.(*net.TCPConn).CloseWrite()
		if _, err := closedWithin(c, 5*time.Second); err != nil {
			t.Errorf("rtmp chunk noise %d: %v", i, err)
		}
		c.Close()
		// Noise as an HTTP request.
		c = dial(t, s.HTTP)
		c.Write(append(randomBytes(1+i*499), "\r\n\r\n"...))
		got, err := closedWithin(c, 5*time.Second)
		if err != nil {
			t.Errorf("http noise %d: %v", i, err)
		} else if len(got) > 0 && !bytes.HasPrefix(got, []byte("HTTP/1.1 400")) {
			t.Errorf("http noise %d: answered %q", i, firstLine(got))
		}
		c.Close()
	}
}

func firstLine(b []byte) string {
	l, _, _ := bytes.Cut(b, []byte("\r\n"))
	return string(l)
}

// abuseHugeMessage: chunk headers declaring a 16 MiB message, and three
// 8 MiB-1 messages at once, are refused before the server buffers them.
func abuseHugeMessage(t *testing.T, s *server) {
	for i := range 5 {
		c := rtmpHandshaken(t, s.RTMP)
		c.Write(chunkHeader(3, 0xffffff, 20, 0))
		c.Write(randomBytes(128))
		if _, err := closedWithin(c, 5*time.Second); err != nil {
			t.Errorf("16 MiB message %d: %v", i, err)
		}
		c.Close()
	}
	c := rtmpHandshaken(t, s.RTMP)
	for csid := uint32(3); csid < 6; csid++ {
		c.Write(chunkHeader(csid, 8<<20-1, 9, 1))
		c.Write(make([]byte, 128))
	}
	if _, err := closedWithin(c, 5*time.Second); err != nil {
		t.Errorf("3 x 8 MiB messages: %v", err)
	}
	c.Close()
}

// abuseChunkStreamFlood: a message started on each of thousands of chunk
// stream ids is refused past the server's chunk stream limit.
func abuseChunkStreamFlood(t *testing.T, s *server) {
	c := rtmpHandshaken(t, s.RTMP)
	go func() {
		w := bufio.NewWriter(c)
		for csid := uint32(3); csid < 65599; csid++ {
			w.Write(chunkHeader(csid, 1000, 20, 0))
			w.Write(make([]byte, 128)) // first chunk of 1000 bytes: the message stays open
		}
		w.Flush()
	}()
	if _, err := closedWithin(c, 5*time.Second); err != nil {
		t.Errorf("chunk stream flood: %v", err)
	}
	c.Close()
}

// abuseHugeHeaders: a request with 100 KB of headers is answered 431 (or the
// connection is closed); the server's header limit is 32 KiB.
func abuseHugeHeaders(t *testing.T, s *server) {
	for i := range 10 {
		c := dial(t, s.HTTP)
		go func() {
			fmt.Fprintf(c, "GET /live/big.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n")
			for range 100 {
				fmt.Fprintf(c, "X-Big-%d: %s\r\n", i, strings.Repeat("a", 1000))
			}
			c.Write([]byte("\r\n"))
		}()
		got, err := closedWithin(c, 5*time.Second)
		if err != nil {
			t.Errorf("100 KB headers %d: %v", i, err)
		} else if len(got) > 0 && !bytes.HasPrefix(got, []byte("HTTP/1.1 431")) {
			t.Errorf("100 KB headers %d: answered %q, want 431", i, firstLine(got))
		}
		c.Close()
	}
}

// abuseSilentPublisher: publishers that stop sending (normal_timeout
// 1000 ms) or never send (firstpkt_timeout 1000 ms) are dropped and logged,
// and the stream name is free again.
func abuseSilentPublisher(t *testing.T, s *server) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, sends := range []bool{true, false} {
		c, err := rtmp.Dial(ctx, s.rtmpURL("live/silent"), rtmp.DialConfig{})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Publish(ctx); err != nil {
			t.Fatal(err)
		}
		if sends {
			for i := range 5 {
				c.WriteTag(&flv.Tag{Type: flv.TagAudio, Timestamp: uint32(i * 23), Data: []byte{0xaf, 0x01, 0x21, 0x10, 0x04}})
			}
		}
		start := time.Now()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, err = c.ReadTag(); err != nil {
				break
			}
		}
		d := time.Since(start)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("silent publisher (sent tags: %v) still connected after %v", sends, d)
		}
		if d < 800*time.Millisecond || d > 3*time.Second {
			t.Errorf("silent publisher (sent tags: %v) dropped after %v, want about 1 s", sends, d)
		}
	}
	// The server logs just after it closes: allow it a moment.
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Count(s.Log(), "publisher sent nothing within the timeout") >= 2 {
			break
		}
	}
	if n := strings.Count(s.Log(), "publisher sent nothing within the timeout"); n != 2 {
		t.Errorf("dropped publishers logged %d times, want 2", n)
	}
	// The name is free again.
	s.healthy(t, "silent")
}

// TestAbuseMaxConnections: with max_connections 20 taken by idle clients,
// further RTMP connections are closed at once and HTTP requests get 503, at
// once; when the idle clients leave, service is normal again.
func TestAbuseMaxConnections(t *testing.T) {
	t.Parallel()
	s, base := abuseServer(t, strings.Replace(baseConfig, "max_connections 1000;", "max_connections 20;", 1))
	var idle []net.Conn
	for range 20 {
		idle = append(idle, dial(t, s.RTMP))
	}
	time.Sleep(300 * time.Millisecond) // let the server accept them all
	for i := range 10 {
		start := time.Now()
		c := dial(t, s.RTMP)
		if _, err := closedWithin(c, time.Second); err != nil {
			t.Errorf("rtmp connection %d over the limit: %v", 21+i, err)
		} else if d := time.Since(start); d > 500*time.Millisecond {
			t.Errorf("rtmp connection %d over the limit refused after %v", 21+i, d)
		}
		c.Close()
	}
	hc := &http.Client{Timeout: 2 * time.Second}
	for i := range 5 {
		resp, err := hc.Get(s.httpURL(fmt.Sprintf("live/full%d.flv", i)))
		if err != nil {
			t.Errorf("http request over the limit: %v", err)
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("http request over the limit: %s, want 503", resp.Status)
		}
	}
	hc.CloseIdleConnections()
	if !s.logged("max_connections", 1) {
		t.Error("refusals not logged")
	}
	for _, c := range idle {
		c.Close()
	}
	time.Sleep(200 * time.Millisecond)
	afterAbuse(t, s, base)
}

// TestAbuseStalls: peers that stall, all at once on one server, while a
// stream is published at 4x 2 Mbit/s and a normal viewer watches it:
//   - handshakes cut short (C0 alone, C0 and part of C1), closed after the
//     server's 10 s handshake timeout;
//   - HTTP requests dripped one byte a second, still open at 2 s, closed by
//     the 15 s ReadHeaderTimeout (SRS_HTTP_RECV_TIMEOUT; not configurable);
//   - an HTTP-FLV viewer that never reads (a 4 KiB receive buffer).
//
// The normal viewer must get data every second and a normal publish and
// play must work meanwhile. The stalled viewer is closed by its write
// deadline, live.Config.WriteTimeout (30 s, not configurable), so the
// test waits for that only under PICOSRS_SOAK=1; otherwise it hangs up.
func TestAbuseStalls(t *testing.T) {
	t.Parallel()
	s, base := abuseServer(t, baseConfig)
	start := time.Now()

	var handshakes []net.Conn
	for i := range 10 {
		c := dial(t, s.RTMP)
		c.Write([]byte{3})
		if i%2 == 1 {
			c.Write(randomBytes(100 * i)) // part of C1
		}
		handshakes = append(handshakes, c)
	}

	req := []byte("GET /live/drip.flv HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: " + strings.Repeat("x", 64) + "\r\n\r\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var drips []net.Conn
	for range 10 {
		c := dial(t, s.HTTP)
		drips = append(drips, c)
		go func() {
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for _, b := range req {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				select {
				case <-tick.C:
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	stop, pubDone := publish(t, "h264_aac_720p_2mbps.flv", s.rtmpURL("live/big"), 4, true)
	defer stop()
	s.waitLive(t, "live/big.flv")

	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	stalled, err := d.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.HTTP))
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	fmt.Fprintf(stalled, "GET /live/big.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	stalledAt := time.Now()

	// The normal viewer counts bytes per second.
	resp, err := http.Get(s.httpURL("live/big.flv"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	counts := make(chan int, 64)
	go func() {
		defer close(counts)
		buf := make([]byte, 64<<10)
		n := 0
		last := time.Now()
		for {
			m, err := resp.Body.Read(buf)
			n += m
			if time.Since(last) >= time.Second {
				counts <- n
				n, last = 0, last.Add(time.Second)
			}
			if err != nil {
				return
			}
		}
	}()

	time.Sleep(2*time.Second - time.Since(start))
	for i, c := range drips {
		if !stillOpen(c, 10*time.Millisecond) {
			t.Errorf("drip %d closed before the header timeout", i)
		}
	}
	s.healthy(t, "during")
	// About 1 MB/s: the normal viewer sees data every second while the
	// stalled one fills its buffers and blocks its writer.
	for i := range 6 {
		select {
		case n, ok := <-counts:
			if !ok {
				t.Fatalf("normal viewer ended after %d s", i)
			}
			if n == 0 {
				t.Errorf("normal viewer got nothing in second %d", i)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("normal viewer stuck in second %d", i)
		}
	}
	select {
	case err := <-pubDone:
		t.Fatalf("publisher stopped: %v", err)
	default:
	}

	for i, c := range handshakes {
		if _, err := closedWithin(c, 15*time.Second-time.Since(start)); err != nil {
			t.Errorf("cut-short handshake %d: %v", i, err)
		}
	}
	t.Logf("cut-short handshakes closed by %v", time.Since(start).Round(100*time.Millisecond))
	for i, c := range drips {
		if _, err := closedWithin(c, 20*time.Second-time.Since(start)); err != nil {
			t.Errorf("drip %d: %v", i, err)
		}
	}
	t.Logf("dripping clients closed by %v", time.Since(start).Round(100*time.Millisecond))
	cancel()

	if soakEnabled() {
		// Wait without reading (a read would open the window). Once the
		// server has closed, our writes fail with a reset.
		closed := false
		for !closed && time.Since(stalledAt) < 50*time.Second {
			time.Sleep(500 * time.Millisecond)
			stalled.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
			if _, err := stalled.Write([]byte("\r\n")); err != nil {
				var ne net.Error
				closed = !errors.As(err, &ne) || !ne.Timeout()
			}
		}
		if !closed {
			t.Errorf("stalled viewer still connected after %v", time.Since(stalledAt))
		} else {
			t.Logf("stalled viewer closed after %v", time.Since(stalledAt).Round(100*time.Millisecond))
		}
	}
	select {
	case n, ok := <-counts:
		if ok && n == 0 {
			t.Error("normal viewer starved at the end")
		}
	case <-time.After(3 * time.Second):
		t.Error("normal viewer stuck at the end")
	}
	resp.Body.Close()
	stalled.Close()
	stop()
	afterAbuse(t, s, base)
}

// securityConfig has one vhost per rule set.
const securityConfig = `
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
    security {
        enabled on;
        deny publish 127.0.0.1;
        allow play all;
    }
}
vhost noplay.example {
    http_remux {
        enabled on;
        mount [vhost]/[app]/[stream].flv;
    }
    security {
        enabled on;
        allow publish 127.0.0.0/8;
        allow play all;
        deny play 127.0.0.1;
    }
}
vhost open.example {
    http_remux {
        enabled on;
        mount [vhost]/[app]/[stream].flv;
    }
    security {
        enabled on;
        allow publish all;
        allow play 127.0.0.1;
        deny publish 10.0.0.0/8;
    }
}
`

// TestSecurityRules: SRS's security block is enforced for RTMP publish, RTMP
// play and HTTP play, deny winning over allow.
func TestSecurityRules(t *testing.T) {
	t.Parallel()
	s := startServer(t, securityConfig)

	// __defaultVhost__: deny publish 127.0.0.1.
	_, done := publish(t, "aac_only.flv", s.rtmpURL("live/denied"), 1, true)
	select {
	case err := <-done:
		if err == nil {
			t.Error("denied publisher exited cleanly")
		}
	case <-time.After(10 * time.Second):
		t.Error("publisher from a denied address was not refused")
	}

	// open.example: publish and play from 127.0.0.1 allowed.
	publish(t, "aac_only.flv", s.rtmpURL("live?vhost=open.example/ok"), 1, true)
	s.waitLive(t, "live/ok.flv?vhost=open.example")
	if p := ffprobe(t, s.rtmpURL("live?vhost=open.example/ok")); !sameSet(p.avCodecs(), []string{"aac"}) {
		t.Errorf("allowed rtmp play: %v", p.avCodecs())
	}

	// noplay.example: publish allowed by CIDR, play denied to 127.0.0.1
	// over HTTP (403) and RTMP.
	publish(t, "aac_only.flv", s.rtmpURL("live?vhost=noplay.example/np"), 1, true)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.Log(), "stream=noplay.example/live/np") {
		if time.Now().After(deadline) {
			t.Fatal("publisher on noplay.example never started")
		}
		time.Sleep(50 * time.Millisecond)
	}
	resp, err := (&http.Client{Timeout: 3 * time.Second}).Get(s.httpURL("live/np.flv?vhost=noplay.example"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("denied http play: %s, want 403", resp.Status)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if c, err := rtmp.Dial(ctx, s.rtmpURL("live/np?vhost=noplay.example"), rtmp.DialConfig{}); err != nil {
		t.Errorf("dial: %v", err)
	} else {
		defer c.Close()
		if err := c.Play(ctx); err == nil {
			t.Error("denied rtmp play was accepted")
		}
	}
	// The server's log reaches us through a pipe: give it a moment.
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if strings.Count(s.Log(), "rtmp refused by the vhost's security rules") >= 2 && strings.Contains(s.Log(), "http play refused") {
			break
		}
	}
	log := s.Log()
	if n := strings.Count(log, "rtmp refused by the vhost's security rules"); n < 2 {
		t.Errorf("%d rtmp refusals logged, want 2 (publish and play)", n)
	}
	if !strings.Contains(log, "http play refused by the vhost's security rules") {
		t.Error("http refusal not logged")
	}
	s.checkLog(t)
}
