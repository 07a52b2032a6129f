package live

import (
	"sync/atomic"
	"testing"
	"time"
)

// TestHLSLease: an edge's HLS lease gives its share of the pull back once,
// at once when every request holding it gave up before any playlist, else
// d after the last served playlist; a request waiting when that time comes
// keeps it, and its answer decides.
func TestHLSLease(t *testing.T) {
	srv := NewServer(testConfig())
	const d = 80 * time.Millisecond
	var stops atomic.Int32
	hold := func(st *Stream, wantFirst bool) *hlsLease {
		t.Helper()
		l, first := st.holdHLSLease(d)
		if first != wantFirst {
			t.Fatalf("first %v, want %v", first, wantFirst)
		}
		if first {
			st.mu.Lock()
			l.stop = func() { stops.Add(1) }
			st.mu.Unlock()
		}
		return l
	}
	ended := func(st *Stream) bool {
		st.mu.RLock()
		defer st.mu.RUnlock()
		return st.hlsLease == nil
	}
	waitStops := func(n int32, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for stops.Load() < n && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if got := stops.Load(); got != n {
			t.Fatalf("%d stops, want %d", got, n)
		}
	}

	// Two requests give up before any playlist: the share goes back on
	// the last answer, once, and the stream leaves the registry.
	st := testStream(srv, "gaveup")
	l := hold(st, true)
	hold(st, false)
	st.hlsAnswered(l, false)
	if stops.Load() != 0 || ended(st) {
		t.Fatal("the lease ended while a request still waited")
	}
	st.hlsAnswered(l, false)
	if stops.Load() != 1 || !ended(st) {
		t.Fatalf("requests that all gave up left the lease: %d stops", stops.Load())
	}
	if srv.Stream(st.key) != nil {
		t.Fatal("the stream stayed in the registry")
	}
	st.endHLSLease(l)
	waitStops(1, 2*d)

	// A served playlist keeps it d; a poll within d keeps it d more.
	st = testStream(srv, "served")
	l = hold(st, true)
	st.hlsAnswered(l, true)
	time.Sleep(d / 2)
	hold(st, false)
	st.hlsAnswered(l, true)
	time.Sleep(3 * d / 4)
	if stops.Load() != 1 {
		t.Fatal("a renewed lease ended before its time")
	}
	waitStops(2, 2*d)
	if !ended(st) {
		t.Fatal("the stream still has the lease")
	}

	// The time runs out while a request waits, which then gives up: the
	// lease ends on its answer (no timer is left to do it).
	st = testStream(srv, "late")
	l = hold(st, true)
	st.hlsAnswered(l, true)
	hold(st, false)
	time.Sleep(2 * d)
	if stops.Load() != 2 {
		t.Fatal("the lease ended while a request waited")
	}
	st.hlsAnswered(l, false)
	waitStops(3, d/2)

	// The same, but the waiting request gets its playlist: d more.
	st = testStream(srv, "rearmed")
	l = hold(st, true)
	st.hlsAnswered(l, true)
	hold(st, false)
	time.Sleep(2 * d)
	st.hlsAnswered(l, true)
	time.Sleep(d / 2)
	if stops.Load() != 3 {
		t.Fatal("a lease served again ended at once")
	}
	waitStops(4, 2*d)

	// An ended lease is replaced by a new one on the next request.
	l = hold(st, true)
	time.Sleep(2 * d)
	if stops.Load() != 4 {
		t.Fatalf("%d stops, want 4", stops.Load())
	}
	st.hlsAnswered(l, false)
	waitStops(5, d/2)
}
