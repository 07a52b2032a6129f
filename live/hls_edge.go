package live

import (
	"time"

	"github.com/picosrs/picosrs/hls"
)

// hlsLeaseMin is the shortest an HLS player's request keeps an edge's pull.
const hlsLeaseMin = 10 * time.Second

// hlsLease is an edge's pull of a stream kept for its HLS players, who are
// no consumers. Requests that wait for the first playlist hold it; once a
// playlist has been served, each one keeps it three target durations (a
// player polls about once per target duration), after which the edge stops
// pulling as it does when its last viewer leaves. A lease whose requests
// all gave up before any playlist ends at once, so requests for streams the
// origins do not have (or that hang up at once) leave no pull behind. SRS
// does not pull for HLS at all (ossrs/srs#1928). Its fields are guarded by
// the stream lock; the lease gives its share of the pull back once, when it
// ends (ended).
type hlsLease struct {
	stop    func() // the lease's share of the edge pull
	d       time.Duration
	waiting int         // requests not answered yet
	until   time.Time   // the last served playlist's d later; zero before
	timer   *time.Timer // armed once a playlist was served, reset by each
	ended   bool
}

// HLS returns the store of every stream's HLS window, which the HTTP room
// serves.
func (s *Server) HLS() *hls.Store { return s.hls }

// hlsDisposed logs a freed HLS window and has its memory handed back to the
// system: a router's RSS returns to what it was before the stream.
func (s *Server) hlsDisposed(key string, freed int64) {
	s.log.Info("hls window freed", "stream", key, "bytes", freed)
	s.release.request()
}

// HLSPlay is a playlist request on an edge vhost with HLS (req names the
// stream, the "?query" passed upstream with the pull and how the player
// came, for follow_client): the first starts the pull from the origins. The
// request calls done once it is answered, telling whether it got a
// playlist: a served playlist keeps the pull three target durations. ok is
// false, and done nil, on a vhost that is no edge or has no HLS.
func (s *Server) HLSPlay(req PlayRequest) (done func(served bool), ok bool) {
	vh := s.cfg.Load().Vhost(req.Key.Vhost)
	if vh == nil || !vh.Enabled || vh.HLS == nil || len(vh.Origins) == 0 {
		return nil, false
	}
	st := s.stream(req.Key, vh, true)
	l, first := st.holdHLSLease(max(3*vh.HLS.TargetDuration(), hlsLeaseMin))
	if first {
		// This request holds the lease (waiting), so it cannot end before
		// its share of the pull is in place.
		stop := s.edgePlay(st, req) // takes Server.edgesMu: not under Stream.mu
		st.mu.Lock()
		l.stop = stop
		st.mu.Unlock()
	}
	return func(served bool) { st.hlsAnswered(l, served) }, true
}

// holdHLSLease counts one more request on the stream's lease, which lasts d
// after a served playlist, and reports whether the lease is new: its caller
// then takes the lease's share of the edge pull.
func (s *Stream) holdHLSLease(d time.Duration) (l *hlsLease, first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hlsLease == nil {
		s.hlsLease = &hlsLease{d: d}
		first = true
	}
	s.hlsLease.waiting++
	return s.hlsLease, first
}

// hlsAnswered notes that a request holding lease l was answered: a served
// playlist keeps the lease d from now; a lease nothing keeps any more ends.
func (s *Stream) hlsAnswered(l *hlsLease, served bool) {
	s.mu.Lock()
	l.waiting--
	if served && !l.ended {
		l.until = time.Now().Add(l.d)
		if l.timer == nil {
			l.timer = time.AfterFunc(l.d, func() { s.endHLSLease(l) })
		}
	}
	s.mu.Unlock()
	s.endHLSLease(l)
}

// endHLSLease ends lease l if nothing keeps it any more (no request waits,
// and the last served playlist is d old or none was served): the edge pull
// loses its share, once, and the stream may leave the registry. Its timer
// and every answer call it; a lease kept a while longer has its timer set
// for the rest, and one a request holds is looked at again on its answer.
func (s *Stream) endHLSLease(l *hlsLease) {
	s.mu.Lock()
	if l.ended || l.waiting > 0 {
		s.mu.Unlock()
		return
	}
	if left := time.Until(l.until); left > 0 {
		l.timer.Reset(left) // until is only set beside the timer
		s.mu.Unlock()
		return
	}
	l.ended = true
	if l.timer != nil {
		l.timer.Stop()
	}
	if s.hlsLease == l {
		s.hlsLease = nil
	}
	s.mu.Unlock()
	l.stop()
	s.srv.removeIfIdle(s)
}
