package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picosrs/picosrs/conf"
	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/httpd"
	"github.com/picosrs/picosrs/internal/connlimit"
	"github.com/picosrs/picosrs/internal/fixture"
	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/live"
	"github.com/picosrs/picosrs/rtmp"
)

// memConf is bench.sh's rtmp point: SRS's defaults with the .flv mount, and
// a publisher that may pause for the whole test (the measured stream holds
// still: its GOP cache does not change while viewers come and go).
const memConf = `
listen              1935;
max_connections     20000;
daemon              off;
srs_log_tank        console;
srs_log_level       warn;
http_server {
    enabled         on;
    listen          8080;
}
vhost __defaultVhost__ {
    http_remux {
        enabled     on;
        mount       [vhost]/[app]/[stream].flv;
    }
    play {
        gop_cache   on;
        mw_latency  350;
    }
    publish {
        normal_timeout 3600000;
    }
}
`

// memClientsEnv makes the test binary the viewers' process
// (TestViewerMemoryClients), so that the measured process holds the server
// alone.
const memClientsEnv = "PICOSRS_MEM_CLIENTS"

// viewerMem is what n viewers of one protocol cost the server: its live heap
// per viewer once they all play (after a collection), the bytes it
// allocated per viewer from connection to playing, and the goroutine stacks
// per viewer (none once they play; a pending request's goroutine's while
// their requests are half sent).
type viewerMem struct {
	live, alloc, stack float64 // bytes per viewer
}

// memServer is picosrs as serve builds it, on loopback ports, with one
// stream published and then still.
type memServer struct {
	srv       *live.Server
	rtmp      string
	http      string
	lastVideo uint32 // timestamp of the last video tag published
}

func startMemServer(t *testing.T) *memServer {
	t.Helper()
	root, err := conf.ParseString(memConf, "mem.conf")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := conf.FromDirective(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	log := textlog.New(io.Discard, textlog.LevelWarn)
	srv := live.NewServer(liveConfig(cfg, log))
	web := httpd.New(srv, httpConfig(cfg, log))
	conns := &connlimit.Limiter{}
	conns.SetMax(cfg.MaxConnections)
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &memServer{srv: srv, rtmp: rln.Addr().String(), http: hln.Addr().String()}
	go srv.ServeRTMP(conns.Listen(rln, refuser("rtmp", log, nil)))
	hs := newHTTPServer(web, log)
	go hs.Serve(conns.Listen(hln, refuser("http", log, connlimit.RefuseHTTP)))
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})

	// The stream: metadata, sequence headers and the fixture's first GOP,
	// then nothing (the publisher stays).
	tags := fixture.ReadFLV(t, "h264_aac.flv")
	keys := 0
	end := len(tags)
	for i, tg := range tags {
		if tg.IsKeyframe() {
			if keys++; keys == 2 {
				end = i
				break
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	pub, err := rtmp.Dial(ctx, "rtmp://"+m.rtmp+"/live/mem", rtmp.DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pub.Close() })
	if err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range tags[:end] {
		if err := pub.WriteTag(&tags[i]); err != nil {
			t.Fatal(err)
		}
		if tags[i].Type == flv.TagVideo {
			m.lastVideo = tags[i].Timestamp
		}
	}
	m.waitConsumers(t, 0)
	return m
}

// consumers returns the viewers attached to the stream, -1 before it is
// published.
func (m *memServer) consumers() int {
	st := m.srv.Stream(live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "mem"})
	if st == nil || !st.Publishing() {
		return -1
	}
	return st.Info().Consumers
}

func (m *memServer) waitConsumers(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for m.consumers() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d viewers attached, want %d", m.consumers(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// settledMem collects until the live heap stops shrinking (the collector
// frees what a finalizer or a sync.Pool kept for one more cycle) and returns
// the memory statistics then.
func settledMem() runtime.MemStats {
	var ms runtime.MemStats
	var last uint64
	for range 5 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if last != 0 && ms.HeapAlloc >= last {
			break
		}
		last = ms.HeapAlloc
	}
	return ms
}

// measure attaches n viewers of proto ("rtmp" or "flv") from another
// process, waits until each has received the whole stream, and returns what
// they cost the server; then they leave.
//
// With proto "rtmp-pending" or "flv-pending" the viewers stop half way
// through their requests (RTMP: after connect; HTTP: within the request's
// headers), as a burst of players on a busy server waits for its turn, and
// the figures are what each such connection holds.
func (m *memServer) measure(t *testing.T, proto string, n int, profile string) viewerMem {
	t.Helper()
	pending := strings.HasSuffix(proto, "-pending")
	goroutines := runtime.NumGoroutine()
	if profile != "" {
		settledMem()
		writeHeapProfile(t, profile, ".before")
	}
	before := settledMem()
	cmd := exec.Command(os.Args[0], "-test.run=^TestViewerMemoryClients$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %s %s %d", memClientsEnv, proto, n, m.rtmp, m.http, m.lastVideo))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
		m.waitConsumers(t, 0)
		for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > goroutines+n/100; {
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines once the %s viewers left, %d before", runtime.NumGoroutine(), proto, goroutines)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	out := bufio.NewReader(stdout)
	for {
		line, err := out.ReadString('\n')
		if err != nil {
			t.Fatalf("viewers' process: %v", err)
		}
		if line == "ready\n" {
			break
		}
	}
	if pending {
		// Each connection's goroutine is waiting for the rest of its
		// request. The count before may hold up to n/100 goroutines of
		// the previous round still ending (the check after each round
		// allows them), so as many fewer count as all here; waiting for
		// the full n would wait, then, until the handshake timeout (10 s)
		// ends them all (seen once in CI: 7 goroutines, 9 before).
		for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() < goroutines+n-n/100; {
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines with %d %s connections, %d before", runtime.NumGoroutine(), n, proto, goroutines)
			}
			time.Sleep(10 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // the last bytes sent are read
	} else {
		m.waitConsumers(t, n)
		// The server's goroutines of the start (handshakes, HTTP
		// handlers) have ended: what is left is what a playing viewer
		// holds.
		for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > goroutines+n/100; {
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines with %d %s viewers, %d before", runtime.NumGoroutine(), n, proto, goroutines)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	after := settledMem()
	writeHeapProfile(t, profile, "")
	return viewerMem{
		live:  (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(n),
		alloc: float64(after.TotalAlloc-before.TotalAlloc) / float64(n),
		stack: (float64(after.StackInuse) - float64(before.StackInuse)) / float64(n),
	}
}

// writeHeapProfile writes the heap profile to name+suffix, unless name is
// "": with the one written before the viewers came (suffix ".before"),
// pprof's -diff_base shows what they hold (-sample_index=inuse_space) and
// what they allocated (alloc_space).
func writeHeapProfile(t *testing.T, name, suffix string) {
	if name == "" {
		return
	}
	f, err := os.Create(name + suffix)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		t.Fatal(err)
	}
}

// TestViewerMemory compares what an RTMP player and an HTTP-FLV viewer cost
// the server: the live heap per viewer with the stream's viewers all
// playing, the bytes allocated per viewer to start playing, and what a
// request holds while it waits for the rest (the peak of a burst). The
// viewers are another process (this test binary, TestViewerMemoryClients),
// the stream holds still, and the figures are read after collections, so
// they do not depend on timing. PICOSRS_MEM_VIEWERS changes the number of
// viewers (300); PICOSRS_MEM_PROFILE=dir writes heap profiles of each
// round (go tool pprof -diff_base dir/rtmp.heap.before dir/rtmp.heap).
func TestViewerMemory(t *testing.T) {
	if os.Getenv(memClientsEnv) != "" {
		t.Skip("the viewers' process")
	}
	n := 300
	if v, err := strconv.Atoi(os.Getenv("PICOSRS_MEM_VIEWERS")); err == nil && v > 0 {
		n = v
	}
	prof := os.Getenv("PICOSRS_MEM_PROFILE") // a directory for heap profiles
	if prof != "" {
		runtime.MemProfileRate = 1
	}
	m := startMemServer(t)
	// A first round of each grows what stays grown (the stream's viewer
	// list, registries): both measured rounds find it so.
	m.measure(t, "flv", n, "")
	m.measure(t, "rtmp", n, "")
	name := func(proto string) string {
		if prof == "" {
			return ""
		}
		return prof + "/" + proto + ".heap"
	}
	flvMem := m.measure(t, "flv", n, name("flv"))
	rtmpMem := m.measure(t, "rtmp", n, name("rtmp"))
	flvPending := m.measure(t, "flv-pending", n, name("flv-pending"))
	rtmpPending := m.measure(t, "rtmp-pending", n, name("rtmp-pending"))
	rtmpHandshake := m.measure(t, "rtmp-handshake-pending", n, name("rtmp-handshake-pending"))
	t.Logf("%d requests half sent: per connection RTMP %.0f B of heap and %.0f B of stack (%.0f B and %.0f B in the handshake), HTTP-FLV %.0f B and %.0f B",
		n, rtmpPending.live, rtmpPending.stack, rtmpHandshake.live, rtmpHandshake.stack, flvPending.live, flvPending.stack)
	t.Logf("%d viewers: live heap per viewer: RTMP %.0f B, HTTP-FLV %.0f B (%.2fx); allocated per play: RTMP %.0f B, HTTP-FLV %.0f B",
		n, rtmpMem.live, flvMem.live, rtmpMem.live/flvMem.live, rtmpMem.alloc, flvMem.alloc)
	// Issue 20: an RTMP player costs at most 1.1 times an HTTP-FLV viewer.
	// The live heap per viewer is what grows with the viewers (the peak
	// resident memory is about twice it, the collector's headroom, plus the
	// runtime's own), so it gets the ratio; it is the same figure
	// on every run to a few bytes. On the way there RTMP went from 3650 to
	// 2640 B against HTTP-FLV's 2450 (1.49x to 1.08x): 1.1x leaves room for
	// a field or two, not for a buffer kept after play. What a play start
	// leaves to the collector (8 kB for RTMP, 14.6 kB for HTTP-FLV, much
	// of it net/http's) may not pass HTTP-FLV's.
	if rtmpMem.live > 1.1*flvMem.live {
		t.Errorf("an RTMP player holds %.0f B of live heap, over 1.1 x an HTTP-FLV viewer's %.0f B", rtmpMem.live, flvMem.live)
	}
	if rtmpMem.alloc > flvMem.alloc {
		t.Errorf("an RTMP play start allocates %.0f B, over an HTTP-FLV viewer's %.0f B", rtmpMem.alloc, flvMem.alloc)
	}
	// What made the peak: a burst of players on a busy server keeps
	// hundreds of requests waiting at once, RTMP's for longer than HTTP's
	// (four round trips against one). An RTMP request waiting for its next
	// command or its C2 holds its Conn, its request and a 256-byte read
	// buffer, about 2 kB of heap; it held a 4 KB read buffer and, in the
	// handshake, 6.6 kB of blocks besides (6.2 and 12 kB; HTTP-FLV's:
	// 9.8 kB). Its goroutine's stack is not bounded here: its size follows
	// the runtime's average.
	const pendingBound = 4 << 10
	if rtmpPending.live > pendingBound || rtmpHandshake.live > pendingBound {
		t.Errorf("an RTMP request waiting for its next command holds %.0f B of heap, one waiting for C2 %.0f B: over %d",
			rtmpPending.live, rtmpHandshake.live, pendingBound)
	}
}

// TestViewerMemoryClients is the viewers' process of TestViewerMemory: n
// viewers of one protocol, each reading the stream until its last video
// tag; then it says "ready" and keeps them until its input closes.
func TestViewerMemoryClients(t *testing.T) {
	args := strings.Fields(os.Getenv(memClientsEnv))
	if len(args) != 5 {
		t.Skip("run by TestViewerMemory")
	}
	proto, rtmpAddr, httpAddr := args[0], args[2], args[3]
	n, _ := strconv.Atoi(args[1])
	last, _ := strconv.ParseUint(args[4], 10, 32)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 32) // connections being set up at once
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			err := playUntil(proto, rtmpAddr, httpAddr, uint32(last), &wg, sem)
			if err != nil {
				errs <- fmt.Errorf("viewer %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
}

// playUntil plays the stream, calls wg.Done once it has read the video tag
// at last, and reads on until the connection closes.
func playUntil(proto, rtmpAddr, httpAddr string, last uint32, wg *sync.WaitGroup, sem chan struct{}) error {
	var read func() (flv.Tag, error)
	switch proto {
	case "rtmp-handshake-pending", "rtmp-pending", "flv-pending":
		defer func() { <-sem; wg.Done() }()
		return pendingRequest(proto, rtmpAddr, httpAddr)
	case "rtmp":
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := rtmp.Dial(ctx, "rtmp://"+rtmpAddr+"/live/mem", rtmp.DialConfig{})
		if err == nil {
			err = c.Play(ctx)
		}
		if err != nil {
			<-sem
			wg.Done()
			return err
		}
		read = c.ReadTag
	default:
		resp, err := http.Get("http://" + httpAddr + "/live/mem.flv")
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("status %s", resp.Status)
		}
		var r *flv.Reader
		if err == nil {
			r = flv.NewReader(bufio.NewReader(resp.Body))
			_, err = r.ReadHeader()
		}
		if err != nil {
			<-sem
			wg.Done()
			return err
		}
		read = r.ReadTag
	}
	<-sem
	done := false
	for {
		tg, err := read()
		if err != nil {
			if !done {
				wg.Done()
				return err
			}
			return nil
		}
		if !done && tg.Type == flv.TagVideo && tg.Timestamp >= last {
			done = true
			wg.Done()
		}
	}
}

// pendingRequest opens a connection that stops half way through its
// request and keeps it (the process ends with its input): RTMP after
// connect's answer, HTTP within the request's headers.
func pendingRequest(proto, rtmpAddr, httpAddr string) error {
	switch proto {
	case "rtmp-handshake-pending":
		// C0 and C1 of a simple handshake, and no C2.
		c, err := net.Dial("tcp", rtmpAddr)
		if err != nil {
			return err
		}
		keepPending(c)
		c0c1 := make([]byte, 1+1536)
		c0c1[0] = rtmp.RTMPVersion
		_, err = c.Write(c0c1)
		return err
	case "rtmp-pending":
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := rtmp.Dial(ctx, "rtmp://"+rtmpAddr+"/live/mem", rtmp.DialConfig{})
		if err != nil {
			return err
		}
		keepPending(c)
		return nil
	}
	c, err := net.Dial("tcp", httpAddr)
	if err != nil {
		return err
	}
	keepPending(c)
	_, err = io.WriteString(c, "GET /live/mem.flv HTTP/1.1\r\nHost: mem\r\n")
	return err
}

// pendingConns keeps the pending connections open.
var pendingConns struct {
	sync.Mutex
	list []io.Closer
}

func keepPending(c io.Closer) {
	pendingConns.Lock()
	pendingConns.list = append(pendingConns.list, c)
	pendingConns.Unlock()
}
