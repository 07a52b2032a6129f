package live

import (
	"fmt"
	"net"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// discardConn is a net.Conn that accepts every write, so a benchmark measures
// the fan-out without the kernel: net.Buffers.WriteTo falls back to one Write
// per slice, which costs nothing here.
type discardConn struct{ n int64 }

func (c *discardConn) Write(b []byte) (int, error)      { c.n += int64(len(b)); return len(b), nil }
func (c *discardConn) Read([]byte) (int, error)         { return 0, net.ErrClosed }
func (c *discardConn) Close() error                     { return nil }
func (c *discardConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *discardConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *discardConn) SetDeadline(time.Time) error      { return nil }
func (c *discardConn) SetReadDeadline(time.Time) error  { return nil }
func (c *discardConn) SetWriteDeadline(time.Time) error { return nil }

// discardWriter is discardConn's write without waiting: it takes everything.
type discardWriter struct{ c *discardConn }

func (d discardWriter) TryWrite(v *[][]byte) (int64, error) {
	var n int64
	for _, b := range *v {
		n += int64(len(b))
	}
	d.c.n += n
	*v = (*v)[:0]
	return n, nil
}

func (d discardWriter) WriteAll(v *[][]byte) (int64, error) { return d.TryWrite(v) }

// benchViewer is one HTTP viewer as the fan-out sees it: its consumer with
// encoder and sink attached, caught up.
type benchViewer struct {
	c    *Consumer
	conn *discardConn
}

// benchFanOut publishes the 720p fixture, looping, to one stream with n
// viewers of format f, and measures the stream's fan-out round: every
// viewer's pull, encode and write without waiting, one tag per write (SRS's
// mw_latency 0), split over the goroutines GOMAXPROCS allows when the round
// is large (run with -cpu 1,2 to see the split). The benchmark is the
// stream's fan-out goroutine: it marks the fan-out as running, so WriteTag
// never starts one, and runs each round itself (nothing in the server's code
// is there for the benchmark). allocs/op includes publishing (newPacket, the
// TS muxer); ns/viewer-tag and allocs/viewer-tag leave it out, measured on a
// twin stream.
func benchFanOut(b *testing.B, f Format, n int) {
	tags := readFixture(b, "h264_aac_720p_2mbps.flv")
	var head, frames []flv.Tag
	for _, t := range tags {
		if t.Type == flv.TagScript || t.IsSequenceHeader() {
			if len(frames) == 0 {
				head = append(head, t)
			}
			continue
		}
		frames = append(frames, t)
	}
	period := frames[len(frames)-1].Timestamp + 40

	srv := NewServer(testConfig())
	vh := srv.Config().Vhost(DefaultVhost)
	pub := newLoopPublisher(b, srv, vh, "bench", head, frames, period)
	st := pub.st
	// Up to the second keyframe, so viewers join at a cached GOP.
	for keys := 0; keys < 2 || !pub.peek().IsKeyframe(); {
		if pub.peek().IsKeyframe() {
			keys++
		}
		pub.publish()
	}

	vs := make([]*benchViewer, n)
	for i := range vs {
		conn := &discardConn{}
		v := &benchViewer{c: st.subscribe(kindAV, f == FormatTS), conn: conn}
		out := &ConnSink{conn: conn, nbw: discardWriter{conn}, framer: &testChunked{head: testHead(f)}, sent: &atomic.Uint64{}}
		v.c.attach(newEncoder(f, vh), out, nil)
		v.c.wmu.Lock()
		err := v.c.drain() // the start-up burst: headers and the cached GOP
		v.c.wmu.Unlock()
		if err != nil {
			b.Fatal(err)
		}
		vs[i] = v
	}
	b.Cleanup(func() {
		for _, v := range vs {
			v.c.Close()
		}
	})
	st.mu.Lock()
	st.flushing = true // the benchmark runs the rounds
	st.mu.Unlock()

	// Publishing alone, on a twin stream without viewers: its time and
	// allocations per tag are taken out of the figures per viewer.
	twin := newLoopPublisher(b, srv, vh, "twin", head, frames, period)
	twin.st.subscribe(kindAV, f == FormatTS).Close() // the twin muxes what the measured stream muxes (TS)
	pubAllocs := testing.AllocsPerRun(len(frames), twin.publish)
	t0 := time.Now()
	for range len(frames) {
		twin.publish()
	}
	pubNs := float64(time.Since(t0).Nanoseconds()) / float64(len(frames))

	var m0, m1 runtime.MemStats
	b.ReportAllocs()
	b.ResetTimer()
	runtime.ReadMemStats(&m0)
	for range b.N {
		pub.publish()
		st.flushRound(time.Now())
	}
	runtime.ReadMemStats(&m1)
	b.StopTimer()
	for _, v := range vs {
		if v.c.pending || v.c.err != nil {
			b.Fatalf("a viewer left the fan-out: pending %v, err %v", v.c.pending, v.c.err)
		}
	}
	per := float64(b.N) * float64(n)
	b.ReportMetric(max(0, float64(b.Elapsed().Nanoseconds())-pubNs*float64(b.N))/per, "ns/viewer-tag")
	b.ReportMetric(max(0, float64(m1.Mallocs-m0.Mallocs)-pubAllocs*float64(b.N))/per, "allocs/viewer-tag")
	var bytes int64
	for _, v := range vs {
		bytes += v.conn.n
	}
	b.ReportMetric(float64(bytes)/float64(n)/float64(pub.next), "B/viewer-tag")
}

// loopPublisher publishes a fixture's frames to a stream of its own after its
// metadata and sequence headers, over and over, with timestamps that keep
// rising from one pass to the next.
type loopPublisher struct {
	st     *Stream
	frames []flv.Tag
	period uint32 // added to the timestamps on each pass
	next   int    // frames published
}

func newLoopPublisher(b *testing.B, srv *Server, vh *VhostConfig, name string, head, frames []flv.Tag, period uint32) *loopPublisher {
	st := srv.stream(StreamKey{DefaultVhost, "live", name}, vh, true)
	if err := st.startPublish(1); err != nil {
		b.Fatal(err)
	}
	for _, t := range head {
		st.WriteTag(t)
	}
	return &loopPublisher{st: st, frames: frames, period: period}
}

// peek is the frame publish writes next, before its timestamp is moved.
func (l *loopPublisher) peek() *flv.Tag { return &l.frames[l.next%len(l.frames)] }

func (l *loopPublisher) publish() {
	t := *l.peek()
	t.Timestamp += uint32(l.next/len(l.frames)) * l.period
	l.next++
	l.st.WriteTag(t)
}

// BenchmarkFanOutFLV is the HTTP-FLV hot path: per viewer and tag, the
// fan-out's try-lock, pull from the shared ring, flvEncoder.encode (three
// slices into the shared packet) and the chunked writev vector of ConnSink.
// Expect 0 allocs/viewer-tag.
func BenchmarkFanOutFLV(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("viewers=%d", n), func(b *testing.B) { benchFanOut(b, FormatFLV, n) })
	}
}

// BenchmarkFanOutTS is the HTTP-TS hot path: the TS bytes are muxed once per
// tag by the publisher (outside the timer) and shared by every viewer.
func BenchmarkFanOutTS(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run(fmt.Sprintf("viewers=%d", n), func(b *testing.B) { benchFanOut(b, FormatTS, n) })
	}
}

// BenchmarkWriteTag is the publisher's side: one tag into a stream with the
// FLV and TS serialisations built once (newPacket, seal, the TS muxer), the
// ring (the fan-out is left out: BenchmarkFanOut*).
func BenchmarkWriteTag(b *testing.B) {
	tags := readFixture(b, "h264_aac_720p_2mbps.flv")
	srv := NewServer(testConfig())
	st := testStream(srv, "bench")
	if err := st.startPublish(1); err != nil {
		b.Fatal(err)
	}
	// TS muxing on, as with a TS viewer; no consumer, so no fan-out.
	st.subscribe(kindAV, true).Close()
	var frames []flv.Tag
	for _, t := range tags {
		if t.Type == flv.TagScript || t.IsSequenceHeader() {
			st.WriteTag(t)
			continue
		}
		frames = append(frames, t)
	}
	period := frames[len(frames)-1].Timestamp + 40
	var bytes int64
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		t := frames[i%len(frames)]
		t.Timestamp += uint32(i/len(frames)) * period
		bytes += int64(len(t.Data))
		st.WriteTag(t)
	}
	b.SetBytes(bytes / int64(max(b.N, 1)))
}
