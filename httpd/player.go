package httpd

import (
	_ "embed"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/picosrs/picosrs/internal/jsonw"
)

// The player page at SRS's path /players/: ours, small, embedded; it plays a
// stream with mpegts.js, which is third-party and so never embedded: the
// page loads it from http_server.mpegts_js (a pinned public CDN URL by
// default), or from the static root when a copy is there
// (players/js/mpegts.js, where SRS keeps its own).

//go:embed players/index.html
var playerPage string

// mpegtsCopy is where a copy of mpegts.js in the static root is looked for.
const mpegtsCopy = "players/js/mpegts.js"

// servePlayer answers /players/ (the page) and /players/streams.json (the
// streams being published, with their mount URLs: what the page lists,
// without the API), and reports whether it did.
func (s *Server) servePlayer(w http.ResponseWriter, r *http.Request, cfg *Config) bool {
	switch r.URL.Path {
	case "/players", "/players/", "/players/index.html":
	case "/players/streams.json":
		s.serveStreamList(w, cfg)
		return true
	default:
		return false
	}
	if r.URL.Path == "/players" {
		http.Redirect(w, r, "/players/", http.StatusMovedPermanently)
		return true
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return true
	}
	src := cfg.MpegtsJS
	if cfg.Dir != "" {
		if fi, err := os.Stat(filepath.Join(cfg.Dir, filepath.FromSlash(mpegtsCopy))); err == nil && fi.Mode().IsRegular() {
			src = "/" + mpegtsCopy
		}
	}
	page := strings.Replace(playerPage, "{{MPEGTS_JS}}", html.EscapeString(src), 1)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		return true
	}
	w.Write([]byte(page))
	return true
}

// streamListJSON is /players/streams.json. Its json tags document the
// shape; encode writes it as encoding/json did (a nil URLs is null), and
// serveStreamList ends it with the newline encoding/json's Encoder wrote;
// TestStreamListJSON and TestPlayerPage check the bytes.
type streamListJSON struct {
	Streams []streamURLsJSON `json:"streams"`
}

type streamURLsJSON struct {
	Name string   `json:"name"`
	URLs []string `json:"urls"`
}

func (l streamListJSON) encode(j *jsonw.Writer) {
	j.Object()
	j.Key("streams")
	if l.Streams == nil {
		j.Null()
	} else {
		j.Array()
		for _, s := range l.Streams {
			j.Object()
			j.Key("name").Str(s.Name)
			j.Key("urls").Strings(s.URLs)
			j.EndObject()
		}
		j.EndArray()
	}
	j.EndObject()
}

// serveStreamList answers with the streams being published and the paths
// of their vhost's HTTP mounts, as JSON: {"streams":[{"name":..,"urls":[..]}]}.
func (s *Server) serveStreamList(w http.ResponseWriter, cfg *Config) {
	out := streamListJSON{Streams: []streamURLsJSON{}}
	for _, is := range s.indexStreams(cfg) {
		out.Streams = append(out.Streams, streamURLsJSON{Name: is.Name, URLs: is.URLs})
	}
	var j jsonw.Writer
	out.encode(&j)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.Write(append(j.Bytes(), '\n'))
}
