package live

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"

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
	// ID is the client's id when its connection already has one (RTMP,
	// whose on_connect named it); 0 gives a new one.
	ID uint64
	// What the client sent, for the API and the hooks: an RTMP player's
	// tcUrl, pageUrl and swfUrl; for an HTTP player rtmp://host/app (SRS
	// builds it so) and its Referer.
	TcURL, PageURL, SwfURL string
	// Protocol is how the player came: "rtmp", "flv" (HTTP) or "flvs"
	// (HTTPS). An edge with follow_client pulls from its origin the same
	// way. "" means rtmp for an RTMP player and flv for the others.
	Protocol string

	hook *access.HookRequest // what the hooks say of an RTMP player, built for its on_connect
}

// CanPlay reports why a player could not play req: no such vhost, the
// vhost's security rules or secure_link, a .mp3/.aac request for a stream
// known to carry another codec, or (*RedirectError) a stream published on a
// coworker of an origin cluster. It changes nothing and asks no hook
// service (HEAD requests use it).
func (s *Server) CanPlay(req PlayRequest) error {
	vh, err := s.checkPlay(req)
	if err != nil {
		return err
	}
	if err := s.clusterRedirect(vh, req.Key); err != nil {
		return err
	}
	return s.checkCodec(req)
}

func (s *Server) checkPlay(req PlayRequest) (*VhostConfig, error) {
	vh := s.cfg.Load().Vhost(req.Key.Vhost)
	if vh == nil || !vh.Enabled {
		return nil, fmt.Errorf("%w: %s", ErrNoVhost, req.Key.Vhost)
	}
	if !vh.Security.Allowed(access.Play, req.Remote) {
		return nil, ErrForbidden
	}
	k := req.Key
	if err := vh.SecureLink.Check(access.Play, k.Vhost, k.App, k.Name, req.Param, req.Remote, time.Now()); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSecureLink, err)
	}
	return vh, nil
}

// checkCodec refuses a .mp3/.aac request for a stream known to carry
// another codec.
func (s *Server) checkCodec(req PlayRequest) error {
	st := s.Stream(req.Key)
	if st == nil {
		return nil
	}
	st.mu.RLock()
	defer st.mu.RUnlock()
	return st.codecs.checkFormat(req.Format)
}

// Play attaches a player to the stream req names, creating the stream when
// nobody publishes it yet (the player waits for its publisher, as SRS's
// HSTRS allows). It checks the vhost's rules, the signed URL and the format
// against the stream's codecs, asks the vhost's on_play hooks (before
// anything is attached or locked: a slow hook service delays this player
// only), positions the player's consumer at its start point (metadata,
// sequence headers, cached GOP), registers it for the API and, on an edge,
// starts or joins the pull from the origins. Viewer.Close sends on_stop.
// On an origin of an origin cluster, a stream not published here but on a
// coworker returns *RedirectError (before any hook is asked); one published
// nowhere waits here. Once the shutdown has begun it returns ErrShutdown.
func (s *Server) Play(req PlayRequest) (*Viewer, error) {
	vh, err := s.checkPlay(req)
	if err != nil {
		return nil, err
	}
	if err := s.clusterRedirect(vh, req.Key); err != nil {
		return nil, err
	}
	if err := s.checkCodec(req); err != nil {
		return nil, err
	}
	id := req.ID
	if id == 0 {
		id = s.nextID.Add(1)
	}
	hr := req.hook
	if hr == nil {
		hr = s.hookRequest(id, clientIP(req.Remote), req.Key, req.Param, req.TcURL, req.PageURL)
	}
	// Counted before on_play: a shutdown that begins from here on waits
	// for this viewer and ends it; one begun already refuses it.
	if !s.join() {
		return nil, ErrShutdown
	}
	if err := s.admit(vh, access.OnPlay, hr); err != nil {
		s.wg.Done()
		return nil, err
	}
	st := s.stream(req.Key, vh, true)
	kind := kindAV
	if req.Format.audioOnly() {
		kind = kindAudioOnly
	}
	typ := req.ClientType
	if typ == "" {
		typ = req.Format.String() + "-play"
	}
	v := &Viewer{srv: s, st: st, format: req.Format, hook: hr}
	v.c = st.subscribe(kind, req.Format == FormatTS)
	v.untrack = s.track(req.Conn)
	v.stopPull = s.edgePlay(st, req)
	// A kick closes the connection and ends the viewer: nothing may be
	// reading it to notice.
	v.client, v.unregister = s.newClient(&Client{ID: id, Type: typ, IP: hr.IP, Vhost: req.Key.Vhost, App: req.Key.App,
		Stream: req.Key.Name, TcURL: req.TcURL, PageURL: req.PageURL, SwfURL: req.SwfURL,
		kick: func() {
			req.Conn.Close()
			v.c.hangUp(ErrViewerGone)
		}, counters: req.Counters})
	return v, nil
}

// clusterRedirect is SRS's origin cluster (SrsRtmpConn::playing): on an
// origin (not an edge) with origin_cluster on, a stream nobody publishes
// here is looked for on the coworkers, and *RedirectError names the one
// that has it. It asks on the caller's goroutine, under no lock.
func (s *Server) clusterRedirect(vh *VhostConfig, key StreamKey) error {
	if !vh.OriginCluster || len(vh.Coworkers) == 0 || len(vh.Origins) > 0 {
		return nil
	}
	if st := s.Stream(key); st != nil && st.Publishing() {
		return nil
	}
	if at := s.coworkers.locate(vh.Coworkers, key, s.log); at != nil {
		return at
	}
	return nil
}
