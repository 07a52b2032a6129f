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
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// bounds is how far above its baseline a server may stay once an attack is
// over and every attacking connection is gone. The server is the plain
// (non-race) build, so RSS is the server's own: the race detector alone
// adds about 18 MiB to an idle server and 2-4 MiB per publish/play cycle
// (measured: 26 MiB idle against 7.6 MiB, 32 MiB against 9.2 MiB after three
// cycles), which would swamp what these bounds look for.
type bounds struct {
	fds        int // open files: every attacking connection closed; 2 for our own /proc and API probes in flight
	threads    int // OS threads: the Go runtime keeps the threads it started (blocking syscalls, GC workers) and never exits them
	goroutines int // with an API: the ones serving our probe, the sampler, a viewer's writer parked for a moment
	rssKB      int // resident memory, per test: see each test
	why        string
}

// baseBounds are the fd, thread and goroutine bounds every attack shares;
// each test sets rssKB and says why.
var baseBounds = bounds{fds: 2, threads: 8, goroutines: 6}

// memCeilingKB is where a memory watch kills the server: far above any
// bound here, low enough that an attack that would take gigabytes cannot
// hurt the machine the tests share.
const memCeilingKB = 1 << 20

// settleWithin is how long a server has to get back within its bounds once
// an attack is over: HTTP viewers get the 5 s grace of a republish, and the
// Go runtime returns freed memory to the OS in the background (the
// scavenger), not at once.
const settleWithin = 20 * time.Second

// settle waits until the server's open files, threads, goroutines and
// memory are back within b of base, and fails the test for each one that
// is not by settleWithin.
func (s *server) settle(t testing.TB, base procStat, b bounds) procStat {
	t.Helper()
	if s.race() {
		t.Fatal("settle bounds memory: start the server with startPlainServer")
	}
	over := func(now procStat) []string {
		var o []string
		if now.fds > base.fds+b.fds {
			o = append(o, fmt.Sprintf("open files %d > %d+%d", now.fds, base.fds, b.fds))
		}
		if now.threads > base.threads+b.threads {
			o = append(o, fmt.Sprintf("threads %d > %d+%d", now.threads, base.threads, b.threads))
		}
		if base.goroutines >= 0 && now.goroutines > base.goroutines+b.goroutines {
			o = append(o, fmt.Sprintf("goroutines %d > %d+%d", now.goroutines, base.goroutines, b.goroutines))
		}
		if now.rssKB > base.rssKB+b.rssKB {
			o = append(o, fmt.Sprintf("RSS %d KiB > %d+%d KiB (%s)", now.rssKB, base.rssKB, b.rssKB, b.why))
		}
		return o
	}
	deadline := time.Now().Add(settleWithin)
	for {
		now := s.stat(t)
		o := over(now)
		if len(o) == 0 {
			t.Logf("after: %v (baseline %v)", now, base)
			return now
		}
		if time.Now().After(deadline) {
			t.Errorf("not back to baseline %v within %v: %s", base, settleWithin, strings.Join(o, "; "))
			return now
		}
		time.Sleep(200 * time.Millisecond)
	}
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

// abuseAPI gives an attacked server an API on its own port, for its
// goroutine count.
const abuseAPI = `
http_api {
    enabled on;
    listen {API};
}
`

// abuseServer starts a server (the plain build: its memory is measured) for
// one attack, warms it up with a normal publish and play, waits until every
// warm-up connection is gone and returns it with its baseline.
func abuseServer(t *testing.T, config string) (*server, procStat) {
	t.Helper()
	s := startPlainServer(t, config)
	if s.apiOn {
		waitPort(t, s.API, s.exited)
	}
	s.healthy(t, "warmup")
	s.waitConns(t, 0, 10*time.Second, "after the warm-up")
	return s, s.stat(t)
}

// afterAbuse is what every attack ends with: a normal publish and play, the
// baseline within b, a clean log.
func afterAbuse(t *testing.T, s *server, base procStat, b bounds) {
	t.Helper()
	s.healthy(t, "after")
	s.settle(t, base, b)
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
var abuseConfig = strings.Replace(baseConfig, "normal_timeout 2000;", "normal_timeout 1000;\n        firstpkt_timeout 1000;", 1) + abuseAPI

// TestAbuse runs the quick attacks one after the other on one server; after
// each, a normal publish and play work and the server is back at its
// baseline.
func TestAbuse(t *testing.T) {
	t.Parallel()
	s, base := abuseServer(t, abuseConfig)
	// Memory, during each attack: before it has connected, a client may make
	// the server hold its handshake buffers (3 KiB), a read buffer and one
	// small request-phase message; the attacks here come one connection at
	// a time (HugeMessage's three messages share one), so what the server
	// maps or touches over its state at the attack's start stays within one
	// step of the Go heap's growth (4 MiB) and change: 6 MiB, less than one
	// 8 MiB message buffer allocated on the strength of its header alone
	// (memWatch follows VmData as well as RSS, so an untouched buffer
	// counts too).
	const attackPeakKB = 6 << 10
	// Memory, after each attack and a normal publish and play: the Go
	// runtime returns freed memory only after a collection lowers its heap
	// goal, and an idle server collects only every 2 minutes (forcegc), so
	// RSS here stays near the highest the attacks took the heap. Each
	// publish/play cycle adds 0.5-1 MiB (a 1 Mbit/s stream's GOP cache and
	// buffers, measured on an 8 MiB server), so 6 MiB covers five of them
	// and the attacks' 4 MiB steps cannot pile up unseen.
	b := baseBounds
	b.rssKB, b.why = 6<<10, "heap slack after five attacks and publish/play cycles"
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
			before := s.stat(t)
			mw := s.watchMemory(t, memCeilingKB)
			c.attack(t, s)
			mw.check(t, before, attackPeakKB, c.name)
			mw.stop()
			s.healthy(t, "after"+c.name)
			s.settle(t, base, b)
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

// abuseHugeHeaders: a request with 100 KB of headers is answered 431, as the
// README says ("larger ones get 431"), and closed; the server's header limit
// is 32 KiB. A silent close is a failure: a client (or a proxy in front) is
// owed the status.
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
		} else if !bytes.HasPrefix(got, []byte("HTTP/1.1 431 ")) {
			t.Errorf("100 KB headers %d: answered %q, want a 431 status", i, firstLine(got))
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
		c.SetReadDeadline(time.Now().Add(time.Second + timeoutMargin))
		for {
			if _, err = c.ReadTag(); err != nil {
				break
			}
		}
		d := time.Since(start)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("silent publisher (sent tags: %v) still connected after %v (timeout 1 s)", sends, d)
		}
		// Not before the timeout: the server's clock started when it read
		// our last tag or accepted the publish, a round trip before ours,
		// so allow 200 ms for that.
		if d < 800*time.Millisecond {
			t.Errorf("silent publisher (sent tags: %v) dropped after %v, before the 1 s timeout", sends, d)
		}
	}
	// The server logs just after it closes: allow it a moment. Only the
	// silent publishers' lines count (a health check's publisher on a
	// loaded machine may be dropped by the same 1 s timeout).
	dropped := func() int {
		n := 0
		for _, line := range strings.Split(s.Log(), "\n") {
			if strings.Contains(line, "publisher sent nothing within the timeout") && strings.Contains(line, "/live/silent ") {
				n++
			}
		}
		return n
	}
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if dropped() >= 2 {
			break
		}
	}
	if n := dropped(); n != 2 {
		t.Errorf("dropped publishers logged %d times, want 2", n)
	}
	// The name is free again.
	s.healthy(t, "silent")
}

// refusedWithin bounds how long a connection over max_connections may stay
// open. "At once" is a few milliseconds on loopback; the bound only has to
// tell it from a connection the server keeps, which it would hold at least
// until the 10 s handshake timeout, and leaves room for a loaded machine.
const refusedWithin = 3 * time.Second

// TestAbuseMaxConnections: with max_connections 20 taken by idle clients,
// further RTMP connections are closed at once and HTTP requests get 503, at
// once; when the idle clients leave, service is normal again.
func TestAbuseMaxConnections(t *testing.T) {
	t.Parallel()
	s, base := abuseServer(t, strings.Replace(baseConfig, "max_connections 1000;", "max_connections 20;", 1)+abuseAPI)
	var idle []net.Conn
	for range 20 {
		idle = append(idle, dial(t, s.RTMP))
	}
	s.waitConns(t, 20, 10*time.Second, "20 idle clients")
	for i := range 10 {
		c := dial(t, s.RTMP)
		if _, err := closedWithin(c, refusedWithin); err != nil {
			t.Errorf("rtmp connection %d over the limit: %v", 21+i, err)
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
	s.waitConns(t, 0, 5*time.Second, "the idle clients left")
	// Memory: 30 connections that never got past the handshake hold a
	// 1.5 KiB handshake buffer and a goroutine each while open; after
	// them, a publish and a play: 3 MiB is that, the heap's slack and one
	// publish/play cycle (0.5-1.4 MiB measured).
	b := baseBounds
	b.rssKB, b.why = 3<<10, "heap slack after idle clients and one publish/play"
	afterAbuse(t, s, base, b)
}

// closeWatch reads (and discards) whatever the server sends on a connection
// until the server closes it, and records when that happened, so a test can
// ask later, against a deadline measured from the dial, whether and when the
// connection was closed: a late check never mistakes a closed connection for
// an open one.
type closeWatch struct {
	c      net.Conn
	dialed time.Time
	done   chan struct{}
	at     time.Time // when the read ended
	got    bytes.Buffer
}

func watchClose(c net.Conn, dialed time.Time) *closeWatch {
	w := &closeWatch{c: c, dialed: dialed, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		io.Copy(&w.got, c) // EOF or reset: the server closed
		w.at = time.Now()
	}()
	return w
}

// closedBy waits until the connection is closed or until by, and returns how
// long after the dial it was closed; ok is false when it was still open at
// by.
func (w *closeWatch) closedBy(by time.Time) (after time.Duration, ok bool) {
	select {
	case <-w.done:
	case <-time.After(time.Until(by)): // at once when by has passed
		select {
		case <-w.done:
		default:
			return time.Since(w.dialed), false
		}
	}
	return w.at.Sub(w.dialed), true
}

// Timeouts the stalled peers meet, and how late after them a close may come
// on a loaded machine (the timers are the Go runtime's; the margin is for
// scheduling, not for the timeout itself).
const (
	handshakeTimeout = 10 * time.Second // rtmp.ServerConfig.HandshakeTimeout in live/rtmp.go
	headerTimeout    = 15 * time.Second // http.Server.ReadHeaderTimeout in main.go: SRS_HTTP_RECV_TIMEOUT
	timeoutMargin    = 5 * time.Second
)

// TestAbuseStalls: peers that stall, all at once on one server, while a
// stream is published at 4x 2 Mbit/s and a normal viewer watches it:
//   - handshakes cut short (C0 alone, C0 and part of C1), closed by the
//     server's 10 s handshake timeout;
//   - HTTP requests dripped one byte a second, closed by the 15 s
//     ReadHeaderTimeout (SRS_HTTP_RECV_TIMEOUT; not configurable), and not
//     before it;
//   - an HTTP-FLV viewer that never reads (a 4 KiB receive buffer).
//
// The normal viewer's media must keep flowing (flowGap) and a normal publish
// and play must work meanwhile. The stalled viewer is closed by its write
// deadline, live.Config.WriteTimeout (30 s, not configurable), so the test
// waits for that only under PICOSRS_SOAK=1; otherwise it hangs up.
func TestAbuseStalls(t *testing.T) {
	t.Parallel()
	s, base := abuseServer(t, baseConfig+abuseAPI)

	var handshakes []*closeWatch
	for i := range 10 {
		at := time.Now()
		c := dial(t, s.RTMP)
		c.Write([]byte{3})
		if i%2 == 1 {
			c.Write(randomBytes(100 * i)) // part of C1
		}
		handshakes = append(handshakes, watchClose(c, at))
	}

	req := []byte("GET /live/drip.flv HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: " + strings.Repeat("x", 64) + "\r\n\r\n")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var drips []*closeWatch
	for range 10 {
		at := time.Now()
		c := dial(t, s.HTTP)
		drips = append(drips, watchClose(c, at))
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

	// About 1 MB/s: the normal viewer's media keeps flowing while the
	// stalled one fills its buffers and blocks its writer.
	v := watchFlow(t, s.httpURL("live/big.flv"), flowGap)
	s.healthy(t, "during")
	v.advance(t, 20*time.Second, "normal viewer beside the stalled peers") // 5 s at 4x
	select {
	case err := <-pubDone:
		t.Fatalf("publisher stopped: %v", err)
	default:
	}

	for i, w := range handshakes {
		after, ok := w.closedBy(w.dialed.Add(handshakeTimeout + timeoutMargin))
		if !ok {
			t.Errorf("cut-short handshake %d still open %v after its dial (timeout %v)", i, after.Round(100*time.Millisecond), handshakeTimeout)
		}
	}
	for i, w := range drips {
		after, ok := w.closedBy(w.dialed.Add(headerTimeout + timeoutMargin))
		switch {
		case !ok:
			t.Errorf("drip %d still open %v after its dial (header timeout %v)", i, after.Round(100*time.Millisecond), headerTimeout)
		case after < headerTimeout-time.Second:
			// The server's timer starts at its accept, after our dial: a
			// close earlier than the timeout (less a second of clock and
			// accept slack) came from something else.
			t.Errorf("drip %d closed %v after its dial, before the %v header timeout", i, after.Round(100*time.Millisecond), headerTimeout)
		}
	}
	cancel()
	v.check(t, "normal viewer after the stalled peers")

	if soakEnabled() {
		// The server closes the stalled viewer when a write makes no
		// progress for live.Config.WriteTimeout (30 s).
		_, left := s.waitReleased(t, []net.Conn{stalled}, time.Until(stalledAt.Add(30*time.Second+2*timeoutMargin)))
		if left > 0 {
			t.Errorf("stalled viewer still held by the server %v after it stalled", time.Since(stalledAt).Round(100*time.Millisecond))
		} else {
			t.Logf("stalled viewer closed by %v after it stalled", time.Since(stalledAt).Round(100*time.Millisecond))
		}
	}
	v.stop()
	stalled.Close()
	stop()
	// Memory: the stalled viewer keeps the stream's ring from being trimmed
	// (up to queue_length, 30 s of 2 Mbit/s, capped by live.Config.RingBytes
	// at 8 MiB) while it is attached, so the live heap legitimately peaks
	// near 8 MiB over the baseline. The Go runtime lets the heap reach twice
	// the live heap before collecting (GOGC 100) and returns freed memory
	// only after the next collection, which an idle server runs every
	// 2 minutes: RSS may stay at about twice that peak, 16 MiB, and 4 MiB
	// more covers the stream's GOP cache and three publish/play cycles.
	b := baseBounds
	b.rssKB, b.why = 20<<10, "twice RingBytes: a stalled viewer's backlog, kept by the heap goal"
	afterAbuse(t, s, base, b)
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
