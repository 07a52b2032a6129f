package tests

// "A stranger on the network cannot take the box down": one end-to-end test
// per attack against the real (plain) binary, each stating the bound it
// checks, then a normal publish and play, and open files, threads,
// goroutines and memory back within stated bounds of the baseline.
//
// These are written ahead of the fixes (other branches add write_timeout to
// the config and the behaviour below): until those land, the server refuses
// hostileConfig ("illegal directive write_timeout") and every test here
// fails at its start. PICOSRS_HOSTILE_COMPAT=1 drops the write_timeout line
// so the attacks can be run against a server that does not know it yet, to
// see which behaviours fail and why.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/connlimit"
	"github.com/picosrs/picosrs/rtmp"
)

// hostileConfig is the server every hostile test attacks: max_connections
// 60, every socket write that makes no progress for 3 s closes its
// connection (write_timeout, a root directive in seconds), static files
// from {DIR}, the API (with basic auth) and the exporter on ports of their
// own. Verbose logs make net/http's report of a recovered handler panic
// visible to checkCrash.
const hostileConfig = `
listen {RTMP};
max_connections 60;
write_timeout 3;
daemon off;
srs_log_tank console;
srs_log_level verbose;
http_server {
    enabled on;
    listen {HTTP};
    dir {DIR};
}
http_api {
    enabled on;
    listen {API};
    auth {
        enabled on;
        username admin;
        password hostile;
    }
}
exporter {
    enabled on;
    listen {EXPORTER};
}
vhost __defaultVhost__ {
    http_remux {
        enabled on;
        mount [vhost]/[app]/[stream].flv;
    }
    play {
        mw_latency 100;
    }
    publish {
        normal_timeout 5000;
    }
}
`

const (
	// hostileWriteTimeout is hostileConfig's write_timeout.
	hostileWriteTimeout = 3 * time.Second
	// hostileMargin is how late after its timeout a close may come: the
	// timer starts at the first write that makes no progress, once the
	// socket buffers are full (well under a second on loopback), and the
	// rest is scheduling on a loaded 2-core machine.
	hostileMargin = 4 * time.Second
	// idleTimeout is how long an idle HTTP connection (no request yet, or
	// keep-alive between requests) may stay: SRS's HTTP receive timeout.
	idleTimeout = 15 * time.Second
)

// hostileServer starts hostileConfig (the plain build: memory is measured)
// with max_connections max, warms it up with a normal publish and play,
// waits until the warm-up's connections are gone and returns the server,
// its baseline and its static directory.
func hostileServer(t *testing.T, max int) (*server, procStat, string) {
	t.Helper()
	return hostileServerWith(t, func(c string) string {
		return strings.Replace(c, "max_connections 60;", fmt.Sprintf("max_connections %d;", max), 1)
	})
}

// hostileServerWith is hostileServer with edit applied to the config.
func hostileServerWith(t *testing.T, edit func(string) string) (*server, procStat, string) {
	t.Helper()
	dir := t.TempDir()
	cfg := edit(strings.ReplaceAll(hostileConfig, "{DIR}", dir))
	if os.Getenv("PICOSRS_HOSTILE_COMPAT") == "1" {
		cfg = strings.Replace(cfg, "write_timeout 3;\n", "", 1)
		t.Log("PICOSRS_HOSTILE_COMPAT=1: write_timeout left out of the config")
	}
	s := startPlainServer(t, cfg)
	waitPort(t, s.API, s.exited)
	waitPort(t, s.Exporter, s.exited)
	s.healthy(t, "warmup")
	s.waitConns(t, 0, 10*time.Second, "after the warm-up")
	return s, s.stat(t), dir
}

// apiGetAuth calls the API with hostileConfig's credentials and returns
// the status and body; err is set when no answer came.
func (s *server) apiGetAuth(path string) (int, []byte, error) {
	req, _ := http.NewRequest(http.MethodGet, s.apiURL(path), nil)
	req.SetBasicAuth(s.apiUser, s.apiPass)
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	return resp.StatusCode, b, err
}

// quickPublish connects, publishes name and sends an AAC sequence header
// and a few frames, so that an HTTP-FLV player gets its header at once. The
// caller closes the connection.
func quickPublish(s *server, name string) (*rawRTMP, error) {
	r, err := dialRawRTMP(s.RTMP, 0)
	if err != nil {
		return nil, err
	}
	if err := r.connect("live", fmt.Sprintf("rtmp://127.0.0.1:%d/live", s.RTMP)); err != nil {
		r.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := r.publish(name); err != nil {
		r.Close()
		return nil, fmt.Errorf("publish: %w", err)
	}
	msgs := r.appendMessage(nil, 4, 8, 1, []byte{0xaf, 0, 0x12, 0x10}) // AAC LC 44.1 kHz stereo
	for range 5 {
		msgs = r.appendMessage(msgs, 4, 8, 1, []byte{0xaf, 1, 0x21, 0x10, 0x04, 0x60, 0x8c, 0x1c})
	}
	if _, err := r.c.Write(msgs); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// quickPlay gets live/name.flv and wants 200 and the FLV header.
func quickPlay(s *server, name string) error {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(s.httpURL("live/" + name + ".flv"))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s", resp.Status)
	}
	var h [flv.HeaderSize]byte
	if _, err := io.ReadFull(resp.Body, h[:]); err != nil {
		return fmt.Errorf("FLV header: %w", err)
	}
	return nil
}

// TestHostileAMF0Amplification (a): after the handshake, four connect
// commands of 4 MiB each, every body 33 nested AMF0 strict arrays each
// declaring as many elements as there are bytes left. Bound: the
// connection is closed within 5 s of the first (the command is over any
// sane request-phase size cap), and the server's memory (resident or
// mapped, see memWatch) grows by at most 8 MiB: a server may read one 4 MiB
// body before it sees what it is (mapped in the heap's 4 MiB steps), but
// must not read a second or decode one into gigabytes (today it does).
func TestHostileAMF0Amplification(t *testing.T) {
	t.Parallel()
	s, base, _ := hostileServer(t, 60)
	mw := s.watchMemory(t, memCeilingKB)
	r, err := dialRawRTMP(s.RTMP, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start := time.Now()
	w := watchClose(r.c, start)
	if err := r.setChunkSize(8 << 20); err != nil {
		t.Fatal(err)
	}
	bomb := connectBomb(33, 4<<20)
	go func() {
		for range 4 {
			r.c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := r.write(3, 20, 0, bomb); err != nil {
				return
			}
		}
	}()
	if after, ok := w.closedBy(start.Add(5 * time.Second)); !ok {
		t.Errorf("4 MiB connect bombs: the connection is still open %v after the first", after.Round(100*time.Millisecond))
	}
	r.Close()
	mw.check(t, base, 8<<10, "4 x 4 MiB AMF0 connect bombs")
	mw.stop()
	b := baseBounds
	b.rssKB, b.why = 6<<10, "at most one 4 MiB body read, kept by the heap goal"
	afterAbuse(t, s, base, b)
}

// TestHostileMetadataAmplification (b): a publisher sends a 1 MiB
// onMetaData of 33 nested strict arrays, then the API is asked for the
// streams five times. Bound: the server's memory (resident or mapped, see
// memWatch) grows by at most 24 MiB (the tag is kept, 1 MiB; decoding what
// its bytes really hold costs at most a 16-byte Go value per 1-byte AMF0
// null, 16 MiB; the rest is the heap's 4 MiB growth steps; today +560 MB),
// and the API answers every call.
func TestHostileMetadataAmplification(t *testing.T) {
	t.Parallel()
	s, base, _ := hostileServer(t, 60)
	mw := s.watchMemory(t, memCeilingKB)
	r, err := quickPublish(s, "meta")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.setChunkSize(2 << 20); err != nil {
		t.Fatal(err)
	}
	if err := r.write(4, 18, 1, metadataBomb(33, 1<<20)); err != nil {
		t.Fatal(err)
	}
	// The stream is listed once the server has the tag: give it a moment
	// (an event: the API lists it), then ask five times.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, body, err := s.apiGetAuth("/api/v1/streams")
		if err == nil && code == 200 && strings.Contains(string(body), `"meta"`) {
			break
		}
		if time.Now().After(deadline) || mw.killed.Load() {
			t.Errorf("the stream never showed in the API: %d %v", code, err)
			break
		}
	}
	for i := range 5 {
		if code, _, err := s.apiGetAuth("/api/v1/streams"); err != nil || code != 200 {
			t.Errorf("GET /api/v1/streams %d: %d %v", i, code, err)
		}
	}
	mw.check(t, base, 24<<10, "a 1 MiB onMetaData bomb and five /api/v1/streams")
	mw.stop()
	r.Close()
	b := baseBounds
	b.rssKB, b.why = 8<<10, "the 1 MiB tag and the API's answers, kept by the heap goal"
	afterAbuse(t, s, base, b)
}

// TestHostileStaticNonReaders (c): 60 clients (max_connections) ask for a
// 32 MiB static file and never read. Bound: the server lets go of every one
// within write_timeout + hostileMargin of the last request; then (not
// meanwhile: the 60 hold every slot until they are closed) an HTTP-FLV
// viewer gets 200 and an RTMP publisher is accepted.
func TestHostileStaticNonReaders(t *testing.T) {
	t.Parallel()
	s, base, dir := hostileServer(t, 60)
	f, err := os.Create(filepath.Join(dir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(32 << 20) // sparse: no disk
	f.Close()
	var cs []net.Conn
	for range 60 {
		c, err := httpNonReader(s.HTTP, "/big.bin")
		if err != nil {
			closeAll(cs)
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	defer closeAll(cs)
	took, left := s.waitReleased(t, cs, hostileWriteTimeout+hostileMargin)
	if left > 0 {
		t.Errorf("%d of 60 static-file clients that never read still held %v after the last request (write_timeout %v)", left, took.Round(100*time.Millisecond), hostileWriteTimeout)
	} else {
		t.Logf("60 static-file non-readers closed within %v", took.Round(100*time.Millisecond))
	}
	p, err := quickPublish(s, "afterstatic")
	if err != nil {
		t.Errorf("a publisher after the non-readers: %v", err)
	} else {
		if err := quickPlay(s, "afterstatic"); err != nil {
			t.Errorf("an HTTP-FLV viewer after the non-readers: %v", err)
		}
		p.Close()
	}
	closeAll(cs)
	b := baseBounds
	b.rssKB, b.why = 6<<10, "60 file readers' copy buffers and a publish/play cycle, kept by the heap goal"
	afterAbuse(t, s, base, b)
}

// TestHostileIdleFlood (d): 30 keep-alive clients (one request answered,
// then idle) and 270 idle TCP connections, split over the HTTP, API and
// exporter ports. Bounds: every accepted connection counts against
// max_connections from accept to close, so the server never holds more than
// 60, plus the refused connections it answers at once (connlimit.MaxRefusing,
// each for at most a second) and 2 being closed as /proc is read; those
// beyond 60 are let go within refusedWithin; a plain close is what is
// asserted for them (a connection that sent no request has nothing to
// answer, so a 503 is neither required nor refused). Every idle connection,
// keep-alive ones included, is closed within idleTimeout (15 s) +
// hostileMargin; and when the flood ends, a normal API, exporter and
// publish/play client gets in within 2 s.
func TestHostileIdleFlood(t *testing.T) {
	t.Parallel()
	s, base, _ := hostileServer(t, 60)
	ports := []struct {
		name string
		port int
		path string
	}{{"http", s.HTTP, "/"}, {"api", s.API, "/api/v1/versions"}, {"exporter", s.Exporter, "/metrics"}}
	var all []net.Conn
	defer func() { closeAll(all) }()
	for _, p := range ports {
		for range 10 {
			c, code, err := keepAliveIdler(p.port, p.path, s.apiUser, s.apiPass)
			if err != nil {
				t.Fatalf("%s keep-alive client: %v", p.name, err)
			}
			all = append(all, c)
			if code != 200 {
				t.Errorf("%s keep-alive client: %d", p.name, code)
			}
		}
	}
	for _, p := range ports {
		for range 90 {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p.port), 5*time.Second)
			if err != nil {
				t.Fatalf("%s idle connection: %v", p.name, err)
			}
			all = append(all, c)
		}
	}
	floodAt := time.Now()
	peak := 0
	for time.Since(floodAt) < refusedWithin {
		peak = max(peak, s.conns(t))
		time.Sleep(50 * time.Millisecond)
	}
	// At most: the 60 let in, MaxRefusing being answered 503, and on each
	// of the four listeners one refused connection between its accept and
	// its close; plus 2, as a snapshot of /proc is not taken at one instant
	// (69 was seen once under -race with the machine loaded).
	if peak > 60+connlimit.MaxRefusing+4+2 {
		t.Errorf("the server held %d connections at once (max_connections 60)", peak)
	}
	if held := countTrue(s.held(t, all)); held > 60 {
		t.Errorf("the server holds %d of the 300 idle connections %v after the flood (max_connections 60)", held, refusedWithin)
	}
	t.Logf("peak %d connections held during the flood", peak)
	took, left := s.waitReleased(t, all, time.Until(floodAt.Add(idleTimeout+hostileMargin)))
	if left > 0 {
		t.Errorf("%d idle connections still held %v after the flood (idle timeout %v)", left, time.Since(floodAt).Round(100*time.Millisecond), idleTimeout)
	} else {
		t.Logf("every idle connection closed within %v", took.Round(100*time.Millisecond))
	}
	closeAll(all)
	endAt := time.Now()
	for {
		code, _, err := s.apiGetAuth("/api/v1/versions")
		resp, merr := (&http.Client{Timeout: time.Second}).Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", s.Exporter))
		if merr == nil {
			resp.Body.Close()
		}
		if err == nil && code == 200 && merr == nil && resp.StatusCode == 200 {
			break
		}
		if time.Since(endAt) > 2*time.Second {
			t.Errorf("2 s after the flood: API %d %v, exporter %v", code, err, merr)
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	b := baseBounds
	b.rssKB, b.why = 6<<10, "at most 60 connections' buffers and a publish/play cycle, kept by the heap goal"
	afterAbuse(t, s, base, b)
}

// TestHostileRTMPNonReaders (e): with max_connections 10, ten RTMP clients
// flood connect commands and pings and never read. Bound: the server lets
// go of every one within write_timeout + hostileMargin of the flood's start,
// and by then (plus 2 s for the check itself) an RTMP publish and an
// HTTP-FLV play work again.
func TestHostileRTMPNonReaders(t *testing.T) {
	t.Parallel()
	s, base, _ := hostileServer(t, 10)
	stop := make(chan struct{})
	stopFlood := sync.OnceFunc(func() { close(stop) })
	defer stopFlood()
	var cs []net.Conn
	defer func() { closeAll(cs) }()
	for range 10 {
		c, err := rtmpNonReader(s.RTMP, stop)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	floodAt := time.Now()
	bound := hostileWriteTimeout + hostileMargin
	took, left := s.waitReleased(t, cs, bound)
	if left > 0 {
		t.Errorf("%d of 10 RTMP non-readers still held %v after the flood began (write_timeout %v)", left, took.Round(100*time.Millisecond), hostileWriteTimeout)
	}
	var err error
	for {
		var p *rawRTMP
		if p, err = quickPublish(s, "again"); err == nil {
			err = quickPlay(s, "again")
			p.Close()
		}
		if err == nil || time.Since(floodAt) > bound+2*time.Second {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Errorf("publish and play %v after the flood began: %v", time.Since(floodAt).Round(100*time.Millisecond), err)
	}
	stopFlood()
	closeAll(cs)
	b := baseBounds
	b.rssKB, b.why = 6<<10, "ten flooded connections' queued answers and a publish/play cycle, kept by the heap goal"
	afterAbuse(t, s, base, b)
}

// TestHostileAckWindowPublisher (f): a publisher sets its window
// acknowledgement size to 1 byte (the server would acknowledge every
// message it reads; it raises such a window to rtmp.MinAckWindow) and never
// reads; it publishes for 3 s, then stalls, its connection open, as a
// camera that hangs. Bound: it is dropped within publish.normal_timeout
// (5 s) + hostileMargin of stalling (before, the server sat blocked in an
// acknowledgement's write with no deadline, so the stream stayed
// "publishing" and the camera's reconnect got BadName), and a new publisher
// of the same stream name is then accepted.
func TestHostileAckWindowPublisher(t *testing.T) {
	t.Parallel()
	s, base, _ := hostileServer(t, 60)
	stop := make(chan struct{})
	stopSending := sync.OnceFunc(func() { close(stop) })
	defer stopSending()
	c, err := ackWindowPublisher(s.RTMP, "ackwin", stop)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(3 * time.Second)
	stopSending()
	took, left := s.waitReleased(t, []net.Conn{c}, 5*time.Second+hostileMargin)
	if left > 0 {
		t.Errorf("a publisher that never reads, with a 1-byte ack window, still held %v after it stalled (normal_timeout 5 s)", took.Round(100*time.Millisecond))
	} else {
		t.Logf("dropped %v after it stalled", took.Round(100*time.Millisecond))
	}
	if p, err := quickPublish(s, "ackwin"); err != nil {
		t.Errorf("a new publisher of the same name: %v", err)
	} else {
		p.Close()
	}
	c.Close()
	b := baseBounds
	b.rssKB, b.why = 4<<10, "one publisher's queued acknowledgements and a publish/play cycle"
	afterAbuse(t, s, base, b)
}

// TestHostileFIFO (g): a FIFO in the static root. Bound: each request for
// it gets 403 within 2 s ("at once": opening a FIFO for reading waits for a
// writer that never comes), and afterwards no descriptor or thread stays
// held: five requests, and open files within 2 and OS threads within 2 of
// the baseline (a thread stuck in open(2) never comes back).
func TestHostileFIFO(t *testing.T) {
	t.Parallel()
	s, base, dir := hostileServer(t, 60)
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		c := dial(t, s.HTTP)
		fmt.Fprintf(c, "GET /pipe HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
		got, err := closedWithin(c, 2*time.Second)
		if err != nil {
			t.Errorf("FIFO request %d: no answer: %v", i, err)
		} else if !strings.HasPrefix(string(got), "HTTP/1.1 403 ") {
			t.Errorf("FIFO request %d: answered %q, want 403", i, firstLine(got))
		}
		c.Close()
	}
	b := baseBounds
	b.fds, b.threads = 2, 2
	b.rssKB, b.why = 3<<10, "five small requests and a publish/play cycle (0.5-1.4 MiB)"
	afterAbuse(t, s, base, b)
}

// TestHostileAPIPaging (h): paging parameters at the ends of int64, on
// /api/v1/clients and /api/v1/streams with two streams published (so that
// start=1 is inside the list). Bound: each gets 200 with a JSON answer
// (today start+count overflows and the handler panics: no answer).
func TestHostileAPIPaging(t *testing.T) {
	t.Parallel()
	s, base, _ := hostileServer(t, 60)
	for _, name := range []string{"page1", "page2"} {
		p, err := quickPublish(s, name)
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, body, _ := s.apiGetAuth("/api/v1/streams")
		if strings.Contains(string(body), `"page1"`) && strings.Contains(string(body), `"page2"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the two streams never showed in the API: %s", body)
		}
	}
	for _, list := range []string{"clients", "streams"} {
		for _, q := range []string{"start=1&count=9223372036854775807", "start=9223372036854775807&count=9223372036854775807",
			"start=-9223372036854775808&count=-1", "start=1&count=99999999999999999999"} {
			path := "/api/v1/" + list + "?" + q
			code, body, err := s.apiGetAuth(path)
			var m map[string]any
			switch {
			case err != nil:
				t.Errorf("%s: no answer: %v", path, err)
			case code != 200:
				t.Errorf("%s: %d %s", path, code, body)
			case json.Unmarshal(body, &m) != nil:
				t.Errorf("%s: not JSON: %q", path, body)
			}
		}
	}
	b := baseBounds
	b.rssKB, b.why = 3<<10, "a few API answers and a publish/play cycle (0.5-1.4 MiB)"
	afterAbuse(t, s, base, b)
}

// TestHostileHTTPOnRTMPPort (i): an HTTP request sent to the RTMP port.
// Bound: closed within 1 s (a C0 that is not 3 is no RTMP client; today the
// server waits its 10 s handshake timeout), plus 1 s for a loaded machine.
func TestHostileHTTPOnRTMPPort(t *testing.T) {
	t.Parallel()
	s, base, _ := hostileServer(t, 60)
	for i := range 3 {
		at := time.Now()
		c := dial(t, s.RTMP)
		w := watchClose(c, at)
		fmt.Fprintf(c, "GET /live/x.flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
		if after, ok := w.closedBy(at.Add(2 * time.Second)); !ok {
			t.Errorf("HTTP request %d on the RTMP port: still open %v later", i, after.Round(100*time.Millisecond))
		}
		c.Close()
	}
	b := baseBounds
	b.rssKB, b.why = 3<<10, "three refused connections and a publish/play cycle (0.5-1.4 MiB)"
	afterAbuse(t, s, base, b)
}

// TestHostileHugeNames (j): long names in connect (the app) and in publish
// (the stream). Bound: a name over the limit (rtmp.MaxAppLength,
// MaxStreamNameLength: 256 bytes) in a command the server reads is refused
// with an error status (_error, or onStatus of level error); a 1 MiB name
// makes its command larger than any command the server reads before
// publish or play (rtmp.MaxCommandSize), so that connection is closed as
// soon as the command's header says so, and the server logs why.
// Meanwhile the API's lists stay under 64 KiB and no log line at info level
// or above is over 4 KiB (a name in a log line is capped; debug lines are
// the operator's choice to see protocol detail).
func TestHostileHugeNames(t *testing.T) {
	t.Parallel()
	s, base, _ := hostileServer(t, 60)
	tcURL := fmt.Sprintf("rtmp://127.0.0.1:%d/live", s.RTMP)
	for _, n := range []int{rtmp.MaxAppLength + 1, 2 << 10, 1 << 20} {
		name := strings.Repeat("n", n)
		// cmd is about the size of the command carrying the name.
		refusedOrClosed := func(what string, cmd int, err error) {
			t.Helper()
			if cmd > rtmp.MaxCommandSize {
				if err == nil {
					t.Errorf("%s of %d bytes: accepted, want the connection closed", what, n)
				}
				return
			}
			if !errors.Is(err, errRefused) {
				t.Errorf("%s of %d bytes: %v, want an error status", what, n, err)
			}
		}
		a, err := dialRawRTMP(s.RTMP, 0)
		if err != nil {
			t.Fatal(err)
		}
		// The app is the tcUrl's path (the connect object's app field
		// too): refused at connect or at publish.
		err = a.connect(name, fmt.Sprintf("rtmp://127.0.0.1:%d/%s", s.RTMP, name))
		if err == nil {
			err = a.publish("x")
		}
		refusedOrClosed("an app", 2*n, err) // in the tcUrl and the app field
		a.Close()
		p, err := dialRawRTMP(s.RTMP, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.connect("live", tcURL); err != nil {
			t.Fatalf("connect: %v", err)
		}
		refusedOrClosed("a stream name", n, p.publish(name))
		p.Close()
	}
	if !s.logged("rtmp request refused", 6) {
		t.Errorf("refused requests not logged: %s", s.Log())
	}
	for _, path := range []string{"/api/v1/streams", "/api/v1/clients?count=100"} {
		code, body, err := s.apiGetAuth(path)
		if err != nil || code != 200 {
			t.Errorf("%s: %d %v", path, code, err)
		} else if len(body) > 64<<10 {
			t.Errorf("%s: %d bytes, want under 64 KiB", path, len(body))
		}
	}
	s.waitConns(t, 0, 5*time.Second, "the clients left")
	for _, line := range strings.Split(s.Log(), "\n") {
		if len(line) > 4<<10 && !strings.Contains(line, "level=DEBUG") {
			t.Errorf("a log line of %d bytes: %.120s...", len(line), line)
			break
		}
	}
	b := baseBounds
	b.rssKB, b.why = 6<<10, "two 1 MiB messages, kept by the heap goal"
	afterAbuse(t, s, base, b)
}
