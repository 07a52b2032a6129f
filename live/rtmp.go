package live

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/picosrs/picosrs/access"
	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

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
			select {
			case <-s.closing:
				return net.ErrClosed
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, errTooManyFiles) {
				delay = min(max(delay*2, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveRTMPConn(nc)
		}()
	}
}

func (s *Server) serveRTMPConn(nc net.Conn) {
	untrack := s.track(nc)
	defer untrack()
	defer nc.Close()
	cfg := s.cfg.Load()
	log := s.log.With("conn", s.nextID.Add(1), "remote", nc.RemoteAddr().String())
	c, err := rtmp.Accept(nc, rtmp.ServerConfig{ChunkSize: cfg.ChunkSize, HandshakeTimeout: 10 * time.Second})
	if err != nil {
		log.Debug("rtmp handshake failed", "err", err)
		return
	}
	nc.SetReadDeadline(time.Now().Add(30 * time.Second))
	req, err := c.ReadRequest()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			log.Info("rtmp request failed", "err", err)
		}
		return
	}
	host := req.Vhost
	vh := cfg.resolveVhost(host)
	if vh == nil || !vh.Enabled {
		log.Info("rtmp refused: no such vhost", "vhost", host, "app", req.App, "stream", req.Stream)
		if req.Kind == rtmp.KindPublish {
			c.RejectPublish("NetStream.Publish.Denied", "vhost "+host+" is not served here")
		} else {
			c.RejectPlay("NetStream.Play.StreamNotFound", "vhost "+host+" is not served here")
		}
		return
	}
	key := streamKey{vh.Name, req.App, req.Stream}
	log = log.With("stream", key.String())
	action := access.Publish
	if req.Kind == rtmp.KindPlay {
		action = access.Play
	}
	if !vh.Security.Allowed(action, nc.RemoteAddr()) {
		log.Info("rtmp refused by the vhost's security rules", "publish", req.Kind == rtmp.KindPublish)
		if req.Kind == rtmp.KindPublish {
			c.RejectPublish("NetStream.Publish.Denied", "denied by security rules")
		} else {
			c.RejectPlay("NetStream.Play.Failed", "denied by security rules")
		}
		return
	}
	typ := "rtmp-play"
	if req.Kind == rtmp.KindPublish {
		typ = "fmle-publish"
	}
	client, unregister := s.newClient(typ, nc.RemoteAddr(), key, func() { nc.Close() },
		func() (uint64, uint64) { return c.BytesIn(), c.BytesOut() })
	defer unregister(false)
	log = log.With("client", client.ID)
	if req.Kind == rtmp.KindPublish {
		s.servePublish(c, nc, vh, key, req, log)
		return
	}
	s.servePlay(c, nc, vh, key, req, log)
}

type logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Debug(msg string, args ...any)
}

func (s *Server) servePublish(c *rtmp.Conn, nc net.Conn, vh *VhostConfig, key streamKey, req *rtmp.Request, log logger) {
	st := s.stream(key, vh, true)
	if err := st.startPublish(c); err != nil {
		log.Warn("publish refused: stream is busy")
		c.RejectPublish("NetStream.Publish.BadName", "Stream already publishing")
		s.removeIfIdle(st)
		return
	}
	defer st.stopPublish(c)
	if err := c.AcceptPublish(); err != nil {
		log.Info("publish failed", "err", err)
		return
	}
	start := time.Now()
	log.Info("publish start")
	stopFwd := s.startForward(st, req)
	defer stopFwd()
	timeout := vh.FirstPktTimeout
	var tags int
	var err error
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
	attrs := []any{"tags", tags, "bytes", c.BytesIn(), "duration", time.Since(start).Round(time.Millisecond)}
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed):
	case errors.As(err, &ne) && ne.Timeout():
		attrs = append(attrs, "err", "publisher sent nothing within the timeout")
	default:
		attrs = append(attrs, "err", err)
	}
	log.Info("publish stop", attrs...)
}

func (s *Server) servePlay(c *rtmp.Conn, nc net.Conn, vh *VhostConfig, key streamKey, req *rtmp.Request, log logger) {
	nc.SetReadDeadline(time.Time{})
	st := s.stream(key, vh, true)
	cons := st.Subscribe(kindAV)
	defer cons.Close()
	stopPull := s.edgePlayParam(st, req.Param, req.ConnectArgs) // the player's query (and, with token_traverse, its connect fields) go upstream
	defer stopPull()
	if err := c.AcceptPlay(); err != nil {
		log.Info("play failed", "err", err)
		return
	}
	setNoDelay(nc, vh.TCPNodelay)
	// The player's input is read on this goroutine, whose stack the
	// handshake and the commands have grown anyway; the writer is a fresh,
	// small one that the fan-out mostly leaves parked.
	start := time.Now()
	log.Info("play start")
	out := &rtmpSink{c: c, timeout: s.cfg.Load().WriteTimeout}
	done := make(chan struct{})
	res := make(chan error, 1)
	go func() {
		err := s.pump(context.Background(), cons, nil, out, done)
		if err == io.EOF {
			c.NotifyUnpublish() // ffmpeg then ends playback cleanly
		}
		res <- err
		nc.Close() // ends ServePlayerInput
	}()
	c.ServePlayerInput()
	close(done)
	err := <-res
	attrs := []any{"bytes", c.BytesOut(), "duration", time.Since(start).Round(time.Millisecond), "drops", cons.Drops()}
	if err != nil && err != io.EOF && !errors.Is(err, errClientGone) && !errors.Is(err, errShutdown) {
		attrs = append(attrs, "err", err)
	}
	log.Info("play stop", attrs...)
}

// rtmpSink writes a consumer's packets to an RTMP player, one writev a batch.
type rtmpSink struct {
	c        *rtmp.Conn
	timeout  time.Duration
	tags     []*flv.Tag
	held     []*flv.Tag // a batch TryWriteTags could not queue, for finish
	deadline deadline
}

func (r *rtmpSink) queue(batch []*Packet) {
	r.tags = r.tags[:0]
	for _, p := range batch {
		r.tags = append(r.tags, &p.Tag)
	}
}

func (r *rtmpSink) write(_ [][]byte, batch []*Packet) error {
	r.queue(batch)
	r.deadline.refresh(r.c, r.timeout, time.Now())
	err := r.c.WriteTags(r.tags)
	clear(r.tags)
	return err
}

func (r *rtmpSink) tryWrite(_ [][]byte, batch []*Packet, now time.Time) (bool, error) {
	r.queue(batch)
	r.deadline.refresh(r.c, r.timeout, now) // an expired deadline fails even a write that would not wait
	done, err := r.c.TryWriteTags(r.tags)
	if errors.Is(err, rtmp.ErrBusy) {
		// The reading side is answering the player: the goroutine sends
		// this batch once it is done, the fan-out does not wait.
		r.held = append(r.held[:0], r.tags...)
		err = nil
	}
	clear(r.tags)
	return done, err
}

func (r *rtmpSink) finish() error {
	r.deadline.refresh(r.c, r.timeout, time.Now())
	if len(r.held) > 0 {
		err := r.c.WriteTags(r.held)
		clear(r.held)
		r.held = r.held[:0]
		return err
	}
	return r.c.FlushWrites()
}
