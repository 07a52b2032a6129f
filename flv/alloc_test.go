package flv

import (
	"runtime"
	"testing"
)

// heapAllocated returns the bytes allocated on the heap while f runs:
// runtime.MemStats.TotalAlloc counts every allocation, freed or not, so the
// collector cannot hide a transient one; ReadMemStats stops the world and
// flushes the per-P caches, so the figure is exact. It counts every
// goroutine, so checks against a bound use heapAllocatedOver.
func heapAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// heapAllocatedOver measures f, which must allocate the same on every run,
// and reports whether it allocates more than limit. TotalAlloc counts every
// goroutine, and the fuzz engine's, the race detector's or another test's
// goroutines allocate now and then, so a figure over the limit is measured
// again: noise comes and goes, a decoder that allocates too much does so
// every time.
func heapAllocatedOver(limit uint64, f func()) (uint64, bool) {
	got := heapAllocated(f)
	for i := 0; i < 4 && got > limit; i++ {
		got = min(got, heapAllocated(f))
	}
	return got, got > limit
}

// The decoder's memory bound, checked by the tests and FuzzAMF0Unmarshal:
// UnmarshalAMF0 allocates at most amf0AllocPerByte*len(b)+amf0AllocConst
// bytes. Why (see "Memory" in amf0.go): the decoder allocates nothing for a
// value before amf0Skip has checked that all of it is present, then each
// slice once at its exact length. Each decoded value has at least its marker
// byte, and costs at most 16 bytes of slot per byte (a strict array of
// nulls; object entries cost 32 bytes for at least 3) or, boxed with its
// slot, 48 bytes for a 4-byte one-character string; size classes round a
// slice up by at most 3/16 (4096 -> 4864). 16*19/16 = 19 <= 20. The
// constant covers what a tiny input costs (one error value, a 16-byte tiny
// block).
const (
	amf0AllocPerByte = 20
	amf0AllocConst   = 512
)

func amf0AllocBound(n int) uint64 { return uint64(amf0AllocPerByte*n + amf0AllocConst) }

func TestHeapAllocatedMeasures(t *testing.T) {
	var sink []byte
	got := heapAllocated(func() { sink = make([]byte, 1<<20) })
	if got < 1<<20 || got > 1<<20+64<<10 {
		t.Fatalf("measured %d bytes for a 1 MiB allocation", got)
	}
	_ = sink
	if got, over := heapAllocatedOver(0, func() {}); over {
		t.Fatalf("measured %d bytes for nothing", got)
	}
}
