package live

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

func startHTTP(t *testing.T, cfg *Config) (*Server, string) {
	t.Helper()
	srv := NewServer(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close(); srv.Shutdown(t.Context()) })
	return srv, ln.Addr().String()
}

func waitStream(t *testing.T, srv *Server, key streamKey, consumers int) *Stream {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		srv.mu.Lock()
		st := srv.streams[key]
		srv.mu.Unlock()
		if st != nil {
			st.mu.RLock()
			n := len(st.consumers)
			st.mu.RUnlock()
			if n >= consumers {
				return st
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("stream %v never had %d consumers", key, consumers)
	return nil
}

// get starts a GET and returns an FLV reader on the body once headers arrive.
func getFLV(t *testing.T, url, host string) chan *flv.Reader {
	ch := make(chan *flv.Reader, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if host != "" {
			req.Host = host
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("GET %s (host %q): %v %v", url, host, err, resp)
			close(ch)
			return
		}
		t.Cleanup(func() { resp.Body.Close() })
		r := flv.NewReader(bufio.NewReader(resp.Body))
		if _, err := r.ReadHeader(); err != nil {
			t.Errorf("header: %v", err)
			close(ch)
			return
		}
		ch <- r
	}()
	return ch
}

// TestVhostsKeptApart: a named vhost mounts at host-specific URLs, the default
// vhost catches every other host, and the same app/stream on two vhosts are two
// streams.
func TestVhostsKeptApart(t *testing.T) {
	cfg := testConfig()
	named := NewVhostConfig("show.com")
	named.Remux.Enabled = true
	named.Remux.Mounts = []string{"[vhost]/[app]/[stream].flv"}
	named.MwLatency = 0
	cfg.Vhosts = append(cfg.Vhosts, named)
	srv, addr := startHTTP(t, cfg)

	defCh := getFLV(t, "http://"+addr+"/live/s.flv", "other.example")
	namedCh := getFLV(t, "http://"+addr+"/live/s.flv", "show.com:8080")
	paramCh := getFLV(t, "http://"+addr+"/live/s.flv?vhost=show.com", "")
	stDef := waitStream(t, srv, streamKey{DefaultVhost, "live", "s"}, 1)
	stNamed := waitStream(t, srv, streamKey{"show.com", "live", "s"}, 2)
	stDef.startPublish(1)
	stNamed.startPublish(2)
	audio := readFixture(t, "aac_only.flv")
	video := readFixture(t, "h264_aac.flv")
	for i := 0; i < 40; i++ {
		stDef.WriteTag(audio[i])
		stNamed.WriteTag(video[i])
	}
	check := func(ch chan *flv.Reader, wantVideo bool, what string) {
		r := <-ch
		if r == nil {
			t.FailNow()
		}
		sawVideo := false
		for i := 0; i < 20; i++ {
			tag, err := r.ReadTag()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			sawVideo = sawVideo || tag.Type == flv.TagVideo
		}
		if sawVideo != wantVideo {
			t.Errorf("%s: video=%v, want %v: streams mixed up", what, sawVideo, wantVideo)
		}
	}
	check(defCh, false, "default vhost")
	check(namedCh, true, "Host: show.com")
	check(paramCh, true, "?vhost=show.com")
}

// TestRepublishWithinGrace: a viewer stays attached while the publisher drops
// and comes back, gets the new sequence headers, and its timestamps never run
// backwards; after the grace period with no publisher its response ends.
func TestRepublishWithinGrace(t *testing.T) {
	cfg := testConfig()
	cfg.Vhosts[0].Remux.Grace = 300 * time.Millisecond
	srv, addr := startHTTP(t, cfg)
	ch := getFLV(t, "http://"+addr+"/live/r.flv", "")
	st := waitStream(t, srv, streamKey{DefaultVhost, "live", "r"}, 1)
	tags := readFixture(t, "h264_aac.flv")
	st.startPublish(1)
	for _, tag := range tags[:60] {
		st.WriteTag(tag)
	}
	st.stopPublish(1)
	time.Sleep(50 * time.Millisecond)
	if err := st.startPublish(2); err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags[:60] { // the new publisher starts again at 0
		st.WriteTag(tag)
	}
	r := <-ch
	if r == nil {
		t.FailNow()
	}
	// The README: timestamps never run backwards across a republish. Per
	// track (audio and video are interleaved by the publisher, each in its
	// own order), each tag's timestamp is at least the one before it.
	last := map[flv.TagType]uint32{}
	var headers, n int
	for n < 118 {
		tag, err := r.ReadTag()
		if err != nil {
			t.Fatalf("tag %d: %v", n, err)
		}
		n++
		if tag.IsSequenceHeader() {
			headers++
		}
		if tag.Type != flv.TagScript {
			if p, ok := last[tag.Type]; ok && tag.Timestamp < p {
				t.Fatalf("tag %d: %s timestamp ran backwards: %d ms after %d ms", n, trackName(tag.Type), tag.Timestamp, p)
			}
			last[tag.Type] = tag.Timestamp
		}
	}
	if headers < 4 {
		t.Errorf("%d sequence headers, want the old and the new ones", headers)
	}
	st.stopPublish(2)
	done := make(chan error, 1)
	go func() {
		for {
			if _, err := r.ReadTag(); err != nil {
				done <- err
				return
			}
		}
	}()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Fatalf("after grace: %v, want a clean end", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("response did not end after the grace period")
	}
}

// TestSlowViewerBesideFastOne: a viewer that stops reading never holds up the
// publisher or a fast viewer, and is cut loose.
func TestSlowViewerBesideFastOne(t *testing.T) {
	cfg := testConfig()
	// The whole input is published at once, so no viewer may be judged
	// behind by media time: the write deadline is what catches the slow one.
	cfg.Vhosts[0].QueueLength = time.Hour
	cfg.RingBytes = 256 << 20
	cfg.WriteTimeout = 500 * time.Millisecond
	srv, addr := startHTTP(t, cfg)
	// The slow viewer: a raw connection that sends a request and never reads.
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.(*net.TCPConn).SetReadBuffer(4096)
	io.WriteString(slow, "GET /live/slow.flv HTTP/1.1\r\nHost: x\r\n\r\n")
	fast := getFLV(t, "http://"+addr+"/live/slow.flv", "")
	st := waitStream(t, srv, streamKey{DefaultVhost, "live", "slow"}, 2)
	st.startPublish(1)
	tags := readFixture(t, "h264_aac.flv")
	var read atomicInt
	go func() {
		r := <-fast
		for r != nil {
			if _, err := r.ReadTag(); err != nil {
				return
			}
			read.add(1)
		}
	}()
	consumers := func() int {
		st.mu.RLock()
		defer st.mu.RUnlock()
		return len(st.consumers)
	}
	// Publish until the slow viewer is cut loose: its kernel buffers fill,
	// the write deadline passes, it is closed. The fast viewer keeps up.
	published := 0
	for loop := 0; loop < 40 && consumers() > 1; loop++ {
		for _, tag := range tags {
			tag.Timestamp += uint32(loop * 10100)
			st.WriteTag(tag)
			published++
		}
		time.Sleep(100 * time.Millisecond)
	}
	if consumers() > 1 {
		t.Fatalf("slow viewer still attached after %d tags", published)
	}
	deadline := time.Now().Add(20 * time.Second)
	for read.load() < published-10 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := read.load(); n < published-10 {
		st.mu.RLock()
		for _, c := range st.consumers {
			t.Logf("consumer drops %d", c.drops)
		}
		st.mu.RUnlock()
		t.Fatalf("fast viewer got %d of %d tags", n, published)
	}
	t.Logf("slow viewer closed after %d tags; the fast one read them all", published)
}

type atomicInt struct {
	mu sync.Mutex
	n  int
}

func (a *atomicInt) add(d int) { a.mu.Lock(); a.n += d; a.mu.Unlock() }
func (a *atomicInt) load() int { a.mu.Lock(); defer a.mu.Unlock(); return a.n }

// TestTSFirstViewerMidStream: the stream's first TS viewer, arriving in the
// middle of a GOP, starts at once at the cached keyframe with PAT/PMT.
func TestTSFirstViewerMidStream(t *testing.T) {
	srv := NewServer(testConfig())
	vh := srv.Config().vhost(DefaultVhost)
	st := srv.stream(streamKey{DefaultVhost, "live", "m"}, vh, true)
	st.startPublish(1)
	for _, tag := range readFixture(t, "h264_aac.flv")[:100] {
		st.WriteTag(tag)
	}
	c := st.subscribeFormat(formatTS)
	defer c.Close()
	batch, err := c.pull(nil)
	if err != nil {
		t.Fatal(err)
	}
	bufs, _ := newEncoder(formatTS, vh).encode(nil, batch)
	if len(bufs) < 10 {
		t.Fatalf("the cached GOP gave %d TS chunks", len(bufs))
	}
	if b := bufs[0]; len(b) < 188 || b[0] != 0x47 || b[1]&0x1f != 0 || b[2] != 0 {
		t.Fatalf("first TS packet is not a PAT: % x", bufs[0][:4])
	}
}

// TestWaitingPlayerFreedOnHangUp: a player waiting for a publisher that hangs
// up is detached at once and the idle stream is dropped (SRS leaked these).
func TestWaitingPlayerFreedOnHangUp(t *testing.T) {
	srv, addr := startHTTP(t, testConfig())
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "GET /live/nobody.flv HTTP/1.1\r\nHost: x\r\n\r\n")
	key := streamKey{DefaultVhost, "live", "nobody"}
	waitStream(t, srv, key, 1)
	conn.Close()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		srv.mu.Lock()
		_, present := srv.streams[key]
		srv.mu.Unlock()
		if !present && srv.Connections() == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("waiting player not freed: %d connections", srv.Connections())
}

// TestHandOffAndBack: a viewer that pauses now and then fills its socket; the
// fan-out hands it to its own goroutine, which finishes the batch, catches
// up and hands it back. Through all of it the viewer gets every tag once, in
// order, and the fan-out writes to it again afterwards.
func TestHandOffAndBack(t *testing.T) {
	cfg := testConfig()
	cfg.Vhosts[0].QueueLength = time.Hour // never resynchronised: every tag must arrive
	cfg.Vhosts[0].TimeJitter = JitterOff  // timestamps arrive as published
	cfg.RingBytes = 512 << 20
	cfg.WriteTimeout = 20 * time.Second
	srv, addr := startHTTP(t, cfg)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetReadBuffer(256 << 10) // above the loopback MSS: no silly-window crawl
	io.WriteString(nc, "GET /live/pause.flv HTTP/1.1\r\nHost: x\r\n\r\n")
	st := waitStream(t, srv, streamKey{DefaultVhost, "live", "pause"}, 1)
	c := func() *Consumer {
		st.mu.RLock()
		defer st.mu.RUnlock()
		return st.consumers[0]
	}()
	// A small send buffer on the server's side (no autotuning to 4 MB), so
	// that a pause fills it.
	for deadline := time.Now().Add(3 * time.Second); ; {
		c.wmu.Lock()
		out, _ := c.out.(*httpSink)
		if out != nil {
			out.conn.(*net.TCPConn).SetWriteBuffer(32 << 10)
		}
		c.wmu.Unlock()
		if out != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the viewer's goroutine never attached its sink")
		}
		time.Sleep(time.Millisecond)
	}
	counts := func() (fan, hand int) {
		c.wmu.Lock()
		defer c.wmu.Unlock()
		return c.fanWrites, c.handoffs
	}

	type rec struct {
		typ flv.TagType
		ts  uint32
		n   int
	}
	got := make(chan []rec, 1)
	go func() {
		var out []rec
		defer func() { got <- out }()
		br := bufio.NewReader(nc)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Errorf("response: %v", err)
			return
		}
		r := flv.NewReader(resp.Body)
		if _, err := r.ReadHeader(); err != nil {
			t.Errorf("header: %v", err)
			return
		}
		for i := 0; ; i++ {
			tag, err := r.ReadTag()
			if err != nil {
				return
			}
			if tag.IsVideoFrame() || tag.IsAudioFrame() {
				out = append(out, rec{tag.Type, tag.Timestamp, len(tag.Data)})
			}
			if i%300 == 299 {
				time.Sleep(150 * time.Millisecond) // the pause that fills the socket
			}
		}
	}()

	st.startPublish(1)
	tags := readFixture(t, "h264_aac.flv")
	var want []rec
	handedBack, firstFan := false, -1
	for loop := 0; loop < 60 && !handedBack; loop++ {
		for i, tag := range tags {
			if loop > 0 && (tag.Type == flv.TagScript || tag.IsSequenceHeader()) {
				continue
			}
			tag.Timestamp += uint32(loop * 40000)
			if tag.IsVideoFrame() || tag.IsAudioFrame() {
				want = append(want, rec{tag.Type, tag.Timestamp, len(tag.Data)})
			}
			st.WriteTag(tag)
			if i%5 == 0 {
				time.Sleep(time.Millisecond) // slower than the viewer, pauses aside
			}
		}
		// Handed off at least once, then written by the fan-out again.
		if fan, hand := counts(); hand > 0 && firstFan < 0 {
			firstFan = fan
		} else if hand > 0 && fan > firstFan+5 {
			handedBack = true
		}
	}
	fan, hand := counts()
	if !handedBack {
		t.Fatalf("never handed off and back: %d fan-out writes, %d hand-offs", fan, hand)
	}
	st.stopPublish(1) // ends the response after the grace period
	var rs []rec
	select {
	case rs = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("the response never ended")
	}
	if len(rs) != len(want) {
		t.Fatalf("received %d frames, published %d (%d fan-out writes, %d hand-offs)", len(rs), len(want), fan, hand)
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Fatalf("frame %d: got %+v, want %+v", i, rs[i], want[i])
		}
	}
	t.Logf("%d frames intact through %d fan-out writes and %d hand-offs", len(rs), fan, hand)
}

// TestFanOutWithoutNonblockingWrites: on a connection nbio cannot write
// without waiting (here net.Pipe; a platform other than linux), the fan-out
// hands every batch to the viewer's goroutine, which writes it: the viewer
// still gets every frame, in order.
func TestFanOutWithoutNonblockingWrites(t *testing.T) {
	srv := NewServer(testConfig())
	vh := srv.Config().vhost(DefaultVhost)
	st := srv.stream(streamKey{DefaultVhost, "live", "pipe"}, vh, true)
	c := st.subscribeFormat(formatFLV)
	defer c.Close()
	server, client := net.Pipe()
	defer client.Close()
	out := newHTTPSink(server, liveHead(formatFLV, "test", false), 5*time.Second, &Client{})
	if out.nbw != nil {
		t.Fatal("net.Pipe got a non-blocking writer")
	}
	done := make(chan struct{})
	perr := make(chan error, 1)
	go func() { perr <- srv.pump(t.Context(), c, newEncoder(formatFLV, vh), out, done) }()

	got := make(chan int, 1)
	go func() {
		resp, err := http.ReadResponse(bufio.NewReader(client), nil)
		if err != nil {
			t.Errorf("response: %v", err)
			got <- 0
			return
		}
		r := flv.NewReader(resp.Body)
		if _, err := r.ReadHeader(); err != nil {
			t.Errorf("header: %v", err)
			got <- 0
			return
		}
		n := 0
		var last uint32
		for {
			tag, err := r.ReadTag()
			if err != nil {
				break
			}
			if tag.IsVideoFrame() || tag.IsAudioFrame() {
				if tag.Type == flv.TagVideo && tag.Timestamp < last {
					t.Errorf("video timestamps went back: %d after %d", tag.Timestamp, last)
				}
				if tag.Type == flv.TagVideo {
					last = tag.Timestamp
				}
				n++
			}
		}
		got <- n
	}()

	st.startPublish(1)
	want := 0
	for i, tag := range readFixture(t, "h264_aac.flv") {
		if tag.IsVideoFrame() || tag.IsAudioFrame() {
			want++
		}
		st.WriteTag(tag)
		if i%10 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.wmu.Lock() // the cursor belongs to whoever holds wmu
		st.mu.RLock()
		fan, hand, caught := c.fanWrites, c.handoffs, !c.pending && c.cursor == st.ring.head
		st.mu.RUnlock()
		c.wmu.Unlock()
		if caught && hand > 0 {
			if fan != hand {
				t.Errorf("%d fan-out writes but %d hand-offs: without nbio every batch is handed off", fan, hand)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the viewer never caught up: %d fan-out writes, %d hand-offs", fan, hand)
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(done)
	if err := <-perr; !errors.Is(err, errClientGone) {
		t.Fatalf("pump: %v", err)
	}
	server.Close()
	if n := <-got; n != want {
		t.Fatalf("viewer got %d frames, published %d", n, want)
	}
}

// TestViewerHangUpIsNoError: viewers that leave mid-stream, with a FIN or a
// reset, are clients that left, not clients that failed, even when the
// fan-out's write meets the closed socket before their reader sees it.
func TestViewerHangUpIsNoError(t *testing.T) {
	srv, addr := startHTTP(t, testConfig())
	key := streamKey{DefaultVhost, "live", "hangup"}
	var conns []net.Conn
	for i := 0; i < 8; i++ {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(nc, "GET /live/hangup.flv HTTP/1.1\r\nHost: x\r\n\r\n")
		conns = append(conns, nc)
	}
	st := waitStream(t, srv, key, len(conns))
	st.startPublish(1)
	tags := readFixture(t, "h264_aac.flv")
	for i, tag := range tags {
		st.WriteTag(tag)
		if i == len(tags)/3 {
			for j, nc := range conns {
				if j%2 == 0 {
					nc.(*net.TCPConn).SetLinger(0) // reset
				}
				nc.Close()
			}
		}
		if i%10 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(srv.Clients()) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	total, errs := srv.ClientTotals()
	if n := len(srv.Clients()); n > 0 {
		t.Fatalf("%d viewers still attached", n)
	}
	if total != uint64(len(conns)) || errs != 0 {
		t.Fatalf("%d clients served, %d counted as errors; want %d and 0", total, errs, len(conns))
	}
}

// trackName names a tag type for messages.
func trackName(t flv.TagType) string {
	switch t {
	case flv.TagAudio:
		return "audio"
	case flv.TagVideo:
		return "video"
	}
	return "script"
}
