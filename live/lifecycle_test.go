package live

import (
	"bufio"
	"errors"
	"github.com/picosrs/picosrs/internal/fixture"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// TestRepublishWithinGrace: a viewer stays attached while the publisher drops
// and comes back, gets the new sequence headers, and its timestamps never run
// backwards; after the grace period with no publisher its response ends.
func TestRepublishWithinGrace(t *testing.T) {
	cfg := testConfig()
	cfg.Vhosts[0].Remux.Grace = 300 * time.Millisecond
	srv, addr := startHTTP(t, cfg)
	ch := fixture.GetFLV(t, "http://"+addr+"/live/r.flv", "")
	st := waitStream(t, srv, StreamKey{DefaultVhost, "live", "r"}, 1)
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
	fast := fixture.GetFLV(t, "http://"+addr+"/live/slow.flv", "")
	st := waitStream(t, srv, StreamKey{DefaultVhost, "live", "slow"}, 2)
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
	vh := srv.Config().Vhost(DefaultVhost)
	st := srv.stream(StreamKey{DefaultVhost, "live", "m"}, vh, true)
	st.startPublish(1)
	for _, tag := range readFixture(t, "h264_aac.flv")[:100] {
		st.WriteTag(tag)
	}
	c := subscribeFormat(st, FormatTS)
	defer c.Close()
	batch, err := c.pull(nil)
	if err != nil {
		t.Fatal(err)
	}
	bufs, _ := newEncoder(FormatTS, vh).encode(nil, batch)
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
	key := StreamKey{DefaultVhost, "live", "nobody"}
	waitStream(t, srv, key, 1)
	conn.Close()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if srv.Stream(key) == nil && len(srv.Clients()) == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("waiting player not freed: stream present %v, %d clients", srv.Stream(key) != nil, len(srv.Clients()))
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
	srv, addr, tv := startViewers(t, cfg)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetReadBuffer(256 << 10) // above the loopback MSS: no silly-window crawl
	io.WriteString(nc, "GET /live/pause.flv HTTP/1.1\r\nHost: x\r\n\r\n")
	st := waitStream(t, srv, StreamKey{DefaultVhost, "live", "pause"}, 1)
	sink, sc := tv.sink(t, 0)
	// A small send buffer on the server's side (no autotuning to 4 MB), so
	// that a pause fills it.
	sc.(*net.TCPConn).SetWriteBuffer(32 << 10)
	counts := sink.counts

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
		for _, tag := range tags {
			if loop > 0 && (tag.Type == flv.TagScript || tag.IsSequenceHeader()) {
				continue
			}
			tag.Timestamp += uint32(loop * 40000)
			if tag.IsVideoFrame() || tag.IsAudioFrame() {
				want = append(want, rec{tag.Type, tag.Timestamp, len(tag.Data)})
			}
			st.WriteTag(tag)
			// About a thousand tags a second: the viewer, pausing 150 ms
			// every 300 tags, still reads twice as fast on average, so it
			// catches up after each pause.
			time.Sleep(time.Millisecond)
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
	st := testStream(srv, "pipe")
	c := subscribeFormat(st, FormatFLV)
	defer c.Close()
	server, client := net.Pipe()
	defer client.Close()
	conn := newConnSink(server, &testChunked{head: testHead(FormatFLV)}, 5*time.Second, &atomic.Uint64{})
	if conn.nbw != nil {
		t.Fatal("net.Pipe got a non-blocking writer")
	}
	out := &countingSink{Sink: conn}
	vh := srv.Config().Vhost(DefaultVhost)
	gone := make(chan struct{})
	perr := make(chan error, 1)
	go func() { perr <- c.serve(newEncoder(FormatFLV, vh), out, gone) }()

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
		caught := !c.pending && c.cursor == st.ring.head
		st.mu.RUnlock()
		c.wmu.Unlock()
		fan, hand := out.counts()
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
	close(gone)
	if err := <-perr; !errors.Is(err, ErrViewerGone) {
		t.Fatalf("run: %v", err)
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
	key := StreamKey{DefaultVhost, "live", "hangup"}
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
