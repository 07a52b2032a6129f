package rtmp

import "runtime"

// heapAllocated returns the bytes allocated on the heap while f runs
// (runtime.MemStats.TotalAlloc counts every allocation, freed or not;
// ReadMemStats flushes the per-P caches, so the figure is exact). It counts
// every goroutine, so checks against a bound use heapAllocatedOver.
func heapAllocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// heapAllocatedOver measures f, which must allocate the same on every run,
// and reports whether it allocates more than limit; a figure over the limit
// is measured again, because the fuzz engine's, the race detector's or
// another test's goroutines allocate now and then.
func heapAllocatedOver(limit uint64, f func()) (uint64, bool) {
	got := heapAllocated(f)
	for i := 0; i < 4 && got > limit; i++ {
		got = min(got, heapAllocated(f))
	}
	return got, got > limit
}
