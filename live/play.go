package live

import (
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/picosrs/picosrs/access"
	"github.com/picosrs/picosrs/flv"
)

// Errors Play returns.
var (
	ErrNoVhost   = errors.New("live: no such vhost")
	ErrForbidden = errors.New("live: refused by the vhost's security rules")
)

// PlayRequest is a player asking for a stream, from any transport.
type PlayRequest struct {
	Key     StreamKey  // the vhost is the configured one the caller resolved
	Param   string     // the player's "?query", passed upstream by an edge pull
	Connect flv.Object // an RTMP player's extra connect fields (token_traverse)
	Format  Format
	Remote  net.Addr
	// Conn is closed to end the player from outside: a kick through the
	// API, or the server shutting down.
	Conn io.Closer
	// ClientType is the player's type in the API; "" means the format's
	// (flv-play, ts-play, mp3-play, aac-play, rtmp-play).
	ClientType string
	// Counters, when set, report the connection's own byte counts (RTMP);
	// otherwise the viewer's ConnSink counts what it writes.
	Counters func() (in, out uint64)
}

// CanPlay reports why a player could not play req: no such vhost, the
// vhost's security rules, or a .mp3/.aac request for a stream known to carry
// another codec. It changes nothing (HEAD requests use it).
func (s *Server) CanPlay(req PlayRequest) error {
	_, err := s.checkPlay(req)
	if err != nil {
		return err
	}
	if st := s.Stream(req.Key); st != nil {
		st.mu.RLock()
		err = st.codecs.checkFormat(req.Format)
		st.mu.RUnlock()
	}
	return err
}

func (s *Server) checkPlay(req PlayRequest) (*VhostConfig, error) {
	vh := s.cfg.Load().Vhost(req.Key.Vhost)
	if vh == nil || !vh.Enabled {
		return nil, fmt.Errorf("%w: %s", ErrNoVhost, req.Key.Vhost)
	}
	if !vh.Security.Allowed(access.Play, req.Remote) {
		return nil, ErrForbidden
	}
	return vh, nil
}

// Play attaches a player to the stream req names, creating the stream when
// nobody publishes it yet (the player waits for its publisher, as SRS's
// HSTRS allows). It checks the vhost's rules and the format against the
// stream's codecs, positions the player's consumer at its start point
// (metadata, sequence headers, cached GOP), registers it for the API and,
// on an edge, starts or joins the pull from the origins.
func (s *Server) Play(req PlayRequest) (*Viewer, error) {
	vh, err := s.checkPlay(req)
	if err != nil {
		return nil, err
	}
	st := s.stream(req.Key, vh, true)
	st.mu.RLock()
	err = st.codecs.checkFormat(req.Format)
	st.mu.RUnlock()
	if err != nil {
		s.removeIfIdle(st)
		return nil, err
	}
	kind := kindAV
	if req.Format.audioOnly() {
		kind = kindAudioOnly
	}
	typ := req.ClientType
	if typ == "" {
		typ = req.Format.String() + "-play"
	}
	s.wg.Add(1)
	v := &Viewer{srv: s, st: st, format: req.Format}
	v.c = st.subscribe(kind, req.Format == FormatTS)
	v.untrack = s.track(req.Conn)
	v.stopPull = s.edgePlay(st, req.Param, req.Connect)
	// A kick closes the connection and ends the viewer: nothing may be
	// reading it to notice.
	v.client, v.unregister = s.newClient(typ, req.Remote, req.Key, func() {
		req.Conn.Close()
		v.c.hangUp(ErrViewerGone)
	}, req.Counters)
	return v, nil
}
