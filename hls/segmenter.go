package hls

import "time"

// maxGap is the largest step between two units' times that still continues
// a segment: a longer one, or a step back of more than a second, is a new
// timeline (the segment is cut and the next one is a discontinuity).
const maxGap = 10 * time.Second

// Segmenter cuts one publishing session of a stream into segments and puts
// them in the stream's window. Its caller serialises every call (the stream
// lock); each call does bounded work: appending a slice reference, and at
// a cut, the window's bookkeeping under the Store's lock.
type Segmenter struct {
	w   *Window
	gen uint64 // the window's session this segmenter writes
	cfg Config
	now func() time.Time

	open    bool
	cur     building
	disc    bool // the next segment follows a discontinuity
	cutSoon bool // cut at the next unit that may start a segment
	closed  bool
	winMem  int64 // the window's memory after the last push or trim
	stuck   bool  // trim could free nothing: wait for the next cut
	lastLen int   // slices in the last segment, to size the next
	floor   int64 // the last [timestamp] with hls_ts_floor
}

// building is the segment being filled.
type building struct {
	bufs        [][]byte
	size, mem   int64
	start, last time.Duration
	opened      time.Time
	floor       int64
	video       bool // holds a video frame
	disc        bool
}

// Write adds one unit of the stream's TS output, cutting the open segment
// first when this unit starts the next one. u.TS and u.PSI are kept by
// reference until the segment leaves the window.
func (g *Segmenter) Write(u Unit) {
	if len(u.TS) == 0 || g.closed {
		return
	}
	if g.open {
		c := &g.cur
		switch {
		case u.DTS < c.last-time.Second || u.DTS > c.last+maxGap:
			g.cut(c.last-c.start, true)
			g.disc = true
		case c.mem > g.cfg.MaxBytes/2:
			g.cut(max(u.DTS-c.start, 0), false) // too big: cut, however short
		case g.cutBefore(u):
			g.cut(u.DTS-c.start, true)
		}
	}
	if !g.open {
		g.start(u)
	}
	c := &g.cur
	c.bufs = append(c.bufs, u.TS)
	c.size += int64(len(u.TS))
	c.mem += int64(cap(u.TS))
	c.last = max(c.last, u.DTS)
	c.video = c.video || u.Video
	if !g.stuck && g.winMem > 0 && g.winMem+c.mem > g.cfg.MaxBytes {
		// The open segment has grown into the window's share.
		was := g.winMem
		g.winMem = g.w.trim(g.gen, c.mem)
		g.stuck = g.winMem == was
	}
}

// cutBefore reports whether u starts a new segment.
func (g *Segmenter) cutBefore(u Unit) bool {
	c := &g.cur
	d := u.DTS - c.start
	canStart := !u.Video || u.Key || !g.cfg.WaitKeyframe
	switch {
	case d >= g.cfg.longest():
		return true // a segment without keyframes cannot grow for ever
	case g.cutSoon && canStart && (u.Video || !c.video):
		return true
	case d < 2*minSegment:
		return false
	case u.Video:
		return canStart && d >= g.cfg.target()
	case !c.video:
		return d >= g.cfg.target() // audio only: on time
	default:
		return d >= g.cfg.audioOverflow() // the video stopped
	}
}

// start opens a segment at u; a segment that does not start at a keyframe
// gets the PAT/PMT a decoder needs in front.
func (g *Segmenter) start(u Unit) {
	n := g.lastLen + g.lastLen/8 + 4
	g.cur = building{bufs: make([][]byte, 0, n), start: u.DTS, last: u.DTS, opened: g.now(), disc: g.disc}
	if g.cfg.TSFloor {
		g.floor = nextFloor(g.floor, g.cur.opened, g.cfg.Fragment)
		g.cur.floor = g.floor
	}
	g.open, g.disc, g.cutSoon = true, false, false
	if !u.Key && len(u.PSI) > 0 {
		g.cur.bufs = append(g.cur.bufs, u.PSI)
		g.cur.size += int64(len(u.PSI))
		g.cur.mem += int64(len(u.PSI)) // shared by many units: counted once
	}
}

// nextFloor is SRS's hls_ts_floor counter: floor(now/fragment), then one
// more per segment, back to the clock when it runs more than 20 ahead.
func nextFloor(prev int64, now time.Time, fragment time.Duration) int64 {
	cur := now.UnixMilli() / max(fragment.Milliseconds(), 1)
	if prev == 0 || prev+1-cur > 20 {
		return cur - 1
	}
	return prev + 1
}

// cut closes the open segment with duration d and puts it in the window;
// with dropShort, a segment shorter than minSegment is dropped instead (SRS
// drops them too: a new timeline right after a cut).
func (g *Segmenter) cut(d time.Duration, dropShort bool) {
	c := &g.cur
	g.open = false
	if dropShort && d < minSegment {
		g.disc = g.disc || c.disc
		g.cur = building{}
		return
	}
	seg := &Segment{Duration: d, Discontinuity: c.disc, bufs: c.bufs, size: c.size, mem: c.mem}
	g.lastLen = len(c.bufs)
	g.winMem = g.w.push(g.gen, seg, c.opened, c.floor)
	g.stuck = false
	g.cur = building{}
}

// Discontinuity marks what comes next as a new timeline: the open segment
// is cut at the next unit that may start one (a keyframe, with video) and
// the segment after it carries EXT-X-DISCONTINUITY.
func (g *Segmenter) Discontinuity() {
	g.disc = true
	g.cutSoon = g.open
}

// Carry returns what the previous session of the stream left with
// SetCarry, or nil: state the caller carries across sessions into the same
// window (the TS writer's continuity counters, so players that read the
// playlist's segments as one stream see no continuity error).
func (g *Segmenter) Carry() any {
	g.w.store.mu.RLock()
	defer g.w.store.mu.RUnlock()
	return g.w.carry
}

// SetCarry leaves v for the next session of the stream (see Carry).
func (g *Segmenter) SetCarry(v any) {
	g.w.store.mu.Lock()
	defer g.w.store.mu.Unlock()
	if g.w.gen == g.gen {
		g.w.carry = v
	}
}

// Close ends the session: the open segment joins the window, which stays
// served until Config.Dispose after, unless a new session of the same
// stream opens it again first.
func (g *Segmenter) Close() {
	if g.closed {
		return
	}
	if g.open {
		g.cut(g.cur.last-g.cur.start, true)
	}
	g.closed = true
	g.w.end(g.gen)
}
