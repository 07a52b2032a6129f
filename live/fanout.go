package live

import "time"

// The fan-out: one goroutine per stream, while it has consumers and tags
// arrive, goes round the consumers and writes each one everything it has not
// had, without waiting on any socket (Consumer.flush). One wake-up per
// stream instead of one per viewer; tags that arrive while it goes round are
// merged into the next round's writes, so batches grow by themselves under
// load.

// kickFlush starts the fan-out, or asks the running one for another round;
// the stream lock is held.
func (s *Stream) kickFlush() {
	if len(s.consumers) == 0 {
		return
	}
	if s.flushing {
		s.flushAgain = true
		return
	}
	s.flushing = true
	go s.flushLoopF()
}

// flushLoop goes round the consumers until no tag arrived during the last
// round. With play.mw_latency (SRS's merged writes) it sleeps between rounds
// (one timer per stream, not one per viewer) so that a tag waits at most
// mw_latency in all: a round that took r starts the next one mw_latency-r
// after its own start, so the tag that just missed it reaches the last
// viewer of the next round mw_latency after it came.
func (s *Stream) flushLoop() {
	mw := s.vh.MwLatency
	for {
		start := time.Now()
		s.flushRound(start)
		if mw > 0 {
			r := time.Since(start)
			if d := mw - 2*r; d > 0 {
				time.Sleep(d)
			}
		}
		s.mu.Lock()
		if !s.flushAgain {
			s.flushing = false
			s.mu.Unlock()
			return
		}
		s.flushAgain = false
		s.mu.Unlock()
	}
}

// flushRound gives every consumer its turn; now is the round's clock, read
// once for all its viewers. A large round is split over several
// goroutines (fanout_split.go), so one popular stream uses every core.
func (s *Stream) flushRound(now time.Time) {
	s.mu.RLock()
	s.round = append(s.round[:0], s.consumers...)
	s.mu.RUnlock()
	if w := splitWorkers(len(s.round)); w > 1 {
		s.split.run(s, s.round, w, now)
	} else {
		s.flushRun(s.round, &s.scratch, now)
	}
	clear(s.round)
}

// flushRunLen is how many consumers the fan-out writes per hold of the
// stream's read lock: taking it once per consumer made the goroutines of a
// split round fight over the lock's counter; holding it longer would delay
// the publisher's next tag.
const flushRunLen = 32

// flushRun gives each consumer of part its turn, holding the stream's read
// lock for flushRunLen of them at a time; b is the batch and vector the
// goroutine running it lends each consumer in turn.
func (s *Stream) flushRun(part []*Consumer, b *scratch, now time.Time) {
	for len(part) > 0 {
		n := min(len(part), flushRunLen)
		s.mu.RLock()
		for _, c := range part[:n] {
			c.flush(b, now)
		}
		s.mu.RUnlock()
		part = part[n:]
	}
}
