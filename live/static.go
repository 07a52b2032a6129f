package live

import "net/http"

// serveStatic serves files under http_server.dir and http_static mounts,
// with FLV VOD pseudo-streaming (?start=). Requests no live mount matched
// arrive here.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request, cfg *Config, vh *VhostConfig) {
	http.NotFound(w, r)
}
