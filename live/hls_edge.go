package live

import (
	"time"

	"github.com/picosrs/picosrs/hls"
)

// hlsLeaseMin is the shortest an HLS player's request keeps an edge's pull.
const hlsLeaseMin = 10 * time.Second

// hlsLease is an edge's pull of a stream kept for its HLS players, who are
// no consumers: each playlist request keeps it three target durations (a
// player polls about once per target duration), after which the edge stops
// pulling as it does when its last viewer leaves. SRS does not pull for HLS
// at all (ossrs/srs#1928).
type hlsLease struct {
	stop  func() // the lease's share of the edge pull
	timer *time.Timer
	d     time.Duration
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

// HLSPlay is an HLS player asking for the playlist of key on an edge vhost
// with HLS (param is its "?query", passed upstream with the pull): the first
// request starts the pull from the origins, each one keeps it. It reports
// false on a vhost that is no edge or has no HLS.
func (s *Server) HLSPlay(key StreamKey, param string) bool {
	vh := s.cfg.Load().Vhost(key.Vhost)
	if vh == nil || !vh.Enabled || vh.HLS == nil || len(vh.Origins) == 0 {
		return false
	}
	st := s.stream(key, vh, true)
	st.mu.Lock()
	if l := st.hlsLease; l != nil && (l.timer == nil || l.timer.Stop()) {
		// Renewed; or being started by another request right now. A lease
		// whose timer already fired is ending: a new one replaces it.
		if l.timer != nil {
			l.timer.Reset(l.d)
		}
		st.mu.Unlock()
		return true
	}
	l := &hlsLease{d: max(3*hlsTarget(vh.HLS), hlsLeaseMin)}
	st.hlsLease = l
	st.mu.Unlock()
	stop := s.edgePlay(st, param, nil) // takes Server.edgesMu: not under Stream.mu
	st.mu.Lock()
	l.stop = stop
	l.timer = time.AfterFunc(l.d, func() { st.endHLSLease(l) })
	st.mu.Unlock()
	return true
}

// endHLSLease ends a lease no request renewed: the edge pull loses its
// share, and the stream may leave the registry.
func (s *Stream) endHLSLease(l *hlsLease) {
	s.mu.Lock()
	if s.hlsLease == l {
		s.hlsLease = nil
	}
	s.mu.Unlock()
	l.stop()
	s.srv.removeIfIdle(s)
}

// hlsTarget is the segments' target duration, hls_fragment*hls_td_ratio.
func hlsTarget(c *HLSConfig) time.Duration {
	f, r := c.Fragment, c.TDRatio
	if f <= 0 {
		f = 10 * time.Second
	}
	if r <= 0 {
		r = 1
	}
	return time.Duration(float64(f) * r)
}
