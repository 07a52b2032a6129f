package hls

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// errs collects what the disk writer reports.
type errs struct {
	mu sync.Mutex
	l  []error
}

func (e *errs) add(err error) { e.mu.Lock(); e.l = append(e.l, err); e.mu.Unlock() }
func (e *errs) list() []error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]error(nil), e.l...)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// TestDisk: hls_storage disk writes the playlist and the segments under
// hls_path with the same bytes memory would serve, removes the segments
// that leave the window (hls_cleanup), keeps nothing in memory, and
// removes everything at dispose.
func TestDisk(t *testing.T) {
	dir := t.TempDir()
	var e errs
	s := NewStore()
	cfg := memCfg()
	cfg.Memory, cfg.Disk, cfg.Dir, cfg.Cleanup, cfg.OnError = false, true, dir, true, e.add
	cfg.Dispose = 100 * time.Millisecond
	g := s.Open("k", "v", testNames, cfg)
	units := avStream(40, 50, 0)
	feed(g, units)
	w := windowOf(t, s)
	if _, _, ok := s.Find("v", "live/s.m3u8"); ok {
		t.Fatal("disk-only playlist served from memory")
	}
	if st := s.Stats(); st.Memory != 0 {
		t.Fatalf("disk-only window holds %d bytes", st.Memory)
	}
	pl, _ := w.Playlist()
	m3u8 := filepath.Join(dir, "live", "s.m3u8")
	waitFor(t, "the playlist", func() bool {
		b, _ := os.ReadFile(m3u8)
		return bytes.Equal(b, pl)
	})
	// Segments 0..8 were cut; the window keeps the last 5; older files go.
	for seq := uint64(0); seq < w.next; seq++ {
		f := filepath.Join(dir, "live", "s-"+itoa(seq)+".ts")
		inWindow := seq >= w.segs[0].Seq
		waitFor(t, f, func() bool { return exists(f) == inWindow })
		if inWindow {
			b, _ := os.ReadFile(f)
			if len(b)%188 != 0 || len(b) == 0 || b[0] != 0x47 {
				t.Errorf("%s: %d bytes", f, len(b))
			}
		}
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "live", "*.t*mp")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	g.Close()
	waitFor(t, "dispose", func() bool { return !exists(m3u8) })
	waitFor(t, "segment removal", func() bool {
		left, _ := filepath.Glob(filepath.Join(dir, "live", "*"))
		return len(left) == 0
	})
	if l := e.list(); len(l) != 0 {
		t.Fatalf("errors: %v", l)
	}
}

// TestDiskUnsafePath: a stream name that would leave hls_path writes
// nothing and reports ErrUnsafePath.
func TestDiskUnsafePath(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "hls")
	var e errs
	s := NewStore()
	cfg := memCfg()
	cfg.Disk, cfg.Dir, cfg.OnError = true, dir, e.add
	n := NewNames("[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", "v", "live", "../../evil")
	g := s.Open("k", "v", n, cfg)
	feed(g, avStream(10, 50, 0))
	waitFor(t, "an error", func() bool { return len(e.list()) > 0 })
	for _, err := range e.list() {
		if !errors.Is(err, ErrUnsafePath) {
			t.Errorf("error %v", err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(root, "*")); len(left) != 0 {
		t.Fatalf("written: %v", left)
	}
	// Served from memory all the same (a URL path cannot leave anything).
	if _, _, ok := s.Find("v", "live/../../evil.m3u8"); !ok {
		t.Fatal("not served from memory")
	}
}

// TestDiskBoth: hls_storage both writes files and serves from memory.
func TestDiskBoth(t *testing.T) {
	dir := t.TempDir()
	s := NewStore()
	cfg := memCfg()
	cfg.Disk, cfg.Dir = true, dir
	g := s.Open("k", "v", testNames, cfg)
	feed(g, avStream(10, 50, 0))
	w, seg, ok := s.Find("v", "live/s-0.ts")
	if !ok || seg == nil {
		t.Fatal("segment not served from memory")
	}
	f := filepath.Join(dir, "live", "s-0.ts")
	waitFor(t, f, func() bool {
		b, _ := os.ReadFile(f)
		return bytes.Equal(b, bytes.Join(seg.AppendBuffers(nil), nil))
	})
	// The last job writes the playlist as memory has it; once it is there
	// the writer is idle and the test's directory can go (on a slow machine
	// it was still writing when TempDir's cleanup ran).
	pl, _ := w.Playlist()
	m3u8 := filepath.Join(dir, "live", "s.m3u8")
	waitFor(t, "the last playlist on disk", func() bool {
		b, _ := os.ReadFile(m3u8)
		return bytes.Equal(b, pl)
	})
}
