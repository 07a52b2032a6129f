package hls

import (
	"time"
)

// Window is one stream's HLS as served: the newest segments within
// hls_window and hls_max_size and the playlist that lists them. It outlives
// the publishing session that filled it by Config.Dispose, so players that
// poll across a republish go on, past an EXT-X-DISCONTINUITY. Its fields
// are guarded by its Store's lock.
type Window struct {
	store *Store
	key   string // the stream's key in the Store
	vhost string
	names Names
	cfg   Config

	segs     []*Segment
	dur      time.Duration // the sum of segs' durations
	mem      int64         // the sum of segs' memory
	next     uint64        // the next segment's sequence number
	discSeq  uint64        // EXT-X-DISCONTINUITY tags that left the window
	target   int64         // EXT-X-TARGETDURATION in seconds; never decreases (RFC 8216 6.2.1)
	playlist []byte        // rendered at each change; never written after
	live     bool          // a session writes to it
	gen      uint64        // sessions opened: a stale session or timer does nothing
	timer    *time.Timer   // the pending dispose
	gone     bool
	disk     *diskWriter // with hls_storage disk or both
	carry    any         // the caller's state from one session to the next (Segmenter.Carry)
}

// Vhost is the vhost of the stream the window serves.
func (w *Window) Vhost() string { return w.vhost }

// Key is the stream's key in the Store.
func (w *Window) Key() string { return w.key }

// Names are the window's playlist path and segment template.
func (w *Window) Names() Names { return w.names }

// Playlist returns the current playlist, and false while the window holds
// no segment (a stream that just started, or one that was disposed). The
// bytes are shared and never written.
func (w *Window) Playlist() ([]byte, bool) {
	w.store.mu.RLock()
	defer w.store.mu.RUnlock()
	if w.gone || len(w.segs) == 0 {
		return nil, false
	}
	return w.playlist, true
}

// Live reports whether a publishing session writes to the window.
func (w *Window) Live() bool {
	w.store.mu.RLock()
	defer w.store.mu.RUnlock()
	return w.live && !w.gone
}

// Span is hls_window: about how long a segment stays listed.
func (w *Window) Span() time.Duration {
	w.store.mu.RLock()
	defer w.store.mu.RUnlock()
	return w.cfg.Window
}

// TargetDuration is the playlist's EXT-X-TARGETDURATION.
func (w *Window) TargetDuration() time.Duration {
	w.store.mu.RLock()
	defer w.store.mu.RUnlock()
	return time.Duration(w.target) * time.Second
}

// push adds a closed segment of session gen: it gets its sequence number,
// path and URI; the oldest segments leave; the playlist is rendered again
// and the paths indexed. It returns the window's memory.
func (w *Window) push(gen uint64, seg *Segment, opened time.Time, floor int64) int64 {
	s := w.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.gen != gen || w.gone {
		return w.mem
	}
	seg.Seq = w.next
	w.next++
	seg.Path = w.names.segmentPath(seg.Seq, opened, seg.Duration, floor)
	seg.URI = w.names.uri(seg.Path, w.cfg.EntryPrefix)
	bufs := seg.bufs
	if !w.cfg.Memory {
		seg.bufs, seg.mem = nil, 0 // on disk only: the disk job holds them
	}
	w.segs = append(w.segs, seg)
	w.dur += seg.Duration
	w.mem += seg.mem
	w.target = max(w.target, roundSeconds(seg.Duration))
	if w.cfg.Memory {
		s.index(seg.Path, pathEntry{w: w, seg: seg})
	}
	gone := w.evict(0)
	w.render()
	if w.disk != nil {
		w.disk.enqueue(diskJob{segPath: seg.Path, bufs: bufs, playlistPath: w.names.Playlist, playlist: w.playlist, remove: w.cleanupPaths(gone)})
	}
	s.broadcast()
	return w.mem
}

// trim makes room for an open segment of openMem bytes, and returns the
// window's memory.
func (w *Window) trim(gen uint64, openMem int64) int64 {
	s := w.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.gen != gen || w.gone {
		return w.mem
	}
	if gone := w.evict(openMem); len(gone) > 0 {
		w.render()
		if w.disk != nil {
			w.disk.enqueue(diskJob{playlistPath: w.names.Playlist, playlist: w.playlist, remove: w.cleanupPaths(gone)})
		}
		s.broadcast()
	}
	return w.mem
}

// evict drops the oldest segments while the rest still cover hls_window
// (and three target durations, RFC 8216 6.2.2), and while the window and an
// open segment of openMem bytes hold more than hls_max_size; the newest
// stays. It returns the segments dropped.
func (w *Window) evict(openMem int64) []*Segment {
	keep := max(w.cfg.Window, 3*time.Duration(w.target)*time.Second)
	n := 0
	for n < len(w.segs)-1 {
		old := w.segs[n]
		if w.dur-old.Duration < keep && w.mem+openMem <= w.cfg.MaxBytes {
			break
		}
		w.dur -= old.Duration
		w.mem -= old.mem
		if old.Discontinuity {
			w.discSeq++
		}
		if w.cfg.Memory {
			w.store.unindex(old.Path, old)
		}
		n++
	}
	if n == 0 {
		return nil
	}
	gone := make([]*Segment, n)
	copy(gone, w.segs[:n])
	clear(w.segs[:n])
	w.segs = w.segs[n:]
	return gone
}

// cleanupPaths lists the files of segments that left the window, to remove
// with hls_cleanup on.
func (w *Window) cleanupPaths(gone []*Segment) []string {
	if !w.cfg.Cleanup || len(gone) == 0 {
		return nil
	}
	out := make([]string, len(gone))
	for i, seg := range gone {
		out[i] = seg.Path
	}
	return out
}

// end marks the session gen over: the open segment is in, nobody writes
// until the next session. The window is disposed of Config.Dispose later,
// or kept (with at most maxEnded others) when Dispose is 0.
func (w *Window) end(gen uint64) {
	s := w.store
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.gen != gen || w.gone {
		return
	}
	w.live = false
	if w.cfg.Dispose > 0 {
		w.timer = time.AfterFunc(w.cfg.Dispose, func() { s.disposeIfIdle(w, gen) })
	} else {
		s.keepEnded(w)
	}
	s.broadcast()
}

// roundSeconds rounds d to the nearest second: RFC 8216 4.3.3.1 bounds
// each EXTINF so rounded by the target duration.
func roundSeconds(d time.Duration) int64 { return int64((d + time.Second/2) / time.Second) }

// ceilSeconds rounds d up to whole seconds.
func ceilSeconds(d time.Duration) int64 {
	return int64((d + time.Second - 1) / time.Second)
}
