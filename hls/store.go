package hls

import (
	"sync"
	"time"
)

// maxEnded bounds the windows kept after their stream ended when
// hls_dispose is 0 (SRS keeps those files forever): beyond it the oldest
// ended window is freed, so memory does not grow with the number of stream
// names ever published.
const maxEnded = 32

// Store holds the HLS windows of every stream and indexes the URL paths of
// their playlists and segments. One lock guards the index and every
// window's published state (see the package doc): readers (HTTP requests)
// share it; writers take it once per segment cut.
type Store struct {
	mu      sync.RWMutex
	windows map[string]*Window
	paths   map[string][]pathEntry
	ended   []*Window     // ended windows kept without a dispose timer, oldest first
	changed chan struct{} // closed (and replaced) at every change

	// OnDispose, when set before the first Open, is told on a goroutine of
	// its own of each window freed, with the memory its segments held: the
	// server logs it and may hand the memory back to the system.
	OnDispose func(key string, freed int64)
}

// pathEntry is what a URL path names: a window's playlist (seg nil) or one
// of its segments.
type pathEntry struct {
	w   *Window
	seg *Segment
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{windows: map[string]*Window{}, paths: map[string][]pathEntry{}, changed: make(chan struct{})}
}

// Open starts a publishing session of the stream key (of vhost) and returns
// the segmenter that fills its window. A window the stream still has (it
// ended less than Config.Dispose ago) is continued: sequence numbers go on
// and the first new segment is a discontinuity. A window with other names
// or another storage is disposed of and a new one started.
func (s *Store) Open(key, vhost string, n Names, cfg Config) *Segmenter {
	cfg = cfg.withDefaults()
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.windows[key]
	if w != nil && (w.names != n || w.vhost != vhost || w.cfg.Memory != cfg.Memory || w.cfg.Disk != cfg.Disk || w.cfg.Dir != cfg.Dir) {
		s.disposeLocked(w)
		w = nil
	}
	if w == nil {
		w = &Window{store: s, key: key, vhost: vhost, names: n}
		s.windows[key] = w
		if cfg.Memory {
			s.index(n.Playlist, pathEntry{w: w})
		}
		if cfg.Disk {
			w.disk = newDiskWriter(cfg)
		}
	}
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	s.dropEnded(w)
	w.cfg = cfg
	w.live = true
	w.gen++
	w.target = max(w.target, ceilSeconds(cfg.target()))
	s.broadcast()
	return &Segmenter{w: w, gen: w.gen, cfg: cfg, now: time.Now, disc: w.next > 0, winMem: w.mem}
}

// Find returns what a URL path (without its leading '/') names: a playlist
// (seg nil) or a segment in a window. Where two streams have the same path
// the one on vhost wins, then the older.
func (s *Store) Find(vhost, path string) (w *Window, seg *Segment, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	es := s.paths[path]
	if len(es) == 0 {
		return nil, nil, false
	}
	e := es[0]
	for _, x := range es {
		if x.w.vhost == vhost {
			e = x
			break
		}
	}
	return e.w, e.seg, true
}

// Window returns the window of the stream key, if it has one.
func (s *Store) Window(key string) (*Window, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	w, ok := s.windows[key]
	return w, ok
}

// Changed returns a channel closed at the next change of any window (a
// segment, a session opened or ended, a window disposed of): a reader that
// waits takes it before it looks, then waits on it.
func (s *Store) Changed() <-chan struct{} {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.changed
}

// Stats is what a Store holds.
type Stats struct {
	Windows  int   // streams with a window
	Live     int   // of them, being published
	Segments int   // segments in the windows
	Bytes    int64 // their length
	Memory   int64 // the memory their TS bytes hold
}

// Stats counts what the store holds now.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var st Stats
	for _, w := range s.windows {
		st.Windows++
		if w.live {
			st.Live++
		}
		st.Segments += len(w.segs)
		st.Memory += w.mem
		for _, seg := range w.segs {
			st.Bytes += seg.size
		}
	}
	return st
}

// broadcast wakes the readers waiting on Changed. The lock is held.
func (s *Store) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Store) index(path string, e pathEntry) {
	s.paths[path] = append(s.paths[path], e)
}

// unindex removes the entry of seg (nil: w's playlist) under path.
func (s *Store) unindex(path string, seg *Segment) {
	es := s.paths[path]
	for i, e := range es {
		if e.seg == seg {
			es = append(es[:i], es[i+1:]...)
			break
		}
	}
	if len(es) == 0 {
		delete(s.paths, path)
	} else {
		s.paths[path] = es
	}
}

// unindexWindow removes w's playlist and segments from the index.
func (s *Store) unindexWindow(w *Window) {
	es := s.paths[w.names.Playlist]
	for i, e := range es {
		if e.w == w && e.seg == nil {
			es = append(es[:i], es[i+1:]...)
			break
		}
	}
	if len(es) == 0 {
		delete(s.paths, w.names.Playlist)
	} else {
		s.paths[w.names.Playlist] = es
	}
	for _, seg := range w.segs {
		s.unindex(seg.Path, seg)
	}
}

// keepEnded notes an ended window kept without a timer, freeing the oldest
// beyond maxEnded.
func (s *Store) keepEnded(w *Window) {
	s.ended = append(s.ended, w)
	if len(s.ended) > maxEnded {
		s.disposeLocked(s.ended[0])
	}
}

func (s *Store) dropEnded(w *Window) {
	for i, x := range s.ended {
		if x == w {
			s.ended = append(s.ended[:i], s.ended[i+1:]...)
			return
		}
	}
}

// disposeIfIdle is a dispose timer's: it frees w unless a new session (gen
// moved on) opened it meanwhile.
func (s *Store) disposeIfIdle(w *Window, gen uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if w.gen == gen && !w.live && !w.gone {
		s.disposeLocked(w)
		s.broadcast()
	}
}

// disposeLocked frees w: it leaves the store and the index, and its files
// are removed.
func (s *Store) disposeLocked(w *Window) {
	if w.gone {
		return
	}
	w.gone = true
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	if s.windows[w.key] == w {
		delete(s.windows, w.key)
	}
	s.dropEnded(w)
	if w.cfg.Memory {
		s.unindexWindow(w)
	}
	if w.disk != nil {
		files := make([]string, 0, len(w.segs)+1)
		for _, seg := range w.segs {
			files = append(files, seg.Path)
		}
		w.disk.close(append(files, w.names.Playlist))
	}
	if s.OnDispose != nil {
		go s.OnDispose(w.key, w.mem)
	}
	clear(w.segs)
	w.segs, w.playlist, w.mem, w.dur = nil, nil, 0, 0
}
