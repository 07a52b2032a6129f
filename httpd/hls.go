package httpd

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/picosrs/picosrs/hls"
	"github.com/picosrs/picosrs/live"
)

// HLSSource is the stream core's HLS, for the HTTP room: the store of every
// stream's window, and an edge's pull kept for a playlist's players.
// *live.Server is one; New finds it on the Streams it is given.
type HLSSource interface {
	HLS() *hls.Store
	HLSPlay(req live.PlayRequest) (done func(served bool), ok bool)
}

// HLS content types, as SRS's MIME table has them.
const (
	playlistType = "application/vnd.apple.mpegurl"
	segmentType  = "video/MP2T"
)

// hlsEdgeWait bounds how long a playlist request on an edge waits for the
// pull it started to bring the first segment.
var hlsEdgeWait = 20 * time.Second // a variable so that a test can shorten it

// segmentChunk is how many bytes of a segment go out per write deadline.
const segmentChunk = 256 << 10

// hlsFiles are a vhost's compiled HLS templates.
type hlsFiles struct {
	playlist *mount         // hls_m3u8_file, to tell the stream a playlist URL names
	segment  segmentPattern // hls_ts_file, to tell a segment URL from a live .ts mount's
	memory   bool           // served from memory, else files under hls_path
}

// hlsTemplates compiles the templates of each vhost with HLS.
func hlsTemplates(vhosts []*Vhost) map[string]*hlsFiles {
	m := map[string]*hlsFiles{}
	for _, v := range vhosts {
		if v.Enabled && v.HLS != "" {
			m[v.Name] = &hlsFiles{
				playlist: &mount{template: v.HLS, vhost: v.Name, segs: templateSegs(hls.Expand(v.HLS, v.Name, "[app]", "[stream]"))},
				segment:  compileSegmentPattern(hls.Expand(v.HLSSegment, v.Name, "[app]", "[stream]")),
				memory:   v.HLSMemory,
			}
		}
	}
	return m
}

// segmentPattern is the shape of the paths hls_ts_file gives: literal
// text, [app] and [stream] (some text without '/'), and the numeric fields
// (digits). No regexp: the package costs the binary 330 kB.
type segmentPattern []patternToken

type patternToken struct {
	lit  string
	kind byte // 0 literal, 'w' a path element's text, 'd' digits
}

// compileSegmentPattern reads a template with [vhost] expanded.
func compileSegmentPattern(t string) segmentPattern {
	var p segmentPattern
	for t != "" {
		i := strings.IndexByte(t, '[')
		j := strings.IndexByte(t, ']')
		if i < 0 || j < i {
			p = append(p, patternToken{lit: t})
			break
		}
		if i > 0 {
			p = append(p, patternToken{lit: t[:i]})
		}
		switch f := t[i : j+1]; f {
		case "[app]", "[stream]":
			p = append(p, patternToken{kind: 'w'})
		case "[seq]", "[timestamp]", "[duration]", "[2006]", "[01]", "[02]", "[15]", "[04]", "[05]", "[999]":
			p = append(p, patternToken{kind: 'd'})
		default:
			p = append(p, patternToken{lit: f})
		}
		t = t[j+1:]
	}
	return p
}

// match reports whether s has the pattern's shape. Fields try every length
// (paths are short, templates have a few fields).
func (p segmentPattern) match(s string) bool {
	if len(p) == 0 {
		return s == ""
	}
	tok, rest := p[0], p[1:]
	if tok.kind == 0 {
		return strings.HasPrefix(s, tok.lit) && rest.match(s[len(tok.lit):])
	}
	for n := 1; n <= len(s); n++ {
		c := s[n-1]
		if c == '/' || (tok.kind == 'd' && (c < '0' || c > '9')) {
			return false
		}
		if rest.match(s[n:]) {
			return true
		}
	}
	return false
}

// hlsKey returns the stream whose playlist path p (without its leading
// '/') is on vhost v, if v serves HLS from memory.
func (c *Config) hlsKey(v *Vhost, p string) (live.StreamKey, bool) {
	if v == nil || c.hls[v.Name] == nil || !c.hls[v.Name].memory {
		return live.StreamKey{}, false
	}
	app, stream, ok := c.hls[v.Name].playlist.match("/" + p)
	return live.StreamKey{Vhost: v.Name, App: app, Name: stream}, ok
}

// hlsURL is the playlist URL of a stream served from memory, for the index
// page.
func (c *Config) hlsURL(k live.StreamKey) (string, bool) {
	f := c.hls[k.Vhost]
	if f == nil || !f.memory {
		return "", false
	}
	parts := strings.Split(hls.Expand(f.playlist.template, k.Vhost, k.App, k.Name), "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return "/" + strings.Join(parts, "/"), true
}

// hlsSegmentPath reports whether p (without its leading '/') has the shape
// of a segment of v and no live stream of that name exists (whose HTTP-TS
// mount the path may also be): a segment no window holds (404), or a file
// under hls_path (a static file), never a player waiting for a publisher on
// a .ts mount. SRS refuses hls beside a .ts mount for this clash.
func (s *Server) hlsSegmentPath(cfg *Config, v *Vhost, host, p string) bool {
	if v == nil || cfg.hls[v.Name] == nil || !cfg.hls[v.Name].segment.match(p) {
		return false
	}
	if key, _, ok := s.route(cfg, host, "/"+p); ok && s.streams.Stream(key) != nil {
		return false
	}
	return true
}

// serveHLS answers a request for a playlist or a segment served from
// memory, and reports whether it did: the URL is one the HLS store knows,
// or the playlist URL of a stream of a vhost with HLS in memory (404 at
// once when it is not published; on an edge the pull starts, and the
// request waits for the first segment). Everything else is left to the
// live mounts and static files.
func (s *Server) serveHLS(w http.ResponseWriter, r *http.Request, cfg *Config) bool {
	if s.hls == nil {
		return false
	}
	p := strings.TrimPrefix(r.URL.Path, "/")
	vh := cfg.resolveVhost(requestHost(r))
	vhost := ""
	if vh != nil {
		vhost = vh.Name
	}
	store := s.hls.HLS()
	win, seg, found := store.Find(vhost, p)
	var key live.StreamKey
	isPlaylist := false
	if seg == nil {
		if found {
			vh = cfg.vhost(win.Vhost())
		}
		key, isPlaylist = cfg.hlsKey(vh, p)
		if !found && !isPlaylist {
			if !s.hlsSegmentPath(cfg, vh, requestHost(r), p) {
				return false
			}
			if cfg.hls[vh.Name].memory {
				http.Error(w, "segment not in the window", http.StatusNotFound)
			} else {
				s.serveStatic(w, r, cfg)
			}
			return true
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return true
	}
	if found {
		n := win.Names()
		key = live.StreamKey{Vhost: win.Vhost(), App: n.App, Name: n.Stream}
	}
	param := ""
	if r.URL.RawQuery != "" {
		param = "?" + r.URL.RawQuery
	}
	// The vhost's security rules and signed URLs apply to every request
	// (a player's query goes on every segment URI of its playlists, see
	// withQuery); http_hooks are not asked per HLS request.
	req := live.PlayRequest{Key: key, Format: live.FormatTS, Remote: remoteAddr(r), Param: param, Protocol: playerProtocol(r)}
	if err := s.streams.CanPlay(req); err != nil {
		status, msg := playError(err)
		logRefusal(cfg.Logger, []any{"remote", r.RemoteAddr, "stream", key.String(), "format", "hls", "path", r.URL.Path}, err, status)
		http.Error(w, msg, status)
		return true
	}
	if seg != nil {
		writeSegment(w, r, cfg, seg, win.Span())
		return true
	}
	var b []byte
	ok := false
	if found {
		b, ok = win.Playlist()
	}
	if isPlaylist {
		if done, edge := s.hls.HLSPlay(req); edge {
			if !ok {
				cfg.Logger.Debug("hls playlist waits for the edge's first segment", "stream", key.String(), "remote", r.RemoteAddr)
				b, ok = waitPlaylist(r, store, key.Vhost, p)
			}
			done(ok)
		}
	}
	if !ok {
		http.Error(w, "stream not published", http.StatusNotFound)
		return true
	}
	if r.URL.RawQuery != "" {
		b = withQuery(b, r.URL.RawQuery)
	}
	h := w.Header()
	h.Set("Content-Type", playlistType)
	h.Set("Cache-Control", "no-cache")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(b)
	}
	return true
}

// withQuery returns a copy of a playlist with "?query" on every segment URI
// (a URI that has a query of its own gets "&query"), so a player's token or
// signed URL reaches its segment requests too, as SRS's hls_ctx does. The
// shared playlist is not written.
func withQuery(pl []byte, query string) []byte {
	out := make([]byte, 0, len(pl)+bytes.Count(pl, []byte("\n#EXTINF"))*(len(query)+1))
	for line := range bytes.Lines(pl) {
		body := bytes.TrimRight(line, "\n")
		if len(body) == 0 || body[0] == '#' {
			out = append(out, line...)
			continue
		}
		out = append(out, body...)
		if bytes.IndexByte(body, '?') >= 0 {
			out = append(out, '&')
		} else {
			out = append(out, '?')
		}
		out = append(out, query...)
		out = append(out, '\n')
	}
	return out
}

// waitPlaylist waits, for at most hlsEdgeWait, until path has a playlist.
func waitPlaylist(r *http.Request, store *hls.Store, vhost, path string) ([]byte, bool) {
	t := time.NewTimer(hlsEdgeWait)
	defer t.Stop()
	for {
		changed := store.Changed()
		if w, seg, ok := store.Find(vhost, path); ok && seg == nil {
			if b, ok := w.Playlist(); ok {
				return b, true
			}
		}
		select {
		case <-changed:
		case <-t.C:
			return nil, false
		case <-r.Context().Done():
			return nil, false
		}
	}
}

// bufsPool holds the slice headers a segment is written from.
var bufsPool = sync.Pool{New: func() any { return new([][]byte) }}

// writeSegment writes a segment: the header, then its shared TS slices as
// net.Buffers through the response's ReadFrom, which hands them to the
// connection's (internal/connlimit's, then *net.TCPConn's), which writes a
// net.Buffers with writev: no payload is copied on plain HTTP (over TLS the
// bytes are encrypted into a buffer anyway). Each segmentChunk bytes get a fresh write deadline, so a
// slow player has write_timeout per piece, not for the whole segment.
// Segments never change once listed: they may be cached as long as they
// are listed.
func writeSegment(w http.ResponseWriter, r *http.Request, cfg *Config, seg *hls.Segment, span time.Duration) {
	h := w.Header()
	h.Set("Content-Type", segmentType)
	h.Set("Content-Length", strconv.FormatInt(seg.Size(), 10))
	h.Set("Cache-Control", "public, max-age="+strconv.Itoa(max(int(span/time.Second), 1)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	rc := http.NewResponseController(w)
	if rc.Flush() != nil { // the header goes now; then nothing passes the response's buffer
		return
	}
	bp := bufsPool.Get().(*[][]byte)
	all := seg.AppendBuffers((*bp)[:0])
	rf, _ := w.(io.ReaderFrom)
	for rest := all; len(rest) > 0; {
		n, size := 0, 0
		for n < len(rest) && (n == 0 || size+len(rest[n]) <= segmentChunk) {
			size += len(rest[n])
			n++
		}
		chunk := net.Buffers(rest[:n])
		rc.SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
		var err error
		if rf != nil {
			_, err = rf.ReadFrom(&chunk)
		} else {
			_, err = chunk.WriteTo(w)
		}
		if err != nil {
			break
		}
		rest = rest[n:]
	}
	clear(all)
	*bp = all[:0]
	bufsPool.Put(bp)
}
