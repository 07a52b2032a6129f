package live

import (
	"runtime"
	"sync"
	"time"
)

// splitMin is the fewest consumers a fan-out worker is given: a round with
// fewer than twice as many is not split, since starting a worker and
// waiting for it costs more than a share of the round saves
// (BenchmarkFanOutFLV with -cpu 1,2 measures both sides).
const splitMin = 64

// fanOutSplit spreads one fan-out round over up to GOMAXPROCS goroutines
// when the round is large: the stream's fan-out goroutine takes the first
// share of the consumers itself and starts one helper per other share, then
// waits for them, so every round ends before the next begins and each
// consumer is written by one goroutine per round (its tags stay in order;
// the try-lock hand-off to the viewer's goroutine is unchanged). The helpers
// are bound once per stream, so starting them allocates nothing. Only the
// fan-out goroutine uses it.
type fanOutSplit struct {
	helpers []*fanOutHelper
	wg      sync.WaitGroup
}

// fanOutHelper writes one share of a round.
type fanOutHelper struct {
	s       *Stream
	scratch scratch
	part    []*Consumer
	now     time.Time
	wg      *sync.WaitGroup
	runF    func() // run, bound once: "go h.run()" would allocate a closure per round
}

func (h *fanOutHelper) run() {
	h.s.flushRun(h.part, &h.scratch, h.now)
	h.part = nil
	h.wg.Done()
}

// workers is how many goroutines a round of n consumers is split over.
func splitWorkers(n int) int {
	return max(1, min(runtime.GOMAXPROCS(0), n/splitMin))
}

// run writes every consumer of s's round, split over workers goroutines
// (workers > 1).
func (f *fanOutSplit) run(s *Stream, round []*Consumer, workers int, now time.Time) {
	for len(f.helpers) < workers-1 {
		h := &fanOutHelper{s: s, wg: &f.wg}
		h.runF = h.run
		f.helpers = append(f.helpers, h)
	}
	n := len(round)
	f.wg.Add(workers - 1)
	for i := 1; i < workers; i++ {
		h := f.helpers[i-1]
		h.part, h.now = round[i*n/workers:(i+1)*n/workers], now
		go h.runF()
	}
	s.flushRun(round[:n/workers], &s.scratch, now)
	f.wg.Wait()
}
