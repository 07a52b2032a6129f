package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// Edge timings, as SRS's SrsEdgeIngester uses them.
const (
	edgeTimeout    = 5 * time.Second // connect and receive timeout (SRS_EDGE_INGESTER_TIMEOUT)
	edgeRetryPause = 3 * time.Second // pause between tries (SRS_EDGE_INGESTER_CIMS)
	edgeStopDelay  = 3 * time.Second // the pull outlives its last player this long
	edgeRedirects  = 3               // RTMP redirects followed in a row
)

// edgePull is one stream's pull from the origins. It publishes into the
// stream for as long as it has players, and a little longer. Server.edges
// holds the pull of each edge stream while its goroutine runs, under
// Server.edgesMu.
type edgePull struct {
	players int
	stop    *time.Timer        // pending stop once the last player left
	cancel  context.CancelFunc // ends the current pull; a new player revives it
	param   string             // the first player's query ("?token=..."), passed upstream
	connect flv.Object         // the first RTMP player's extra connect fields (token_traverse)
}

// edgePlay is called when a player (HTTP or RTMP) attaches to st. On an
// edge vhost (cluster mode remote) the first player starts one RTMP pull from
// the origins and later players share it; the returned function is called
// when that player leaves, and the pull stops edgeStopDelay after the last
// one left unless another arrives meanwhile. The first player's param (the
// "?query" of its stream or URL) goes upstream with the pull, so tokens reach
// the origin; with token_traverse on, so do the extra fields of an RTMP
// player's connect object (connect), as SRS passes the player's connect.
func (s *Server) edgePlay(st *Stream, param string, connect flv.Object) func() {
	if len(st.vh.Origins) == 0 {
		return func() {}
	}
	s.edgesMu.Lock()
	p := s.edges[st]
	if p == nil {
		ctx, cancel := context.WithCancel(context.Background())
		p = &edgePull{cancel: cancel, param: param}
		if st.vh.TokenTraverse {
			p.connect = connect
		}
		s.edges[st] = p
		go s.runEdgePull(ctx, st, p)
	}
	p.players++
	if p.stop != nil {
		p.stop.Stop()
		p.stop = nil
	}
	s.edgesMu.Unlock()

	var once sync.Once
	return func() {
		once.Do(func() {
			s.edgesMu.Lock()
			defer s.edgesMu.Unlock()
			p.players--
			if p.players > 0 {
				return
			}
			p.stop = time.AfterFunc(edgeStopDelay, func() {
				s.edgesMu.Lock()
				defer s.edgesMu.Unlock()
				if p.players == 0 {
					p.cancel()
				}
			})
		})
	}
}

// runEdgePull publishes into st what it plays from the origins until the
// last player is gone. Players stay attached while it fails over.
func (s *Server) runEdgePull(ctx context.Context, st *Stream, p *edgePull) {
	log := st.log.With("edge", true)
	// A local publisher (a stream published to this edge) owns the stream:
	// wait for it to leave or for the players to go.
	for st.startPublish(p) != nil {
		select {
		case <-ctx.Done():
		case <-s.closing:
		case <-time.After(time.Second):
		}
		if ctx.Err() != nil || s.isClosing() {
			s.edgesMu.Lock()
			delete(s.edges, st)
			s.edgesMu.Unlock()
			return
		}
	}
	start := time.Now()
	log.Info("edge pull start", "origins", strings.Join(st.vh.Origins, " "))
	var tags int
	var bytes uint64
	next := 0
	for {
		n, b := s.pullOrigins(ctx, st, p.param, p.connect, &next, log)
		tags += n
		bytes += b
		s.edgesMu.Lock()
		if p.players > 0 && !s.isClosing() {
			// A player arrived while the pull was stopping: go on.
			ctx, p.cancel = context.WithCancel(context.Background())
			s.edgesMu.Unlock()
			continue
		}
		// Stop under the lock: a player arriving now starts a new pull,
		// which finds the stream free.
		delete(s.edges, st)
		st.stopPublish(p)
		s.edgesMu.Unlock()
		break
	}
	log.Info("edge pull stop", "tags", tags, "bytes", bytes, "duration", time.Since(start).Round(time.Millisecond))
}

// pullOrigins tries the origins in turn (round robin, next is the counter)
// until ctx ends or the server closes, pausing edgeRetryPause between tries.
// Timestamps continue across origin connections.
func (s *Server) pullOrigins(ctx context.Context, st *Stream, param string, connect flv.Object, next *int, log *slog.Logger) (tags int, bytes uint64) {
	ctx, cancel := s.withClosing(ctx)
	defer cancel()
	vh := st.vh
	vhost := upstreamVhost(vh, st.key.Vhost)
	connected := false
	for {
		origin := vh.Origins[*next%len(vh.Origins)]
		*next++
		n, b, err := s.edgeIngest(ctx, st, origin, vhost, param, connect, &connected)
		tags += n
		bytes += b
		if ctx.Err() != nil {
			return
		}
		log.Warn("edge pull from origin failed, trying the next origin", "origin", origin, "err", err, "retry_in", edgeRetryPause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(edgeRetryPause):
		}
	}
}

// edgeIngest plays st from one origin (following RTMP redirects) and writes
// every tag into st until an error or ctx ends. connected tells whether an
// earlier connection already fed the stream, in which case timestamps are
// made to continue. It returns the tags and bytes read.
func (s *Server) edgeIngest(ctx context.Context, st *Stream, origin, vhost, param string, connect flv.Object, connected *bool) (int, uint64, error) {
	addr := origin
	var c *rtmp.Conn
	for redirects := 0; ; redirects++ {
		u := edgeURL(addr, vhost, st.key.App, st.key.Name, param)
		var err error
		c, err = rtmp.Dial(ctx, u, rtmp.DialConfig{Timeout: edgeTimeout, ChunkSize: s.cfg.Load().ChunkSize, ConnectParams: connect})
		if err == nil {
			err = c.Play(ctx)
			if err != nil {
				c.Close()
			}
		}
		var re *rtmp.RedirectError
		if errors.As(err, &re) && redirects < edgeRedirects {
			to, perr := redirectAddr(re.URL)
			if perr != nil {
				return 0, 0, perr
			}
			st.log.Info("edge pull redirected", "from", addr, "to", to)
			addr = to
			continue
		}
		if err != nil {
			return 0, 0, err
		}
		break
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	st.log.Info("edge pull connected", "origin", addr)

	if *connected {
		// A new origin connection: its timestamps restart, and the cached GOP
		// of the previous one is no start point for new players.
		st.newTimeline()
	}
	*connected = true
	tags := 0
	for {
		c.SetReadDeadline(time.Now().Add(edgeTimeout))
		t, err := c.ReadTag()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("origin %s ended the stream", addr)
			}
			return tags, c.BytesIn(), err
		}
		tags++
		st.WriteTag(t)
	}
}

// upstreamVhost is the vhost asked of the origin: cluster.vhost when set,
// else the player's.
func upstreamVhost(vh *VhostConfig, vhost string) string {
	if vh.EdgeVhost != "" && vh.EdgeVhost != "[vhost]" {
		return vh.EdgeVhost
	}
	return vhost
}

// edgeURL builds rtmp://server/app/stream?param for a pull or push. The
// vhost replaces any vhost= or domain= of param and is named as vhost=name
// unless it is the default vhost (SRS's srs_generate_rtmp_url names it in the
// tcUrl instead; origins accept both). server is host or host:port.
func edgeURL(server, vhost, app, stream, param string) string {
	host, port, err := net.SplitHostPort(server)
	if err != nil {
		host, port = server, rtmp.DefaultPort
	}
	var kept []string
	for kv := range strings.SplitSeq(strings.TrimPrefix(param, "?"), "&") {
		if k, _, _ := strings.Cut(kv, "="); kv != "" && k != "vhost" && k != "domain" {
			kept = append(kept, kv)
		}
	}
	if vhost != "" && vhost != DefaultVhost {
		kept = append(kept, "vhost="+vhost)
	}
	u := "rtmp://" + net.JoinHostPort(host, port) + "/" + app + "/" + stream
	if len(kept) > 0 {
		u += "?" + strings.Join(kept, "&")
	}
	return u
}

// redirectAddr takes host:port from an RTMP redirect (a tcUrl or full URL,
// as SRS does: the edge reconnects to that server with its own app/stream).
func redirectAddr(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("live: bad redirect %q", raw)
	}
	port := u.Port()
	if port == "" {
		port = rtmp.DefaultPort
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}
