package live

import (
	"errors"
	"sync"
	"time"

	"github.com/picosrs/picosrs/internal/textlog"
)

// ErrStreamBusy is returned to a second publisher of a stream.
var ErrStreamBusy = errors.New("live: stream is already being published")

// StreamKey names a stream: its vhost, app and stream name.
type StreamKey struct{ Vhost, App, Name string }

func (k StreamKey) String() string { return k.Vhost + "/" + k.App + "/" + k.Name }

// Stream is one live stream, keyed by (vhost, app, stream). It exists while it
// has a publisher, consumers, or both. Its publishing session starts with the
// first tag and ends when the publisher leaves for good (after the grace
// period): consumers of an ended session get io.EOF.
type Stream struct {
	srv *Server
	key StreamKey
	vh  *VhostConfig
	log *textlog.Logger
	// chunkSize is the RTMP chunk size the shared chunk headers of its
	// packets are built for: the server's when the stream started.
	chunkSize int

	mu        sync.RWMutex
	pub       any // the publisher's identity; nil when nobody publishes
	pubSince  time.Time
	published bool   // a publisher has written since the session began
	epoch     uint64 // counts the publishing sessions that ended
	// sessionEnd is the ring position where the last session ended: its
	// consumers still get what they had not yet sent of it, then io.EOF.
	sessionEnd uint64
	grace      *time.Timer

	// Ingest state (ingest.go).
	meta, vsh, ash *Packet // metadata and sequence headers, sent ahead of a new viewer's first tag
	ring           ring
	gop            gopCache
	jit            jitter
	codecs         codecState

	consumers []*Consumer

	hls      *streamHLS // the session's HLS, when the vhost has it (hls.go)
	hlsLease *hlsLease  // an edge's pull kept for HLS players (hls_edge.go)

	// The fan-out (fanout.go): at most one goroutine per stream goes round
	// the consumers; flushAgain asks it for another round.
	flushing   bool
	flushAgain bool
	round      []*Consumer // the consumers of the current round (the fan-out's own)
	split      fanOutSplit // the helpers a large round is split over (the fan-out's own)
	scratch    scratch     // the batch and vector the fan-out lends each consumer
	flushLoopF func()      // s.flushLoop, bound once: "go s.flushLoop()" would allocate a closure per round

	stats   streamStats
	drops   countLog // viewers resynchronised
	muxErrs countLog // tags the TS muxer refused
}

func newStream(srv *Server, key StreamKey, vh *VhostConfig) *Stream {
	s := &Stream{srv: srv, key: key, vh: vh, chunkSize: srv.cfg.Load().ChunkSize}
	s.log = srv.log.With("stream", key.String())
	s.flushLoopF = s.flushLoop
	s.jit.mode = vh.TimeJitter
	s.codecs.reset()
	return s
}

// Key returns the stream's vhost, app and name.
func (s *Stream) Key() StreamKey { return s.key }

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
		// A republish within the grace period continues the session.
		s.newTimelineLocked()
	}
	return nil
}

// newTimeline marks the next tag as the start of a new timeline (an edge
// that reconnected to an origin): timestamps continue from the last one
// out, and the cached GOP of the old timeline is no start point for new
// viewers.
func (s *Stream) newTimeline() {
	s.mu.Lock()
	s.newTimelineLocked()
	s.mu.Unlock()
}

func (s *Stream) newTimelineLocked() {
	s.jit.jump()
	s.gop.drop()
	s.hlsDiscontinuityLocked()
}

// stopPublish detaches publisher id. Viewers stay for the vhost's grace
// period, then their session ends.
func (s *Stream) stopPublish(id any) {
	s.mu.Lock()
	if s.pub != id {
		s.mu.Unlock()
		return
	}
	s.pub = nil
	s.gop.drop()
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
// no new publisher.
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

// endSessionLocked ends the publishing session: its consumers send what
// they still have of it, then get io.EOF; the caches are dropped, so a new
// session starts afresh. The packets stay in the ring until the consumers
// that still need them leave or trim evicts them.
func (s *Stream) endSessionLocked() {
	if !s.published {
		return // nothing was published: waiting players keep waiting
	}
	s.epoch++
	s.sessionEnd = s.ring.head
	s.published = false
	s.meta, s.vsh, s.ash = nil, nil, nil
	s.endHLSLocked()
	s.gop.reset()
	s.jit = jitter{mode: s.vh.TimeJitter}
	s.codecs.reset()
	for _, c := range s.consumers {
		c.wake()
	}
}

// idle reports whether the stream can leave the registry.
func (s *Stream) idle() bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.pub == nil && len(s.consumers) == 0 && s.grace == nil && s.hlsLease == nil
}

// subscribe attaches a new consumer, positioned under the stream lock so that
// it starts with metadata, sequence headers and the cached GOP, in that
// order, and no live tag can slip in ahead of them. A TS consumer starts the
// stream's TS muxer if need be.
func (s *Stream) subscribe(kind consumerKind, ts bool) *Consumer {
	c := &Consumer{s: s, kind: kind}
	c.driveF = c.drive
	s.mu.Lock()
	defer s.mu.Unlock()
	if ts {
		s.ensureTS()
	}
	c.epoch = s.epoch
	c.position()
	s.consumers = append(s.consumers, c)
	return c
}

// unsubscribe detaches c.
func (s *Stream) unsubscribe(c *Consumer) {
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

// videoExpected reports whether the stream carries video, so that a viewer
// that cannot start at a cached GOP must wait for a keyframe. The stream
// lock is held.
func (s *Stream) videoExpected() bool { return s.gop.sawVideo || s.vsh != nil }
