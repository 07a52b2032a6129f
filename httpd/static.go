package httpd

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/picosrs/picosrs/live"
)

// staticMount is one directory the static server maps a URL prefix onto, as
// SRS's SrsHttpStaticServer mounts them.
type staticMount struct {
	host   string // "" matches any host; else the vhost the request must name
	prefix string // URL path prefix, starting and ending with '/'
	dir    string // directory on disk
}

// staticMounts lists the directories served, following SRS's mount rules:
// each enabled vhost with http_static enabled mounts its dir at its mount,
// with [vhost] substituted in both; "__defaultVhost__/" becomes "/"; a
// trailing '/' is enforced; and when no vhost mounts "/", http_server.dir is
// the root. A mount that does not start with '/' names a host, as
// "example.com/" does: it serves only requests for that vhost.
func (c *Config) staticMounts() []staticMount {
	var out []staticMount
	root := false
	for _, v := range c.Vhosts {
		if !v.Enabled || !v.Static.Enabled {
			continue
		}
		m := v.Static.Mount
		if m == "" {
			m = "[vhost]/"
		}
		m = strings.ReplaceAll(m, "[vhost]", v.Name)
		m = strings.ReplaceAll(m, live.DefaultVhost+"/", "/")
		if m == live.DefaultVhost {
			m = "/"
		}
		if !strings.HasSuffix(m, "/") {
			m += "/"
		}
		sm := staticMount{dir: strings.ReplaceAll(v.Static.Dir, "[vhost]", v.Name)}
		if sm.dir == "" {
			sm.dir = "./objs/nginx/html"
		}
		if i := strings.IndexByte(m, '/'); i > 0 {
			sm.host, m = m[:i], m[i:]
		}
		sm.prefix = m
		if sm.prefix == "/" && sm.host == "" {
			root = true
		}
		out = append(out, sm)
	}
	if !root && c.Dir != "" {
		out = append(out, staticMount{prefix: "/", dir: c.Dir})
	}
	return out
}

// matchStatic picks the mount for a request: the longest prefix, with mounts
// naming the request's host before generic ones, as in a ServeMux.
func matchStatic(mounts []staticMount, host, p string) (staticMount, bool) {
	var best staticMount
	found := false
	for _, m := range mounts {
		if m.host != "" && m.host != host {
			continue
		}
		if !strings.HasPrefix(p, m.prefix) {
			continue
		}
		better := !found ||
			(m.host != "" && best.host == "") ||
			((m.host != "") == (best.host != "") && len(m.prefix) > len(best.prefix))
		if better {
			best, found = m, true
		}
	}
	return best, found
}

// errNotClean refuses a URL that could name something outside the served
// directories.
var errNotClean = errors.New("httpd: URL not clean")

// checkClean refuses, as SRS does, any URL with ".." anywhere (path or query,
// raw or decoded), and also backslashes and NUL bytes in the decoded path.
func checkClean(r *http.Request) error {
	for _, s := range []string{r.RequestURI, r.URL.Path, r.URL.RawPath, r.URL.RawQuery} {
		if strings.Contains(s, "..") {
			return errNotClean
		}
	}
	if strings.ContainsAny(r.URL.Path, "\\\x00") || !strings.HasPrefix(r.URL.Path, "/") {
		return errNotClean
	}
	return nil
}

// serveStatic serves files under http_server.dir and the http_static mounts,
// with FLV VOD pseudo-streaming (?start=) and MP4 ranges (?range=, ?bytes=).
// Requests no live mount matched arrive here. Files are opened through an
// os.Root on the mount's directory, so neither ".." nor a symlink can reach a
// byte outside it.
func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request, cfg *Config) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD, OPTIONS")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := checkClean(r); err != nil {
		s.log().Info("http static refused", "remote", r.RemoteAddr, "url", r.RequestURI, "err", err)
		http.Error(w, "forbidden: URL not clean", http.StatusForbidden)
		return
	}
	m, ok := matchStatic(cfg.staticMounts(), requestHost(r), r.URL.Path)
	if !ok {
		s.serveMissing(w, r, cfg)
		return
	}
	rel := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, m.prefix)), "/")
	if rel == "" {
		rel = "."
	}
	root, err := os.OpenRoot(m.dir)
	if err != nil {
		s.serveMissing(w, r, cfg)
		return
	}
	defer root.Close()

	f, fi, err := openRegular(root, rel)
	if err == nil && fi.IsDir() {
		f.Close()
		if !strings.HasSuffix(r.URL.Path, "/") {
			u := r.URL.Path + "/"
			if r.URL.RawQuery != "" {
				u += "?" + r.URL.RawQuery
			}
			http.Redirect(w, r, u, http.StatusMovedPermanently)
			return
		}
		rel = path.Join(rel, "index.html")
		f, fi, err = openRegular(root, rel)
		if err == nil && fi.IsDir() {
			f.Close()
			err = fs.ErrNotExist
		}
	}
	if err != nil {
		switch {
		case errors.Is(err, fs.ErrNotExist):
			s.serveMissing(w, r, cfg)
		default:
			s.log().Info("http static refused", "remote", r.RemoteAddr, "url", r.RequestURI, "err", err)
			http.Error(w, "forbidden", http.StatusForbidden)
		}
		return
	}
	defer f.Close()
	w = newProgressWriter(w, cfg.WriteTimeout)

	ext := strings.ToLower(path.Ext(rel))
	q := r.URL.Query()
	switch {
	case (ext == ".flv" || ext == ".fhv") && q.Has("start"):
		s.serveFLVStart(w, r, f, fi, q.Get("start"))
		return
	case ext == ".mp4" && (q.Get("range") != "" || q.Get("bytes") != ""):
		s.serveMP4Range(w, r, f, fi)
		return
	}
	w.Header().Set("Content-Type", mimeType(ext))
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

// openRegular opens name in root when it is a regular file or a directory,
// and refuses anything else (a FIFO, a device, a socket) with
// fs.ErrPermission before opening it: opening a FIFO for reading waits for a
// writer, which would hold the request, a thread and two descriptors long
// after the client left. The type is checked before the open (following
// symlinks inside the root, as the open does) and again on the open file;
// O_NONBLOCK makes the open itself return at once should the name be
// swapped for a FIFO in between (it changes nothing for regular files).
func openRegular(root *os.Root, name string) (*os.File, os.FileInfo, error) {
	fi, err := root.Stat(name)
	if err != nil {
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		return nil, nil, fs.ErrPermission
	}
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() && !fi.IsDir() {
		f.Close()
		return nil, nil, fs.ErrPermission
	}
	return f, fi, nil
}

// serveMissing answers a path with no file: the index page at "/", else 404.
func (s *Server) serveMissing(w http.ResponseWriter, r *http.Request, cfg *Config) {
	if r.URL.Path == "/" {
		s.serveIndex(w, r, cfg)
		return
	}
	http.NotFound(w, r)
}
