package tests

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// flowGap is how long an HTTP-FLV viewer of a real-time stream may go
// without a media tag before a test that says "keeps flowing" fails. The
// server merges writes over play.mw_latency (100 ms in baseConfig, 350 ms by
// default) and the fixtures have a tag every 23-40 ms, so on an idle
// machine a healthy viewer sees gaps under half a second. The stalls this
// guards against last until a timeout ends the viewer (write_timeout, 30 s
// by default) or for ever; 5 s tells them apart from a machine whose two
// cores are shared with compilers (load 10 measured: gaps of 2.8 s seen
// there with nothing wrong) and the race detector.
const flowGap = 5 * time.Second

// flow is an HTTP-FLV viewer on a connection of its own that parses every
// tag and records when media (audio and video) tags arrive. Every read has a
// deadline of maxGap, so a stream that stalls ends the viewer with an error
// instead of going unnoticed; check and advance fail the test then, or when
// the longest gap between media tags passed maxGap.
type flow struct {
	url    string
	maxGap time.Duration
	conn   net.Conn
	done   chan struct{}

	mu      sync.Mutex
	start   time.Time // when the response headers came
	tags    int       // media tags
	lastAt  time.Time // when the last media tag came
	longest time.Duration
	gapEnd  time.Time // when the longest gap ended
	gapTS   uint32    // the media timestamp just before it
	firstTS uint32    // media timestamps: first and latest
	lastTS  uint32
	err     error // why the viewer ended: io.EOF is a clean end of the stream
}

// watchFlow starts an HTTP-FLV viewer of url (http://host:port/path) that
// fails the test's checks when media stops for more than maxGap.
func watchFlow(t testing.TB, rawurl string, maxGap time.Duration) *flow {
	t.Helper()
	u, err := url.Parse(rawurl)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	f := &flow{url: rawurl, maxGap: maxGap, conn: c, done: make(chan struct{})}
	t.Cleanup(f.stop)
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", u.RequestURI(), u.Host)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		t.Fatalf("%s: %v", rawurl, err)
	}
	if resp.StatusCode != http.StatusOK {
		c.Close()
		t.Fatalf("%s: %s", rawurl, resp.Status)
	}
	f.start, f.lastAt = time.Now(), time.Now()
	go f.run(resp)
	return f
}

func (f *flow) run(resp *http.Response) {
	defer close(f.done)
	defer resp.Body.Close()
	r := flv.NewReader(resp.Body)
	f.conn.SetReadDeadline(time.Now().Add(f.maxGap))
	if _, err := r.ReadHeader(); err != nil {
		f.end(fmt.Errorf("FLV header: %w", err))
		return
	}
	for {
		// The deadline is renewed per tag: a read that waits longer than
		// maxGap for the rest of a tag is a stall too.
		f.conn.SetReadDeadline(time.Now().Add(f.maxGap))
		tag, err := r.ReadTag()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				err = fmt.Errorf("no media for more than %v: %w", f.maxGap, err)
			}
			f.end(err)
			return
		}
		if tag.Type != flv.TagAudio && tag.Type != flv.TagVideo {
			continue
		}
		now := time.Now()
		f.mu.Lock()
		if gap := now.Sub(f.lastAt); gap > f.longest {
			f.longest, f.gapEnd, f.gapTS = gap, now, f.lastTS
		}
		if f.tags == 0 {
			f.firstTS = tag.Timestamp
		}
		f.tags++
		f.lastAt, f.lastTS = now, max(f.lastTS, tag.Timestamp)
		f.mu.Unlock()
	}
}

func (f *flow) end(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

// stop hangs up and waits for the reader.
func (f *flow) stop() {
	f.conn.Close()
	<-f.done
}

// state returns what the viewer saw so far, including the gap still open.
func (f *flow) state() (tags int, longest time.Duration, media time.Duration, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	longest = f.longest
	if f.err == nil {
		longest = max(longest, time.Since(f.lastAt))
	}
	return f.tags, longest, time.Duration(f.lastTS-f.firstTS) * time.Millisecond, f.err
}

// check fails the test when the viewer has ended or media stopped for more
// than maxGap at any time so far.
func (f *flow) check(t testing.TB, what string) {
	t.Helper()
	tags, longest, _, err := f.state()
	if err != nil {
		t.Fatalf("%s: %s ended after %d media tags: %v", what, f.url, tags, err)
	}
	if longest > f.maxGap {
		f.mu.Lock()
		at, ts := f.gapEnd.Sub(f.start), f.gapTS
		f.mu.Unlock()
		t.Fatalf("%s: %s had no media for %v (bound %v), ending %v after the viewer started, after media time %d ms",
			what, f.url, longest.Round(time.Millisecond), f.maxGap, at.Round(time.Millisecond), ts)
	}
	if tags == 0 {
		t.Fatalf("%s: %s got no media", what, f.url)
	}
}

// advance waits until the stream's media timestamps have moved on by d
// (real-time media, so about d of wall time; the wait gives up at 3d + 10 s)
// and then checks it.
func (f *flow) advance(t testing.TB, d time.Duration, what string) {
	t.Helper()
	_, _, from, _ := f.state()
	deadline := time.Now().Add(3*d + 10*time.Second)
	for {
		tags, _, media, err := f.state()
		if err != nil || media >= from+d {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s media advanced %v in %v, want %v (%d tags)", what, f.url, media-from, 3*d+10*time.Second, d, tags)
		}
		time.Sleep(20 * time.Millisecond)
	}
	f.check(t, what)
}

// wait waits up to d for the viewer to end and returns why it ended, or
// nil when it is still going.
func (f *flow) wait(d time.Duration) error {
	select {
	case <-f.done:
	case <-time.After(d):
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// TestFlowCatchesStall: the flow helper fails a stream that stops, both
// while it waits and as soon as the read deadline fires, and passes one that
// keeps going. An in-process server stands in for picosrs.
func TestFlowCatchesStall(t *testing.T) {
	t.Parallel()
	stall := make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "video/x-flv")
		w.Write([]byte("FLV\x01\x04\x00\x00\x00\x09\x00\x00\x00\x00")) // audio only, PreviousTagSize0
		rc := http.NewResponseController(w)
		for ts := uint32(0); ; ts += 20 {
			if r.URL.Path == "/stall.flv" && ts == 400 {
				select {
				case <-stall:
				case <-r.Context().Done():
				}
				return
			}
			// An AAC frame tag (FLV spec E.4.1): 11-byte header, 3-byte
			// body, PreviousTagSize 14.
			tag := []byte{8, 0, 0, 3, byte(ts >> 16), byte(ts >> 8), byte(ts), byte(ts >> 24), 0, 0, 0, 0xaf, 1, 0, 0, 0, 0, 14}
			if _, err := w.Write(tag); err != nil {
				return
			}
			rc.Flush()
			time.Sleep(20 * time.Millisecond)
		}
	})}
	go hs.Serve(ln)
	defer hs.Close()
	defer close(stall)
	base := "http://" + ln.Addr().String()

	// The steady stream's bound is generous: a loaded machine may hold a
	// 20 ms tick back by a few hundred ms; only the stalled one must fail.
	ok := watchFlow(t, base+"/ok.flv", 2*time.Second)
	ok.advance(t, 500*time.Millisecond, "steady stream")

	stalled := watchFlow(t, base+"/stall.flv", 300*time.Millisecond)
	// The stall comes after 20 tags (400 ms of media); then wait past maxGap.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if tags, _, _, _ := stalled.state(); tags >= 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stalling stream never got to its stall")
		}
	}
	time.Sleep(400 * time.Millisecond)
	ft := &fakeT{TB: t}
	ft.run(func() { stalled.check(ft, "stalled stream") })
	if !ft.failed {
		t.Fatal("check passed a stream that stopped")
	}
	if err := stalled.wait(2 * time.Second); err == nil {
		t.Fatal("the read deadline did not end a stalled stream")
	}
	ft = &fakeT{TB: t}
	ft.run(func() { stalled.advance(ft, time.Second, "stalled stream") })
	if !ft.failed {
		t.Fatal("advance passed a stream that stopped")
	}
	ok.check(t, "steady stream")
}

// fakeT is a testing.TB that records a failure instead of failing the test,
// to check that a helper fails when it should.
type fakeT struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
}
func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}
func (f *fakeT) Fatal(args ...any) {
	f.failed, f.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

// run calls fn on a goroutine of its own, so that Fatal can end it.
func (f *fakeT) run(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	<-done
}
