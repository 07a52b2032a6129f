package hls

import (
	"bytes"
	"math"
	"sync"
	"testing"
	"time"
)

// fuzzOps turns fuzz input into units and controls, three bytes an op:
// kind, a time step and a size. In clean mode (first byte even) time only
// moves forward by small steps from one unit to the next and there is
// neither a discontinuity nor a new session, so durations must add up
// exactly.
type fuzzOp struct {
	u       Unit
	disc    bool // Discontinuity()
	reopen  bool // Close, then a new session
	control bool
}

const fuzzMaxOps = 600

func fuzzOps(data []byte) (ops []fuzzOp, clean bool) {
	if len(data) == 0 {
		return nil, true
	}
	clean = data[0]%2 == 0
	data = data[1:]
	var t time.Duration
	id := uint32(0)
	for len(data) >= 3 && len(ops) < fuzzMaxOps {
		k, step, size := data[0], data[1], data[2]
		data = data[3:]
		switch {
		case !clean && k%16 == 15:
			ops = append(ops, fuzzOp{disc: true, control: true})
			continue
		case !clean && k%16 == 14:
			ops = append(ops, fuzzOp{reopen: true, control: true})
			continue
		}
		switch {
		case clean || k&0x80 == 0:
			t += time.Duration(step) * time.Millisecond
		case k&0x40 != 0:
			t -= time.Duration(step) * 20 * time.Millisecond
		default:
			t += time.Duration(step) * 100 * time.Millisecond
		}
		id++
		n := int(size%8) + 1
		u := Unit{TS: sharedTS(id, n), PSI: testPSI, DTS: t}
		switch k % 4 {
		case 1:
			u.Video = true
		case 2:
			u.Video, u.Key = true, true
		case 3:
			if !clean {
				u.TS = nil // a tag without TS bytes
			}
		}
		ops = append(ops, fuzzOp{u: u})
	}
	return ops, clean
}

// FuzzSegmenter feeds arbitrary unit sequences to a segmenter with a small
// window and byte cap, and checks: the playlists parse back, every listed
// segment is found at its path and holds whole packets starting at a
// keyframe or with PAT/PMT, the sequence numbers run on, EXTINF never
// exceeds the target duration, the durations of every segment ever cut add
// up to the time fed (clean inputs), and the window stays within hls_window
// and hls_max_size after every unit.
func FuzzSegmenter(f *testing.F) {
	seed := []byte{0}
	for i := 0; i < 300; i++ {
		k := byte(0)
		if i%25 == 0 {
			k = 2
		} else if i%2 == 0 {
			k = 1
		}
		seed = append(seed, k, 40, 10)
	}
	f.Add(seed)
	f.Add(append([]byte{1}, seed[1:]...))
	f.Add([]byte{1, 2, 200, 3, 0xC2, 255, 1, 15, 0, 0, 2, 10, 5, 14, 0, 0, 2, 100, 9})
	f.Fuzz(runFuzzOnce)
}

func runFuzzOnce(t *testing.T, data []byte) {
	ops, clean := fuzzOps(data)
	cfg := memCfg()
	cfg.Fragment, cfg.Window, cfg.MaxBytes = time.Second, 3*time.Second, 16<<10
	s := NewStore()
	g := s.Open("k", "v", testNames, cfg)
	w := s.windows["k"]
	var first time.Duration
	started := false
	isKey := map[uint32]bool{}
	cut := map[uint64]time.Duration{} // every segment ever listed
	for _, op := range ops {
		switch {
		case op.disc:
			g.Discontinuity()
			continue
		case op.reopen:
			g.Close()
			g = s.Open("k", "v", testNames, cfg)
			continue
		}
		if len(op.u.TS) > 0 && !started {
			first, started = op.u.DTS, true
		}
		if op.u.Key {
			isKey[idOf(op.u.TS)] = true
		}
		g.Write(op.u)
		checkBounds(t, w, g)
		for _, seg := range w.segs {
			cut[seg.Seq] = seg.Duration
		}
	}
	checkWindow(t, w, isKey)
	if clean && started && g.open {
		var sum time.Duration
		for _, d := range cut {
			sum += d
		}
		if first+sum != g.cur.start {
			t.Fatalf("durations add up to %v, the open segment starts %v after the first unit", sum, g.cur.start-first)
		}
		if uint64(len(cut)) != w.next {
			t.Fatalf("%d segments seen of %d", len(cut), w.next)
		}
	}
}

var (
	tsMemoMu sync.Mutex
	tsMemo   = map[[2]uint32][]byte{}
)

// sharedTS is unitTS made once per (id, n): units only ever read their
// bytes, so every run shares them and a run allocates little.
func sharedTS(id uint32, n int) []byte {
	tsMemoMu.Lock()
	defer tsMemoMu.Unlock()
	k := [2]uint32{id, uint32(n)}
	b, ok := tsMemo[k]
	if !ok {
		b = unitTS(id, n)
		tsMemo[k] = b
	}
	return b
}

func idOf(ts []byte) uint32 {
	return uint32(ts[4])<<24 | uint32(ts[5])<<16 | uint32(ts[6])<<8 | uint32(ts[7])
}

// checkBounds: the small window holds at most hls_max_size with its open
// segment (unless a single segment is left), and its listed duration
// minus the oldest stays under what the window keeps.
func checkBounds(t *testing.T, w *Window, g *Segmenter) {
	if len(w.segs) > 1 && w.mem+g.cur.mem > w.cfg.MaxBytes {
		t.Fatalf("%d segments hold %d bytes, the open one %d: over %d", len(w.segs), w.mem, g.cur.mem, w.cfg.MaxBytes)
	}
	if g.cur.mem > w.cfg.MaxBytes/2+8*188 {
		t.Fatalf("open segment holds %d bytes", g.cur.mem)
	}
	keep := max(w.cfg.Window, 3*time.Duration(w.target)*time.Second)
	if len(w.segs) > 1 && w.dur-w.segs[0].Duration >= keep {
		t.Fatalf("window lists %v, keeps %v", w.dur, keep)
	}
}

func checkWindow(t *testing.T, w *Window, isKey map[uint32]bool) {
	pl, ok := w.Playlist()
	if !ok {
		if len(w.segs) != 0 {
			t.Fatal("segments but no playlist")
		}
		return
	}
	p, err := parsePlaylist(pl)
	if err != nil {
		t.Fatalf("playlist does not parse: %v\n%s", err, pl)
	}
	if len(p.segs) != len(w.segs) || p.mediaSeq != w.segs[0].Seq || p.version != 3 {
		t.Fatalf("playlist %+v for %d segments from %d", p, len(w.segs), w.segs[0].Seq)
	}
	var dur time.Duration
	for i, seg := range w.segs {
		ps := p.segs[i]
		if seg.Seq != p.mediaSeq+uint64(i) || ps.uri != seg.URI || ps.disc != seg.Discontinuity {
			t.Fatalf("segment %d: %+v listed as %+v", i, seg, ps)
		}
		if math.Round(ps.dur) > float64(p.target) || seg.Duration < 0 {
			t.Fatalf("segment %d lasts %v, target %d", seg.Seq, seg.Duration, p.target)
		}
		if fw, fs, ok := w.store.Find("v", seg.Path); !ok || fw != w || fs != seg {
			t.Fatalf("segment %s not found", seg.Path)
		}
		bufs := seg.AppendBuffers(nil)
		var size int64
		for _, b := range bufs {
			if len(b)%188 != 0 || len(b) == 0 {
				t.Fatalf("segment %d has a %d-byte piece", seg.Seq, len(b))
			}
			size += int64(len(b))
		}
		if size != seg.Size() {
			t.Fatalf("segment %d: size %d, pieces %d", seg.Seq, seg.Size(), size)
		}
		if !bytes.Equal(bufs[0], testPSI) && !isKey[idOf(bufs[0])] {
			t.Fatalf("segment %d starts with neither PAT/PMT nor a keyframe", seg.Seq)
		}
		dur += seg.Duration
	}
	if dur != w.dur {
		t.Fatalf("window duration %v, segments %v", w.dur, dur)
	}
}
