package httpd

import (
	"html"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

type indexStream struct {
	Name string   // vhost/app/stream
	URLs []string // absolute paths, with ?vhost= for a host-specific mount
}

// indexStreams lists the streams being published, sorted by name, with the
// URLs of their vhost's HTTP mounts.
func (s *Server) indexStreams(cfg *Config) []indexStream {
	var out []indexStream
	for _, st := range s.streams.Streams() {
		if !st.Publishing() {
			continue
		}
		k := st.Key()
		is := indexStream{Name: k.String()}
		for _, m := range cfg.mounts {
			if m.vhost == k.Vhost {
				is.URLs = append(is.URLs, m.url(k.App, k.Name))
			}
		}
		if u, ok := cfg.hlsURL(k); ok {
			is.URLs = append(is.URLs, u)
		}
		out = append(out, is)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// serveIndex serves the index page: the server's version and the streams
// being published, each with a link per HTTP mount of its vhost. It is built
// per request and never cached, since the list of streams changes. (Plain
// string building with html.EscapeString: html/template would add 2.5 MB to
// a binary meant for routers.)
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request, cfg *Config) {
	var b strings.Builder
	v := html.EscapeString(cfg.Version)
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>picosrs " + v + "</title></head>\n<body>\n")
	b.WriteString("<h1>picosrs " + v + "</h1>\n<p>An SRS-compatible live-streaming server. <a href=\"/players/\">Player</a></p>\n<h2>Streams being published</h2>\n")
	streams := s.indexStreams(cfg)
	if len(streams) == 0 {
		b.WriteString("<p>None.</p>\n")
	} else {
		b.WriteString("<ul>\n")
		for _, st := range streams {
			b.WriteString("<li>" + html.EscapeString(st.Name))
			for _, u := range st.URLs {
				e := html.EscapeString(u)
				b.WriteString(` <a href="` + e + `">` + e + `</a>`)
			}
			b.WriteString("</li>\n")
		}
		b.WriteString("</ul>\n")
	}
	b.WriteString("</body></html>\n")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, path.Base(r.URL.Path), time.Time{}, strings.NewReader(b.String()))
}
