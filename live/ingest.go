package live

import (
	"time"

	"github.com/picosrs/picosrs/flv"
)

// WriteTag publishes one tag. The stream takes ownership of t.Data, which must
// not be written again. It never blocks on a consumer: the tag is corrected
// by the stream's time_jitter, serialised once for every format, appended to
// the ring, and the fan-out is asked to send it.
func (s *Stream) WriteTag(t flv.Tag) {
	p := newPacket(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.published {
		s.startHLSLocked()
	}
	s.published = true
	if p.Type == flv.TagScript {
		p.Timestamp = 0
		if md, ok := flv.ParseMetadata(p.Data); ok {
			// Parsed once here, into a bounded summary: nothing re-reads
			// the publisher's AMF0 later (the API, a viewer's FLV header).
			p.metadata = &md
			s.meta = p
		}
	} else {
		p.Timestamp = s.jit.correct(t.Timestamp)
	}
	switch {
	case p.Type == flv.TagVideo && p.seqHeader:
		s.vsh = p
	case p.Type == flv.TagAudio && p.seqHeader:
		s.ash = p
	}
	if err := s.codecs.ingest(p); err != nil {
		s.muxErrs.note(s.log, "tags left out of the TS output", err)
	}
	s.writeHLSLocked(p)
	p.seal(s.chunkSize)
	s.stats.add(p)
	s.ring.push(p)
	s.gop.add(p, s.vh.GopCache, s.vh.GopCacheMaxFrames)
	s.trim(p.Timestamp)
	s.kickFlush()
}

// trim evicts from the ring what nobody may still need. A packet stays while
// it is part of the cached GOP, within the fast-cache window (for new .mp3 and
// .aac listeners), or not yet read by some consumer within queue_length; past
// the byte cap the oldest go anyway (and the GOP cache with them). So a
// stream's memory follows what its slowest viewer really needs, not
// queue_length.
func (s *Stream) trim(now uint32) {
	queue := uint32(s.vh.QueueLength / time.Millisecond)
	fast := uint32(s.vh.Remux.FastCache / time.Millisecond)
	maxBytes := s.srv.cfg.Load().RingBytes
	minCursor, known := uint64(0), false
	for s.ring.len() > 1 {
		old := s.ring.at(s.ring.tail)
		inGOP := s.gop.holds(s.ring.tail)
		if s.ring.bytes > maxBytes || s.ring.full() {
			if inGOP {
				s.gop.drop()
			}
			s.ring.evict()
			continue
		}
		if inGOP {
			break
		}
		age := uint32(0)
		if now >= old.Timestamp {
			age = now - old.Timestamp
		}
		if fast > 0 && age <= fast {
			break
		}
		if age <= queue {
			if !known {
				minCursor, known = s.minCursor(), true
			}
			if s.ring.tail >= minCursor {
				break
			}
		}
		s.ring.evict()
	}
}

// minCursor is the oldest position any consumer still has to read.
func (s *Stream) minCursor() uint64 {
	m := s.ring.head
	for _, c := range s.consumers {
		if c.cursor < m {
			m = c.cursor
		}
	}
	return m
}

// ensureTS starts the stream's TS muxer when its first TS viewer arrives, so
// a stream nobody watches as TS costs no muxing and no memory. The muxer
// learns the sequence headers and serialises the cached GOP at once, so the
// first TS viewer starts at its keyframe like every later one; with no GOP
// cached, a stream with video is serialised from its next keyframe. Filling
// p.ts of packets already in the ring is safe: no TS consumer exists yet,
// and the stream lock, held here, orders it before any will read them.
func (s *Stream) ensureTS() {
	if s.codecs.ts != nil {
		return
	}
	m := newTSMuxer()
	s.codecs.ts = m
	for _, p := range []*Packet{s.vsh, s.ash} {
		if p != nil {
			m.ingest(p) // an error was counted when the header came
		}
	}
	start, ok := s.gop.startIn(&s.ring)
	if !ok {
		m.waitKey = s.videoExpected()
		return
	}
	for seq := start; seq < s.ring.head; seq++ {
		if err := m.ingest(s.ring.at(seq)); err != nil {
			s.muxErrs.note(s.log, "tags left out of the TS output", err)
		}
	}
}
