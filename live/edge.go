package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/textlog"
)

// Edge timings, as SRS's SrsEdgeIngester uses them.
const (
	edgeTimeout    = 5 * time.Second // connect and receive timeout (SRS_EDGE_INGESTER_TIMEOUT)
	edgeRetryPause = 3 * time.Second // pause between tries (SRS_EDGE_INGESTER_CIMS)
	edgeStopDelay  = 3 * time.Second // the pull outlives its last player this long
	edgeRedirects  = 3               // redirects followed in a row (SrsEdgeFlvUpstream's depth)
)

// errTooManyRedirects fails an origin that redirects more than
// edgeRedirects times in a row.
var errTooManyRedirects = errors.New("live: too many redirects")

// upstream is one connection of an edge's pull to an origin: RTMP
// (upstream_rtmp.go) or HTTP-FLV (upstream_flv.go). Tags go into the stream
// the same way whichever it is.
type upstream interface {
	// ReadTag returns the next tag, within edgeTimeout.
	ReadTag() (flv.Tag, error)
	// Addr names the origin read, after redirects.
	Addr() string
	// BytesIn counts what was received.
	BytesIn() uint64
	// Close ends the connection; a ReadTag in progress returns. It may be
	// called from another goroutine, and more than once.
	Close() error
}

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
	proto   string             // how the pull goes: rtmp, flv or flvs (edgeProtocol)
}

// edgePlay is called when a player (HTTP or RTMP) attaches to st. On an
// edge vhost (cluster mode remote) the first player starts one pull from
// the origins (over RTMP, or HTTP-FLV with cluster.protocol flv|flvs, or as
// that player came with follow_client) and later players share it; the
// returned function is called when that player leaves, and the pull stops
// edgeStopDelay after the last one left unless another arrives meanwhile.
// The first player's param (the "?query" of its stream or URL) goes
// upstream with the pull, so tokens reach the origin; with token_traverse
// on, so do the extra fields of an RTMP player's connect object, as SRS
// passes the player's connect.
func (s *Server) edgePlay(st *Stream, req PlayRequest) func() {
	if len(st.vh.Origins) == 0 {
		return func() {}
	}
	s.edgesMu.Lock()
	p := s.edges[st]
	if p == nil {
		ctx, cancel := context.WithCancel(context.Background())
		p = &edgePull{cancel: cancel, param: req.Param, proto: edgeProtocol(st.vh, req)}
		if st.vh.TokenTraverse {
			p.connect = req.Connect
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
	log.Info("edge pull start", "origins", strings.Join(edgeOrigins(st.vh, p.proto), " "), "protocol", p.proto)
	var tags int
	var bytes uint64
	next := 0
	for {
		n, b := s.pullOrigins(ctx, st, p, &next, log)
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
func (s *Server) pullOrigins(ctx context.Context, st *Stream, p *edgePull, next *int, log *textlog.Logger) (tags int, bytes uint64) {
	ctx, cancel := s.withClosing(ctx)
	defer cancel()
	origins := edgeOrigins(st.vh, p.proto)
	vhost := upstreamVhost(st.vh, st.key.Vhost)
	connected := false
	for {
		origin := origins[*next%len(origins)]
		*next++
		n, b, err := s.edgeIngest(ctx, st, p, origin, vhost, &connected)
		tags += n
		bytes += b
		if ctx.Err() != nil {
			return
		}
		log.Warn("edge pull from origin failed, trying the next origin", "origin", origin, "protocol", p.proto, "err", err, "retry_in", edgeRetryPause)
		select {
		case <-ctx.Done():
			return
		case <-time.After(edgeRetryPause):
		}
	}
}

// edgeIngest pulls st from one origin and writes every tag into st until an
// error or ctx ends. connected tells whether an earlier connection already
// fed the stream, in which case timestamps are made to continue. It returns
// the tags and bytes read.
func (s *Server) edgeIngest(ctx context.Context, st *Stream, p *edgePull, origin, vhost string, connected *bool) (int, uint64, error) {
	var up upstream
	var err error
	switch p.proto {
	case "flv":
		up, err = dialFLV(ctx, st, "http", origin, vhost, p.param)
	case "flvs":
		up, err = dialFLV(ctx, st, "https", origin, vhost, p.param)
	default:
		up, err = s.dialRTMP(ctx, st, origin, vhost, p.param, p.connect)
	}
	if err != nil {
		return 0, 0, err
	}
	defer up.Close()
	stop := context.AfterFunc(ctx, func() { up.Close() })
	defer stop()
	st.log.Info("edge pull connected", "origin", up.Addr(), "protocol", p.proto)

	if *connected {
		// A new origin connection: its timestamps restart, and the cached GOP
		// of the previous one is no start point for new players.
		st.newTimeline()
	}
	*connected = true
	tags := 0
	for {
		t, err := up.ReadTag()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = fmt.Errorf("origin %s ended the stream", up.Addr())
			}
			return tags, up.BytesIn(), err
		}
		tags++
		st.WriteTag(t)
	}
}

// edgeProtocol is how an edge pulls for the player req: cluster.protocol,
// or with follow_client the player's own protocol (RTMP for an RTMP player,
// flv for HTTP, flvs for HTTPS), as SrsEdgeIngester::do_cycle chooses.
func edgeProtocol(vh *VhostConfig, req PlayRequest) string {
	proto := vh.EdgeProtocol
	if vh.FollowClient {
		switch {
		case req.Protocol != "":
			proto = req.Protocol
		case req.Format == FormatRTMP:
			proto = "rtmp"
		default:
			proto = "flv"
		}
	}
	switch proto {
	case "flv", "flvs":
		return proto
	}
	return "rtmp"
}

// edgeOrigins lists the origins of an edge for a pull over proto: their
// HTTP(S) addresses for flv and flvs, when the configuration has them.
func edgeOrigins(vh *VhostConfig, proto string) []string {
	switch {
	case proto == "flv" && len(vh.HTTPOrigins) > 0:
		return vh.HTTPOrigins
	case proto == "flvs" && len(vh.HTTPSOrigins) > 0:
		return vh.HTTPSOrigins
	}
	return vh.Origins
}

// upstreamVhost is the vhost asked of the origin: cluster.vhost when set,
// else the player's.
func upstreamVhost(vh *VhostConfig, vhost string) string {
	if vh.EdgeVhost != "" && vh.EdgeVhost != "[vhost]" {
		return vh.EdgeVhost
	}
	return vhost
}
