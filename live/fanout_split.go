package live

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// splitMin is the fewest consumers a fan-out worker is given: a round with
// fewer than twice as many is not split, since starting a worker and
// waiting for it costs more than a share of the round saves
// (BenchmarkFanOutFLV with -cpu 1,2 measures both sides).
const splitMin = 64

// fanOutSplit spreads one fan-out round over up to GOMAXPROCS goroutines
// when the round is large: the stream's fan-out goroutine starts one helper
// per extra worker and then works itself, every worker claiming the next
// run of flushRunLen consumers from a shared index until none is left, and
// waits for the helpers, so every round ends before the next begins and each
// consumer is written by one goroutine per round (its tags stay in order;
// the try-lock hand-off to the viewer's goroutine is unchanged). Claiming
// runs instead of fixed shares keeps the cores busy when a helper starts
// late (waking an idle core takes tens of microseconds) or meets slower
// sockets. The helpers are bound once per stream, so starting them
// allocates nothing. Only the fan-out goroutine uses it.
type fanOutSplit struct {
	helpers []*fanOutHelper
	wg      sync.WaitGroup
	round   []*Consumer
	now     time.Time
	next    atomic.Int64 // the next run of the round to claim
}

// fanOutHelper writes runs of a round.
type fanOutHelper struct {
	s       *Stream
	f       *fanOutSplit
	scratch scratch
	runF    func() // run, bound once: "go h.run()" would allocate a closure per round
}

func (h *fanOutHelper) run() {
	h.f.work(h.s, &h.scratch)
	h.f.wg.Done()
}

// work writes the runs it claims until the round is done.
func (f *fanOutSplit) work(s *Stream, b *scratch) {
	n := int64(len(f.round))
	for {
		i := (f.next.Add(1) - 1) * flushRunLen
		if i >= n {
			return
		}
		s.flushRun(f.round[i:min(i+flushRunLen, n)], b, f.now)
	}
}

// workers is how many goroutines a round of n consumers is split over.
func splitWorkers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/splitMin))
}

// run writes every consumer of s's round, split over workers goroutines
// (workers > 1).
func (f *fanOutSplit) run(s *Stream, round []*Consumer, workers int, now time.Time) {
	for len(f.helpers) < workers-1 {
		h := &fanOutHelper{s: s, f: f}
		h.runF = h.run
		f.helpers = append(f.helpers, h)
	}
	f.round, f.now = round, now
	f.next.Store(0)
	f.wg.Add(workers - 1)
	for _, h := range f.helpers[:workers-1] {
		go h.runF()
	}
	f.work(s, &s.scratch)
	f.wg.Wait()
	f.round = nil
}
