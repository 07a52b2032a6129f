package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/rtmp"
)

// Forward retry backoff: the first retry after forwardMinBackoff, doubling to
// forwardMaxBackoff; a push that lasted forwardStable resets it.
const (
	forwardMinBackoff = 500 * time.Millisecond
	forwardMaxBackoff = 8 * time.Second
	forwardStable     = 10 * time.Second
)

// startForward pushes a published stream to the vhost's forward
// destinations, and on an edge vhost to its origins (SRS's edge forwarder:
// a stream published to an edge is proxied to the origin; the edge serves it
// locally too). Each push reads the stream like a viewer, so a slow or dead
// destination never blocks the publisher; it reconnects with backoff. The
// returned function stops the pushes when the publisher leaves.
func (s *Server) startForward(st *Stream, req *rtmp.Request) func() {
	vh := st.vh
	type push struct {
		servers []string
		vhost   string
		what    string
	}
	var pushes []push
	for _, d := range vh.Forward {
		pushes = append(pushes, push{[]string{d}, st.key.Vhost, "forward"})
	}
	if len(vh.Origins) > 0 {
		pushes = append(pushes, push{vh.Origins, upstreamVhost(vh, st.key.Vhost), "edge publish"})
	}
	if len(pushes) == 0 {
		return func() {}
	}
	param := ""
	if req != nil {
		param = req.Param
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, p := range pushes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.runForward(ctx, st, p.servers, p.vhost, param, p.what)
		}()
	}
	return func() {
		cancel()
		wg.Wait()
	}
}

// runForward pushes st to servers (tried in turn) until ctx ends.
func (s *Server) runForward(ctx context.Context, st *Stream, servers []string, vhost, param, what string) {
	ctx, cancel := s.withClosing(ctx)
	defer cancel()
	backoff := forwardMinBackoff
	for i := 0; ; i++ {
		server := servers[i%len(servers)]
		url := edgeURL(server, vhost, st.key.App, st.key.Name, param)
		log := st.log.With("push", what, "url", url)
		start := time.Now()
		err := s.forwardOnce(ctx, st, url, log)
		if ctx.Err() != nil {
			log.Info("push stop", "duration", time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > forwardStable {
			backoff = forwardMinBackoff
		}
		log.Warn("push failed, retrying", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, forwardMaxBackoff)
	}
}

// forwardOnce publishes st to url until ctx ends, the session ends or the
// destination fails.
func (s *Server) forwardOnce(ctx context.Context, st *Stream, url string, log *textlog.Logger) error {
	cfg := s.cfg.Load()
	c, err := rtmp.Dial(ctx, url, rtmp.DialConfig{Timeout: edgeTimeout, ChunkSize: cfg.ChunkSize})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Publish(ctx); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() {
		// Best effort: let the destination end the stream cleanly.
		c.SetWriteDeadline(time.Now().Add(time.Second))
		c.Unpublish()
		c.Close()
	})
	defer stop()
	log.Info("push start")
	// The destination only sends acknowledgements and status; a read error
	// or an error status means it is gone.
	done := make(chan struct{})
	var readErr error
	go func() {
		defer close(done)
		for {
			if _, err := c.ReadTag(); err != nil {
				readErr = err
				return
			}
		}
	}()
	cons := st.subscribe(kindAV, false)
	defer cons.Close()
	out := &rtmpSink{c: c, timeout: cfg.WriteTimeout}
	// The push ends when the destination goes (done) or it is stopped (ctx).
	stopped := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-ctx.Done():
		}
		close(stopped)
	}()
	err = cons.serve(newRTMPEncoder(c, st.chunkSize), out, stopped)
	c.Close()
	<-done
	<-stopped
	switch {
	case ctx.Err() != nil:
		return nil
	case errors.Is(err, ErrViewerGone):
		if readErr == nil || errors.Is(readErr, io.EOF) {
			return fmt.Errorf("destination closed the connection")
		}
		return readErr
	case err == io.EOF:
		// The publishing session ended; the caller stops us soon.
		<-ctx.Done()
		return nil
	}
	return err
}
