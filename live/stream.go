package live

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// ErrStreamBusy is returned to a second publisher of a stream.
var ErrStreamBusy = errors.New("live: stream is already being published")

// errTooSlow ends a viewer that fell behind the queue too many times.
var errTooSlow = errors.New("viewer too slow: fell behind the queue repeatedly")

// maxDrops is how many times a viewer may fall behind and be resynchronised
// before it is closed.
const maxDrops = 8

// pureAudioGuess is SRS's SRS_PURE_AUDIO_GUESS_COUNT: after this many audio
// tags with no video the stream is taken as audio-only and the GOP cache is
// dropped.
const pureAudioGuess = 115

// maxBatch bounds the packets one consumer takes per write, and so how far
// a burst (a new viewer's cached GOP) grows its batch and writev vector
// (about 3 entries per packet) before Consumer.trimBuffers lets them go: a
// cached GOP goes out in a few writes instead of one.
const maxBatch = 64

type streamKey struct{ vhost, app, name string }

func (k streamKey) String() string { return k.vhost + "/" + k.app + "/" + k.name }

// Stream is one live stream, keyed by (vhost, app, stream). It exists while it
// has a publisher, consumers, or both.
type Stream struct {
	srv *Server
	key streamKey
	vh  *VhostConfig
	log *slog.Logger

	mu        sync.RWMutex
	pub       any // the publisher's identity; nil when nobody publishes
	pubSince  time.Time
	meta      *Packet
	vsh, ash  *Packet
	ring      ring
	gopStart  uint64
	gopOK     bool
	gopFrames int
	sawVideo  bool
	audioRun  int // audio tags since the last video tag
	jit       jitter
	published bool // a publisher has written since the session began

	consumers []*Consumer
	epoch     uint64 // bumped when a publishing session ends for good

	// The fan-out (flushLoop): at most one goroutine per stream goes round
	// the consumers; flushAgain asks it for another round.
	flushing   bool
	flushAgain bool
	round      []*Consumer // the consumers of the current round (flushLoop's)
	grace      *time.Timer

	codecs codecState // audio/video codecs and format serialisers (remux_*.go)

	stats streamStats

	dropMu      sync.Mutex
	dropCount   int
	dropLogTime time.Time
}

// noteDrop counts a viewer resync and logs the count at most every 10 s,
// never once per drop.
func (s *Stream) noteDrop() {
	s.dropMu.Lock()
	defer s.dropMu.Unlock()
	s.dropCount++
	if now := time.Now(); now.Sub(s.dropLogTime) >= 10*time.Second {
		s.log.Warn("slow viewers resynchronised at a keyframe", "drops", s.dropCount)
		s.dropCount, s.dropLogTime = 0, now
	}
}

func newStream(srv *Server, key streamKey, vh *VhostConfig) *Stream {
	s := &Stream{srv: srv, key: key, vh: vh}
	s.log = srv.log.With("stream", key.String())
	s.jit.mode = vh.TimeJitter
	s.codecs.reset()
	return s
}

// Publishing reports whether a publisher is attached.
func (s *Stream) Publishing() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pub != nil
}

// startPublish attaches publisher id. A second publisher gets ErrStreamBusy
// and the first goes on undisturbed.
func (s *Stream) startPublish(id any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pub != nil {
		return ErrStreamBusy
	}
	s.pub = id
	s.pubSince = time.Now()
	if s.grace != nil {
		s.grace.Stop()
		s.grace = nil
	}
	if s.published {
		// A republish within the grace period: timestamps continue, the GOP
		// of the old publisher is no start point for new viewers.
		s.jit.jump()
		s.gopOK = false
	}
	return nil
}

// stopPublish detaches publisher id. Viewers stay for the vhost's grace
// period, then their responses end.
func (s *Stream) stopPublish(id any) {
	s.mu.Lock()
	if s.pub != id {
		s.mu.Unlock()
		return
	}
	s.pub = nil
	s.gopOK = false
	grace := s.vh.Remux.Grace
	if grace > 0 && len(s.consumers) > 0 && s.published {
		s.grace = time.AfterFunc(grace, s.endSession)
		s.mu.Unlock()
		return
	}
	s.endSessionLocked()
	s.mu.Unlock()
	s.srv.removeIfIdle(s)
}

// endSession ends the publishing session once the grace period is over with
// no new publisher: attached consumers get EOF; the caches are dropped.
func (s *Stream) endSession() {
	s.mu.Lock()
	if s.pub != nil {
		s.mu.Unlock()
		return
	}
	s.grace = nil
	s.endSessionLocked()
	s.mu.Unlock()
	s.srv.removeIfIdle(s)
}

func (s *Stream) endSessionLocked() {
	if !s.published {
		return // nothing was published: waiting players keep waiting
	}
	s.epoch++
	s.published = false
	s.ring.reset()
	s.meta, s.vsh, s.ash = nil, nil, nil
	s.gopOK = false
	s.sawVideo = false
	s.audioRun = 0
	s.jit = jitter{mode: s.vh.TimeJitter}
	s.codecs.reset()
	s.wakeAll()
}

func (s *Stream) idle() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pub == nil && len(s.consumers) == 0 && s.grace == nil
}

// WriteTag publishes one tag. The stream takes ownership of t.Data, which must
// not be written again. It never blocks on a consumer.
func (s *Stream) WriteTag(t flv.Tag) {
	p := newPacket(t)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.published = true
	if p.Type == flv.TagScript {
		p.Timestamp = 0
		if isMetadata(p.Data) {
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
	s.codecs.ingest(p)
	p.seal()
	s.stats.add(p)

	switch {
	case p.Type == flv.TagVideo:
		s.sawVideo = true
		s.audioRun = 0
	case p.Type == flv.TagAudio && s.sawVideo:
		s.audioRun++
		if s.audioRun > pureAudioGuess {
			s.gopOK = false
			s.sawVideo = false
		}
	}
	s.ring.push(p)
	if s.vh.GopCache {
		if p.keyframe {
			s.gopStart, s.gopOK, s.gopFrames = p.seq, true, 0
		} else if s.gopOK {
			s.gopFrames++
			if s.gopFrames > s.vh.GopCacheMaxFrames {
				s.gopOK = false
			}
		}
	}
	s.trim(p.Timestamp)
	s.kickFlush()
}

// kickFlush starts the fan-out, or asks the running one for another round;
// the stream lock is held. Tags that arrive while a round runs go out
// together in the next, so under load batches grow by themselves.
func (s *Stream) kickFlush() {
	if len(s.consumers) == 0 || s.srv.manualFlush {
		return
	}
	if s.flushing {
		s.flushAgain = true
		return
	}
	s.flushing = true
	go s.flushLoop()
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
		s.flushRound()
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

// flushRound gives every consumer its turn (Consumer.flush).
func (s *Stream) flushRound() {
	s.mu.RLock()
	s.round = append(s.round[:0], s.consumers...)
	s.mu.RUnlock()
	now := time.Now()
	for _, c := range s.round {
		c.flush(now)
	}
	clear(s.round)
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
		inGOP := s.gopOK && s.ring.tail >= s.gopStart
		if s.ring.bytes > maxBytes || s.ring.full() {
			if inGOP {
				s.gopOK = false
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

func (s *Stream) wakeAll() {
	for _, c := range s.consumers {
		c.wake()
	}
}

func isMetadata(b []byte) bool {
	// AMF0 string "onMetaData": marker 2, length 10.
	return bytes.HasPrefix(b, []byte("\x02\x00\x0aonMetaData"))
}

// Consumer kinds decide which tags a consumer takes and where it starts.
type consumerKind int

const (
	kindAV        consumerKind = iota // FLV, TS, RTMP: everything, from the GOP cache
	kindAudioOnly                     // MP3, AAC: audio only, from the fast cache
)

// Consumer is one viewer's cursor into a stream.
type Consumer struct {
	s      *Stream
	kind   consumerKind
	notify chan struct{}
	epoch  uint64
	cursor uint64
	needSH bool
	// waitKey skips A/V until the next keyframe (after an overflow, or when a
	// viewer joins a video stream with no GOP cached).
	waitKey bool
	drops   int

	// The write side (sink.go), owned by whoever holds wmu: the viewer's
	// goroutine or, for one turn, the stream's fan-out.
	wmu     sync.Mutex
	enc     encoder
	out     sink
	batch   []*Packet
	bufs    [][]byte
	pending bool  // a write without waiting left bytes in out
	err     error // the fan-out's pull or write error, for the goroutine
	closed  bool  // the goroutine has returned: write nothing more
	// Counters for tests: writes by the fan-out, and hand-overs to the
	// goroutine because the socket was full.
	fanWrites, handoffs int
}

// Subscribe attaches a new consumer, positioned under the stream lock so that
// it starts with metadata, sequence headers and the cached GOP, in that order,
// and no live tag can slip in ahead of them.
func (s *Stream) Subscribe(kind consumerKind) *Consumer {
	c := &Consumer{s: s, kind: kind, notify: make(chan struct{}, 1)}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.epoch = s.epoch
	c.position()
	s.consumers = append(s.consumers, c)
	return c
}

// subscribeFormat attaches a consumer for an HTTP format: audio-only for
// .mp3 and .aac; for .ts the stream's TS muxer is started if need be.
func (s *Stream) subscribeFormat(f format) *Consumer {
	switch f {
	case formatMP3, formatAAC:
		return s.Subscribe(kindAudioOnly)
	case formatTS:
		s.mu.Lock()
		s.ensureTS()
		s.mu.Unlock()
	}
	return s.Subscribe(kindAV)
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
			m.ingest(p)
		}
	}
	if !s.gopOK || s.gopStart < s.ring.tail {
		m.waitKey = s.vsh != nil || s.sawVideo
		return
	}
	for seq := s.gopStart; seq < s.ring.head; seq++ {
		m.ingest(s.ring.at(seq))
	}
}

// position places c at its start point; the stream lock is held.
func (c *Consumer) position() {
	s := c.s
	c.needSH = true
	c.cursor = s.ring.head
	c.waitKey = false
	switch c.kind {
	case kindAudioOnly:
		fc := uint32(s.vh.Remux.FastCache / time.Millisecond)
		if fc == 0 || s.ring.len() == 0 {
			return
		}
		last := s.ring.at(s.ring.head - 1).Timestamp
		for seq := s.ring.head; seq > s.ring.tail; seq-- {
			p := s.ring.at(seq - 1)
			if p.Timestamp+fc < last {
				break
			}
			c.cursor = seq - 1
		}
	default:
		if s.vh.GopCache && s.gopOK && s.gopStart >= s.ring.tail {
			c.cursor = s.gopStart
			return
		}
		c.waitKey = s.sawVideo || s.vsh != nil
	}
}

// Close detaches the consumer.
func (c *Consumer) Close() {
	s := c.s
	s.mu.Lock()
	for i, x := range s.consumers {
		if x == c {
			last := len(s.consumers) - 1
			s.consumers[i] = s.consumers[last]
			s.consumers[last] = nil
			s.consumers = s.consumers[:last]
			break
		}
	}
	s.mu.Unlock()
	s.srv.removeIfIdle(s)
}

// Drops is how many times the consumer fell behind and was resynchronised.
func (c *Consumer) Drops() int { return c.drops }

// pull appends to dst the packets c should send next. It returns io.EOF when
// the publishing session c belongs to has ended.
func (c *Consumer) pull(dst []*Packet) ([]*Packet, error) {
	s := c.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	if c.epoch != s.epoch {
		return dst, io.EOF
	}
	head := s.ring.head
	behind := c.cursor < s.ring.tail
	if !behind && c.cursor < head && s.vh.QueueLength > 0 {
		lag := s.ring.at(head-1).Timestamp - s.ring.at(c.cursor).Timestamp
		behind = time.Duration(lag)*time.Millisecond > s.vh.QueueLength && s.ring.at(head-1).Timestamp >= s.ring.at(c.cursor).Timestamp
	}
	if behind {
		// Fall back to the sequence headers and the next (or cached) keyframe,
		// never to an arbitrary packet.
		c.drops++
		s.noteDrop()
		if c.drops > maxDrops {
			return dst, errTooSlow
		}
		c.position()
		if c.kind == kindAV && c.cursor == head {
			c.waitKey = s.sawVideo || s.vsh != nil
		}
	}
	if c.cursor >= head && !c.needSH {
		return dst, nil
	}
	sent := false
	if c.needSH && (s.meta != nil || s.vsh != nil || s.ash != nil) {
		c.needSH, sent = false, true
		if c.kind == kindAV && s.meta != nil {
			dst = append(dst, s.meta)
		}
		if c.kind == kindAV && s.vsh != nil {
			dst = append(dst, s.vsh)
		}
		if s.ash != nil {
			dst = append(dst, s.ash)
		}
	}
	for limit := len(dst) + maxBatch; c.cursor < head && len(dst) < limit; {
		p := s.ring.at(c.cursor)
		c.cursor++
		if c.kind == kindAudioOnly && p.Type != flv.TagAudio {
			continue
		}
		if sent && (p == s.meta || p == s.vsh || p == s.ash) {
			continue // already sent ahead of the queue
		}
		if c.waitKey {
			if p.keyframe {
				c.waitKey = false
			} else if !p.seqHeader && p.Type != flv.TagScript {
				continue
			}
		}
		dst = append(dst, p)
	}
	return dst, nil
}
