package live

import (
	"bytes"
	"html/template"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
)

// indexPage is the page served at "/" when the root directory has no
// index.html: the server's version and the streams being published, each
// with a link per HTTP mount of its vhost.
var indexPage = template.Must(template.New("index").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>picosrs {{.Version}}</title></head>
<body>
<h1>picosrs {{.Version}}</h1>
<p>An SRS-compatible live-streaming server.</p>
<h2>Streams being published</h2>
{{if .Streams}}<ul>
{{range .Streams}}<li>{{.Name}}{{range .URLs}} <a href="{{.}}">{{.}}</a>{{end}}</li>
{{end}}</ul>
{{else}}<p>None.</p>
{{end}}</body></html>
`))

type indexStream struct {
	Name string   // vhost/app/stream
	URLs []string // absolute paths, with ?vhost= for a named vhost
}

// mountURL expands an http_remux mount template into the path a player asks
// for: [vhost], [app] and [stream] substituted, the default vhost prefix
// removed and, for a named vhost, its host prefix turned into ?vhost=.
func mountURL(tmpl, vhost, app, stream string) string {
	t := strings.ReplaceAll(tmpl, "[vhost]", vhost)
	t = strings.TrimPrefix(t, DefaultVhost+"/")
	if vhost != DefaultVhost {
		t = strings.TrimPrefix(t, vhost+"/")
	}
	t = strings.TrimPrefix(t, "/")
	t = strings.ReplaceAll(t, "[app]", url.PathEscape(app))
	t = strings.ReplaceAll(t, "[stream]", url.PathEscape(stream))
	u := "/" + t
	if vhost != DefaultVhost {
		u += "?vhost=" + url.QueryEscape(vhost)
	}
	return u
}

// indexStreams lists the streams being published, sorted by name, with the
// URLs of their vhost's HTTP mounts.
func (s *Server) indexStreams(cfg *Config) []indexStream {
	var out []indexStream
	for _, st := range s.Streams() {
		if !st.Publishing() {
			continue
		}
		k := st.key
		is := indexStream{Name: k.String()}
		if vh := cfg.vhost(k.vhost); vh != nil && vh.Remux.Enabled {
			for _, m := range cfg.mounts[k.vhost] {
				is.URLs = append(is.URLs, mountURL(m.template, k.vhost, k.app, k.name))
			}
		}
		out = append(out, is)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// serveIndex serves the index page. It is built per request and never
// cached, since the list of streams changes.
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request, cfg *Config) {
	var b bytes.Buffer
	err := indexPage.Execute(&b, struct {
		Version string
		Streams []indexStream
	}{cfg.Version, s.indexStreams(cfg)})
	if err != nil {
		http.Error(w, "index page: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, path.Base(r.URL.Path), time.Time{}, bytes.NewReader(b.Bytes()))
}
