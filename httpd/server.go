package httpd

import (
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/picosrs/picosrs/internal/netwatch"
	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/live"
)

// Streams is what the HTTP room needs of the stream core; *live.Server is
// one.
type Streams interface {
	Stream(live.StreamKey) *live.Stream
	Streams() []*live.Stream
	CanPlay(live.PlayRequest) error
	Play(live.PlayRequest) (*live.Viewer, error)
}

// Server serves http_server's port: live mounts first, then static files, as
// SRS does.
type Server struct {
	streams Streams
	hls     HLSSource // streams' HLS, when it has some (hls.go)
	cfg     atomic.Pointer[Config]
	hangups netwatch.Watcher // tells live viewers that their client left
}

// New returns the HTTP room for cfg over streams.
func New(streams Streams, cfg *Config) *Server {
	s := &Server{streams: streams}
	s.hls, _ = streams.(HLSSource)
	s.Reload(cfg)
	return s
}

// Reload swaps in a new configuration for the requests that come next.
func (s *Server) Reload(cfg *Config) { s.cfg.Store(cfg.withDefaults()) }

func (s *Server) log() *textlog.Logger { return s.cfg.Load().Logger }

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cfg := s.cfg.Load()
	// Every answer must go out within write_timeout; live viewers and static
	// file bodies move their deadline as they make progress.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
	cors := cfg.Crossdomain && r.Header.Get("Origin") != ""
	if cors {
		setCORS(w.Header())
	}
	w.Header().Set("Server", "picosrs/"+cfg.Version)
	if r.Method == http.MethodOptions {
		if !cfg.Crossdomain {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	if s.serveHLS(w, r, cfg) {
		return
	}
	if key, m, ok := s.route(cfg, requestHost(r), r.URL.Path); ok {
		s.serveLive(w, r, cfg, m.format, key, cors)
		return
	}
	if s.servePlayer(w, r, cfg) {
		return
	}
	s.serveStatic(w, r, cfg)
}

// requestHost is the vhost a request names: ?vhost=, then ?domain=, then the
// Host header without its port, as SRS's SrsHttpMessage::host.
func requestHost(r *http.Request) string {
	q := r.URL.Query()
	if v := q.Get("vhost"); v != "" {
		return v
	}
	if v := q.Get("domain"); v != "" {
		return v
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host
}

// corsHeaders are SRS's, sent when the request has an Origin.
var corsHeaders = [][2]string{
	{"Access-Control-Allow-Origin", "*"},
	{"Access-Control-Allow-Headers", "*"},
	{"Access-Control-Allow-Methods", "*"},
	{"Access-Control-Expose-Headers", "*"},
	{"Access-Control-Allow-Credentials", "false"},
	{"Access-Control-Request-Private-Network", "true"},
}

func setCORS(h http.Header) {
	for _, kv := range corsHeaders {
		h.Set(kv[0], kv[1])
	}
}
