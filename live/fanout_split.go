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
// per extra worker and then works itself, every worker claiming runs of
// flushRunLen consumers, first from its own block of the round, then from
// what is left of the others', until none is left, and waits for the
// helpers, so every round ends before the next begins and each consumer is
// written by one goroutine per round (its tags stay in order; the try-lock
// hand-off to the viewer's goroutine is unchanged). Claiming runs instead of
// fixed shares keeps the cores busy when a helper starts late (waking an
// idle core takes tens of microseconds) or meets slower sockets; starting
// from its own block keeps a consumer on the same core from round to round
// (a single shared index scattered them: with two cores, 0.61-0.66 x the
// one-core round against 0.56-0.61 x, BenchmarkFanOutFLVKernel). The helpers are bound once per stream, so starting them
// allocates nothing. Only the fan-out goroutine uses it.
type fanOutSplit struct {
	helpers []*fanOutHelper
	wg      sync.WaitGroup
	round   []*Consumer
	now     time.Time
	// blocks: the round's runs cut into one block per worker, each with
	// the next run to claim; a worker empties its own block first, so a
	// consumer is mostly written from the same core round after round (its
	// socket's kernel state stays in that core's cache), then claims what
	// is left of the others'.
	blocks []splitBlock
}

// splitBlock is one worker's share of a round's runs: next is the next run
// to claim, end the first run past the block.
type splitBlock struct {
	next atomic.Int64
	end  int64
	_    [48]byte // a cache line each: two cores claim from two blocks
}

// fanOutHelper writes runs of a round.
type fanOutHelper struct {
	s       *Stream
	f       *fanOutSplit
	scratch scratch
	block   int    // the block of runs it starts with
	runF    func() // run, bound once: "go h.run()" would allocate a closure per round
}

func (h *fanOutHelper) run() {
	h.f.work(h.s, &h.scratch, h.block)
	h.f.wg.Done()
}

// work writes the runs it claims, from its own block first, until the round
// is done.
func (f *fanOutSplit) work(s *Stream, b *scratch, own int) {
	n := int64(len(f.round))
	for k := range f.blocks {
		blk := &f.blocks[(own+k)%len(f.blocks)]
		for {
			r := blk.next.Add(1) - 1
			if r >= blk.end {
				break
			}
			i := r * flushRunLen
			s.flushRun(f.round[i:min(i+flushRunLen, n)], b, f.now)
		}
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
		h := &fanOutHelper{s: s, f: f, block: len(f.helpers) + 1}
		h.runF = h.run
		f.helpers = append(f.helpers, h)
	}
	if cap(f.blocks) < workers {
		f.blocks = make([]splitBlock, workers) // once per stream and worker count's growth
	}
	f.blocks = f.blocks[:workers]
	f.round, f.now = round, now
	runs := (int64(len(round)) + flushRunLen - 1) / flushRunLen
	for k := range f.blocks {
		f.blocks[k].next.Store(runs * int64(k) / int64(workers))
		f.blocks[k].end = runs * int64(k+1) / int64(workers)
	}
	f.wg.Add(workers - 1)
	for _, h := range f.helpers[:workers-1] {
		go h.runF()
	}
	f.work(s, &s.scratch, 0)
	f.wg.Wait()
	f.round = nil
}
