package live

import (
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/picosrs/picosrs/access"
	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/rtmp"
)

// rtmpRequestTimeout bounds the commands between the handshake and publish
// or play.
const rtmpRequestTimeout = 30 * time.Second

// ServeRTMP accepts RTMP connections on ln until it is closed.
func (s *Server) ServeRTMP(ln net.Listener) error {
	if !s.addListener(ln) {
		ln.Close()
		return net.ErrClosed
	}
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.isClosing() {
				return net.ErrClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscall.EMFILE) {
				delay = min(max(delay*2, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		if !s.join() { // accepted as the shutdown closed the listener
			nc.Close()
			return net.ErrClosed
		}
		go func() {
			defer s.wg.Done()
			s.serveRTMPConn(nc)
		}()
	}
}

// serveRTMPConn reads an RTMP connection's request and serves it: a
// publisher on this goroutine until it stops, a player only until it is
// attached to its stream (the player's viewer then owns the connection).
func (s *Server) serveRTMPConn(nc net.Conn) {
	untrack := s.track(nc)
	handedOver := false
	defer func() {
		if !handedOver {
			nc.Close()
			untrack()
		}
	}()
	cfg := s.cfg.Load()
	id := s.nextID.Add(1) // the connection's, its client's and its hooks' id
	log := s.log.With("conn", id, "remote", nc.RemoteAddr().String())
	c, err := rtmp.Accept(nc, rtmp.ServerConfig{ChunkSize: cfg.ChunkSize, HandshakeTimeout: 10 * time.Second, WriteTimeout: cfg.WriteTimeout})
	if err != nil {
		log.Debug("rtmp handshake failed", "err", err)
		return
	}
	nc.SetReadDeadline(time.Now().Add(rtmpRequestTimeout))
	req, err := c.ReadRequest()
	switch {
	case errors.Is(err, rtmp.ErrNameTooLong), errors.Is(err, rtmp.ErrRequestTooLarge):
		log.Warn("rtmp request refused", "err", err) // the client was told why
		return
	case err != nil:
		if !errors.Is(err, io.EOF) {
			log.Info("rtmp request failed", "err", err)
		}
		return
	}
	host := req.Vhost
	vh := cfg.ResolveVhost(host)
	if vh == nil || !vh.Enabled {
		log.Info("rtmp refused: no such vhost", "vhost", host, "app", req.App, "stream", req.Stream)
		if req.Kind == rtmp.KindPublish {
			c.RejectPublish("NetStream.Publish.Denied", "vhost "+host+" is not served here")
		} else {
			c.RejectPlay("NetStream.Play.StreamNotFound", "vhost "+host+" is not served here")
		}
		return
	}
	key := StreamKey{vh.Name, req.App, req.Stream}
	log = log.With("stream", key.String())
	// SRS asks on_connect once the client has named its stream, and sends
	// on_close when the connection ends, whatever happened in between.
	hr := s.hookRequest(id, clientIP(nc.RemoteAddr()), key, req.Param, req.TcURL, req.PageURL)
	closeConn := func() {
		nc.Close()
		hr.SendBytes, hr.RecvBytes = c.BytesOut(), c.BytesIn()
		s.notify(vh.Name, vh, access.OnClose, hr)
	}
	defer func() {
		if !handedOver {
			closeConn()
		}
	}()
	if err := s.admit(vh, access.OnConnect, hr); err != nil {
		log.Info("rtmp refused by http_hooks", append([]any{"publish", req.Kind == rtmp.KindPublish}, HookAttrs(err)...)...)
		if req.Kind == rtmp.KindPublish {
			c.RejectPublish("NetStream.Publish.Denied", "denied by http_hooks on_connect")
		} else {
			c.RejectPlay("NetStream.Play.Failed", "denied by http_hooks on_connect")
		}
		return
	}
	if req.Kind == rtmp.KindPublish {
		s.servePublish(c, nc, id, vh, key, req, hr, log)
		return
	}
	handedOver = s.servePlay(c, nc, id, key, req, hr, log, closeConn)
}

func (s *Server) servePublish(c *rtmp.Conn, nc net.Conn, id uint64, vh *VhostConfig, key StreamKey, req *rtmp.Request, hr *access.HookRequest, log *textlog.Logger) {
	// The connection was tracked before this check: a shutdown that begins
	// after it closes the connection, and so ends the publisher.
	if s.isClosing() {
		log.Info("rtmp refused: server shutting down", "publish", true)
		c.RejectPublish("NetStream.Publish.Denied", "server shutting down")
		return
	}
	if !vh.Security.Allowed(access.Publish, nc.RemoteAddr()) {
		log.Info("rtmp refused by the vhost's security rules", "publish", true)
		c.RejectPublish("NetStream.Publish.Denied", "denied by security rules")
		return
	}
	if err := vh.SecureLink.Check(access.Publish, key.Vhost, key.App, key.Name, req.Param, nc.RemoteAddr(), time.Now()); err != nil {
		log.Info("rtmp refused by the vhost's secure_link", "publish", true, "err", err)
		c.RejectPublish("NetStream.Publish.Denied", "denied by secure_link: the URL's signature is missing, wrong or expired")
		return
	}
	if err := s.admit(vh, access.OnPublish, hr); err != nil {
		log.Info("rtmp refused by http_hooks", append([]any{"publish", true}, HookAttrs(err)...)...)
		c.RejectPublish("NetStream.Publish.Denied", "denied by http_hooks on_publish")
		return
	}
	client, unregister := s.newClient(&Client{ID: id, Type: "fmle-publish", IP: hr.IP,
		Vhost: key.Vhost, App: key.App, Stream: key.Name, TcURL: req.TcURL, PageURL: req.PageURL, SwfURL: req.SwfURL,
		kick: func() { nc.Close() }, counters: func() (uint64, uint64) { return c.BytesIn(), c.BytesOut() }})
	var err error
	defer func() { unregister(Failed(err)) }()
	log = log.With("client", client.ID)
	st := s.stream(key, vh, true)
	if err := st.startPublish(c); err != nil {
		log.Warn("publish refused: stream is busy")
		c.RejectPublish("NetStream.Publish.BadName", "Stream already publishing")
		s.removeIfIdle(st)
		return
	}
	// on_unpublish once the stream is free again and the publisher's
	// connection closed, as SRS sends it after release_publish.
	defer func() {
		nc.Close()
		s.notify(vh.Name, vh, access.OnUnpublish, hr)
	}()
	defer st.stopPublish(c)
	// A publisher that stops reading (its acknowledgements fill the socket)
	// is dropped within its publish timeout, and its name is free again.
	if vh.NormalTimeout > 0 {
		c.SetWriteTimeout(min(vh.NormalTimeout, s.cfg.Load().WriteTimeout))
	}
	if err = c.AcceptPublish(); err != nil {
		log.Info("publish failed", "err", err)
		return
	}
	start := time.Now()
	log.Info("publish start")
	stopFwd := s.startForward(st, req)
	defer stopFwd()
	timeout := vh.FirstPktTimeout
	var tags int
	for {
		if timeout > 0 {
			nc.SetReadDeadline(time.Now().Add(timeout))
		}
		var t flv.Tag
		t, err = c.ReadTag()
		if err != nil {
			break
		}
		timeout = vh.NormalTimeout
		tags++
		st.WriteTag(t)
	}
	reason, failed := publishEnd(err, client)
	if !failed {
		err = nil
	}
	attrs := []any{"tags", tags, "bytes", c.BytesIn(), "duration", logDuration(start), "reason", reason}
	if failed {
		attrs = append(attrs, "err", err)
	}
	log.Info("publish stop", attrs...)
}

// publishEnd says why a publisher ended, and whether that was a failure.
func publishEnd(err error, c *Client) (reason string, failed bool) {
	var ne net.Error
	switch {
	case c.Kicked():
		return "kicked through the API", false
	case errors.Is(err, io.EOF):
		return "publisher stopped", false
	case errors.Is(err, net.ErrClosed):
		return "server shutting down", false
	case errors.As(err, &ne) && ne.Timeout():
		return "publisher sent nothing within the timeout", true
	}
	return "error", true
}

// servePlay attaches an RTMP player to its stream and reports whether it
// did: the viewer then owns the connection, and when it ends calls
// closeConn, which closes it and sends on_close. No goroutine waits on the
// player: the stream's fan-out writes it, and what it sends
// (acknowledgements, pause, closeStream) is read when it arrives.
func (s *Server) servePlay(c *rtmp.Conn, nc net.Conn, id uint64, key StreamKey, req *rtmp.Request, hr *access.HookRequest, log *textlog.Logger, closeConn func()) bool {
	nc.SetReadDeadline(time.Time{})
	v, err := s.Play(PlayRequest{
		Key: key, Param: req.Param, Connect: req.ConnectArgs, // the player's query (and, with token_traverse, its connect fields) go upstream
		Format: FormatRTMP, Remote: nc.RemoteAddr(), Conn: nc,
		Counters: func() (uint64, uint64) { return c.BytesIn(), c.BytesOut() },
		ID:       id, TcURL: req.TcURL, PageURL: req.PageURL, SwfURL: req.SwfURL,
		hook: hr, // the same fields: one request serves on_connect, on_play, on_stop and on_close
	})
	var re *RedirectError
	switch {
	case errors.Is(err, ErrForbidden):
		log.Info("rtmp refused by the vhost's security rules", "publish", false)
		c.RejectPlay("NetStream.Play.Failed", "denied by security rules")
		return false
	case errors.Is(err, ErrSecureLink):
		log.Info("rtmp refused by the vhost's secure_link", "publish", false, "err", err)
		c.RejectPlay("NetStream.Play.Failed", "denied by secure_link: the URL's signature is missing, wrong or expired")
		return false
	case errors.Is(err, ErrHookDenied):
		log.Info("rtmp refused by http_hooks", append([]any{"publish", false}, HookAttrs(err)...)...)
		c.RejectPlay("NetStream.Play.Failed", "denied by http_hooks on_play")
		return false
	case errors.As(err, &re):
		to := re.RTMPURL(key, req.Param)
		log.Info("play redirected to the coworker that publishes the stream", "coworker", re.Coworker, "to", to)
		c.Redirect(to)
		return false
	case err != nil:
		log.Info("play refused", "err", err)
		c.RejectPlay("NetStream.Play.Failed", err.Error())
		return false
	}
	if err := c.AcceptPlay(); err != nil {
		log.Info("play failed", "err", err, "client", id)
		v.Close(err)
		return false
	}
	s.startRTMPPlayer(c, nc, id, v, log, closeConn)
	return true
}
