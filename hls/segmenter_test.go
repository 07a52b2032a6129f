package hls

import (
	"bytes"
	"math"
	"strconv"
	"testing"
	"time"
)

var testNames = NewNames("[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", "__defaultVhost__", "live", "s")

func memCfg() Config {
	return Config{Fragment: 4 * time.Second, TDRatio: 1, AOFRatio: 2.1, Window: 20 * time.Second, MaxBytes: 64 << 20, WaitKeyframe: true, Memory: true}
}

func feed(g *Segmenter, units []Unit) {
	for _, u := range units {
		g.Write(u)
	}
}

func windowOf(t *testing.T, s *Store) *Window {
	t.Helper()
	w, ok := s.Window("k")
	if !ok {
		t.Fatal("no window")
	}
	return w
}

// TestCutAtKeyframes: with a 2 s GOP and hls_fragment 4, every segment is
// cut at a keyframe 4 s after the last cut, starts with that keyframe's
// bytes, and the durations add up to the time fed.
func TestCutAtKeyframes(t *testing.T) {
	s := NewStore()
	g := s.Open("k", "__defaultVhost__", testNames, memCfg())
	units := avStream(30, 50, 0)
	feed(g, units)
	w := windowOf(t, s)
	key := map[uint32]bool{}
	for i, u := range units {
		if u.Key {
			key[uint32(i+1)] = true
		}
	}
	var sum time.Duration
	for i, seg := range w.segs {
		ids := idsOf(seg)
		if i > 0 || seg.Seq > 0 {
			if !key[ids[0]] {
				t.Errorf("segment %d starts with unit %d, not a keyframe", seg.Seq, ids[0])
			}
		}
		if seg.Duration != 4*time.Second {
			t.Errorf("segment %d lasts %v, want 4s", seg.Seq, seg.Duration)
		}
		sum += seg.Duration
		if seg.Path != "live/s-"+itoa(seg.Seq)+".ts" || seg.URI != "s-"+itoa(seg.Seq)+".ts" {
			t.Errorf("segment %d: path %q uri %q", seg.Seq, seg.Path, seg.URI)
		}
	}
	// 30 s fed, cut every 4 s: 7 segments closed, 2 s open; a 20 s window
	// lists 5 of them.
	if w.next != 7 || len(w.segs) != 5 || sum != 20*time.Second {
		t.Fatalf("next %d, %d segments, %v listed", w.next, len(w.segs), sum)
	}
	if g.cur.start != 28*time.Second {
		t.Fatalf("open segment starts at %v", g.cur.start)
	}
}

func itoa(u uint64) string { return strconv.FormatUint(u, 10) }

// TestCutWithoutWaitKeyframe: hls_wait_keyframe off cuts at the first
// video frame after the target, keyframe or not.
func TestCutWithoutWaitKeyframe(t *testing.T) {
	s := NewStore()
	cfg := memCfg()
	cfg.Fragment = 3 * time.Second
	cfg.WaitKeyframe = false
	g := s.Open("k", "v", testNames, cfg)
	feed(g, avStream(20, 250, 0))
	for _, seg := range windowOf(t, s).segs {
		if seg.Duration < 3*time.Second || seg.Duration > 3*time.Second+40*time.Millisecond {
			t.Errorf("segment %d lasts %v", seg.Seq, seg.Duration)
		}
	}
}

// TestAudioOnlyOnTime: an audio-only stream is cut on time, each segment
// within 10 % of hls_fragment, starting with PAT/PMT.
func TestAudioOnlyOnTime(t *testing.T) {
	s := NewStore()
	g := s.Open("k", "v", testNames, memCfg())
	feed(g, audioStream(30, 0))
	w := windowOf(t, s)
	if len(w.segs) < 4 {
		t.Fatalf("%d segments", len(w.segs))
	}
	for _, seg := range w.segs {
		if d := seg.Duration.Seconds(); math.Abs(d-4) > 0.4 {
			t.Errorf("segment %d lasts %v", seg.Seq, seg.Duration)
		}
		if first := seg.AppendBuffers(nil)[0]; !bytes.Equal(first, testPSI) {
			t.Errorf("segment %d does not start with PAT/PMT", seg.Seq)
		}
	}
}

// TestVideoStopsAudioGoesOn: when the video of an A/V stream stops, audio
// cuts the segment after hls_aof_ratio*hls_fragment.
func TestVideoStopsAudioGoesOn(t *testing.T) {
	s := NewStore()
	g := s.Open("k", "v", testNames, memCfg())
	feed(g, avStream(5, 50, 0))
	feed(g, audioStream(30, 5*time.Second))
	w := windowOf(t, s)
	for _, seg := range w.segs[1:] {
		if seg.Duration > 9*time.Second {
			t.Errorf("segment %d lasts %v: audio did not cut it", seg.Seq, seg.Duration)
		}
	}
}

// TestNoKeyframeBounded: video that never has another keyframe is still
// cut, at three target durations, so one segment cannot grow for ever.
func TestNoKeyframeBounded(t *testing.T) {
	s := NewStore()
	g := s.Open("k", "v", testNames, memCfg())
	feed(g, avStream(60, 100000, 0))
	w := windowOf(t, s)
	if w.next < 4 {
		t.Fatalf("%d segments in 60 s without keyframes", w.next)
	}
	for _, seg := range w.segs {
		if seg.Duration > g.cfg.longest() {
			t.Errorf("segment %d lasts %v", seg.Seq, seg.Duration)
		}
	}
}

// TestWindowSlides: the playlist lists at most hls_window seconds, the
// media sequence moves on, and a segment that left the window is no longer
// found while the newest is.
func TestWindowSlides(t *testing.T) {
	s := NewStore()
	g := s.Open("k", "__defaultVhost__", testNames, memCfg())
	feed(g, avStream(60, 50, 0))
	w := windowOf(t, s)
	pl, ok := w.Playlist()
	if !ok {
		t.Fatal("no playlist")
	}
	p, err := parsePlaylist(pl)
	if err != nil {
		t.Fatalf("%v\n%s", err, pl)
	}
	var sum float64
	for _, seg := range p.segs {
		sum += seg.dur
	}
	if sum > 20 || p.mediaSeq != w.segs[0].Seq || p.mediaSeq == 0 || p.target != 4 || p.version != 3 {
		t.Fatalf("playlist: %+v\n%s", p, pl)
	}
	if _, _, ok := s.Find("__defaultVhost__", "live/s-0.ts"); ok {
		t.Error("segment 0 left the window but is found")
	}
	last := w.segs[len(w.segs)-1]
	if _, seg, ok := s.Find("__defaultVhost__", last.Path); !ok || seg != last {
		t.Errorf("newest segment %s not found", last.Path)
	}
	if fw, seg, ok := s.Find("other", "live/s.m3u8"); !ok || fw != w || seg != nil {
		t.Error("playlist not found")
	}
}

// TestMaxBytes: hls_max_size bounds the window and the open segment
// together.
func TestMaxBytes(t *testing.T) {
	s := NewStore()
	cfg := memCfg()
	cfg.Window = time.Hour
	cfg.MaxBytes = 2 << 20
	g := s.Open("k", "v", testNames, cfg)
	for _, u := range avStream(120, 50, 0) {
		g.Write(u)
		w := windowOf(t, s)
		s.mu.RLock()
		total := w.mem + g.cur.mem
		n := len(w.segs)
		s.mu.RUnlock()
		if n > 1 && total > cfg.MaxBytes {
			t.Fatalf("at %v: %d bytes held with %d segments", u.DTS, total, n)
		}
	}
	if st := s.Stats(); st.Memory > cfg.MaxBytes || st.Segments < 2 {
		t.Fatalf("stats %+v", st)
	}
}

// TestRepublishDiscontinuity: a new session of the same stream continues
// its window: the sequence goes on, the first new segment carries
// EXT-X-DISCONTINUITY, and once it left the window the playlist counts it
// in EXT-X-DISCONTINUITY-SEQUENCE.
func TestRepublishDiscontinuity(t *testing.T) {
	s := NewStore()
	cfg := memCfg()
	cfg.Dispose = time.Hour
	g := s.Open("k", "v", testNames, cfg)
	feed(g, avStream(10, 50, 0))
	g.Close()
	w := windowOf(t, s)
	if w.Live() {
		t.Fatal("window live after Close")
	}
	before := w.next
	if _, ok := w.Playlist(); !ok {
		t.Fatal("ended window not served")
	}
	g = s.Open("k", "v", testNames, cfg)
	feed(g, avStream(10, 50, 0)) // timestamps start again at 0
	if !w.Live() {
		t.Fatal("window not live again")
	}
	pl, _ := w.Playlist()
	p, err := parsePlaylist(pl)
	if err != nil {
		t.Fatal(err)
	}
	discs := 0
	for i, seg := range p.segs {
		if seg.disc {
			discs++
			if uint64(i)+p.mediaSeq != before {
				t.Errorf("discontinuity at %d, want %d\n%s", uint64(i)+p.mediaSeq, before, pl)
			}
		}
	}
	if discs != 1 {
		t.Fatalf("%d discontinuities\n%s", discs, pl)
	}
	feed(g, avStream(40, 50, 10*time.Second))
	pl, _ = w.Playlist()
	if p, err = parsePlaylist(pl); err != nil || p.discSeq != 1 {
		t.Fatalf("discontinuity sequence %d (%v)\n%s", p.discSeq, err, pl)
	}
}

// TestTimeJumps: a step back or a long gap in the timestamps cuts the
// segment and starts a discontinuity.
func TestTimeJumps(t *testing.T) {
	s := NewStore()
	g := s.Open("k", "v", testNames, memCfg())
	feed(g, avStream(9, 50, 100*time.Second))
	feed(g, avStream(9, 50, 0))
	feed(g, avStream(9, 50, 500*time.Second))
	n := 0
	for _, seg := range windowOf(t, s).segs {
		if seg.Discontinuity {
			n++
		}
		if seg.Duration > 5*time.Second || seg.Duration < 0 {
			t.Errorf("segment %d lasts %v", seg.Seq, seg.Duration)
		}
	}
	if n != 2 {
		t.Fatalf("%d discontinuities, want 2", n)
	}
}

// TestDiscontinuityWaitsForKeyframe: Discontinuity cuts at the next
// keyframe, not before.
func TestDiscontinuityWaitsForKeyframe(t *testing.T) {
	s := NewStore()
	g := s.Open("k", "v", testNames, memCfg())
	units := avStream(20, 50, 0)
	feed(g, units[:200])
	g.Discontinuity()
	feed(g, units[200:])
	w := windowOf(t, s)
	found := false
	for _, seg := range w.segs {
		if seg.Discontinuity {
			found = true
			first := idsOf(seg)[0]
			if !units[first-1].Key {
				t.Errorf("discontinuous segment starts with unit %d, not a keyframe", first)
			}
		}
	}
	if !found {
		t.Fatal("no discontinuity")
	}
}

// TestDispose: an ended window is freed hls_dispose later, and its paths
// with it; a new session before then keeps it.
func TestDispose(t *testing.T) {
	s := NewStore()
	cfg := memCfg()
	cfg.Dispose = 50 * time.Millisecond
	g := s.Open("k", "v", testNames, cfg)
	feed(g, avStream(10, 50, 0))
	g.Close()
	g = s.Open("k", "v", testNames, cfg) // back before the dispose
	time.Sleep(150 * time.Millisecond)
	if _, ok := s.Window("k"); !ok {
		t.Fatal("window disposed while published")
	}
	feed(g, avStream(10, 50, 0))
	g.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, ok := s.Window("k"); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("window not disposed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, _, ok := s.Find("v", "live/s.m3u8"); ok || len(s.paths) != 0 {
		t.Fatalf("paths left: %v", s.paths)
	}
	// A late write of the closed session changes nothing.
	g.Write(Unit{TS: unitTS(1, 1), DTS: time.Hour})
	if st := s.Stats(); st.Windows != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// TestDisposeZeroBounded: with hls_dispose 0 ended windows are kept, but
// only the newest maxEnded.
func TestDisposeZeroBounded(t *testing.T) {
	s := NewStore()
	cfg := memCfg()
	for i := 0; i < maxEnded+10; i++ {
		key := "k" + itoa(uint64(i))
		g := s.Open(key, "v", NewNames("[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", "v", "live", key), cfg)
		feed(g, audioStream(5, 0))
		g.Close()
	}
	if st := s.Stats(); st.Windows != maxEnded {
		t.Fatalf("%d windows kept", st.Windows)
	}
	if _, ok := s.Window("k0"); ok {
		t.Fatal("oldest ended window kept")
	}
}

// TestStaleSession: a segmenter whose session a newer one replaced writes
// nothing into the window.
func TestStaleSession(t *testing.T) {
	s := NewStore()
	old := s.Open("k", "v", testNames, memCfg())
	g := s.Open("k", "v", testNames, memCfg())
	feed(old, avStream(20, 50, 0))
	old.Close()
	if w := windowOf(t, s); len(w.segs) != 0 || !w.Live() {
		t.Fatalf("stale session wrote %d segments", len(w.segs))
	}
	feed(g, avStream(10, 50, 0))
	if w := windowOf(t, s); len(w.segs) == 0 {
		t.Fatal("live session wrote nothing")
	}
}

// TestRenamedOnReopen: a new session with other names replaces the window.
func TestRenamedOnReopen(t *testing.T) {
	s := NewStore()
	g := s.Open("k", "v", testNames, memCfg())
	feed(g, avStream(10, 50, 0))
	g.Close()
	n := NewNames("hls/[stream].m3u8", "hls/[stream]/[seq].ts", "v", "live", "s")
	g = s.Open("k", "v", n, memCfg())
	feed(g, avStream(10, 50, 0))
	if _, _, ok := s.Find("v", "live/s.m3u8"); ok {
		t.Error("old playlist path still found")
	}
	w, _, ok := s.Find("v", "hls/s.m3u8")
	if !ok || w.segs[0].Seq != 0 || w.segs[0].URI != "s/0.ts" {
		t.Fatalf("new window: %v %+v", ok, w)
	}
}

// TestChangedWakes: a reader waiting on Changed wakes at the next segment.
func TestChangedWakes(t *testing.T) {
	s := NewStore()
	g := s.Open("k", "v", testNames, memCfg())
	ch := s.Changed()
	done := make(chan struct{})
	go func() {
		<-ch
		close(done)
	}()
	feed(g, avStream(6, 50, 0))
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("not woken")
	}
}
