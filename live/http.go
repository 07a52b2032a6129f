package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/picosrs/picosrs/access"
)

// ServeHTTP serves live mounts first, then static files, as SRS does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cfg := s.cfg.Load()
	s.wg.Add(1)
	defer s.wg.Done()
	// Every answer must go out within write_timeout; live viewers and static
	// file bodies move their deadline as they make progress.
	http.NewResponseController(w).SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))

	cors := cfg.HTTPCrossdomain && r.Header.Get("Origin") != ""
	if cors {
		setCORS(w.Header())
	}
	w.Header().Set("Server", "picosrs/"+cfg.Version)
	if r.Method == http.MethodOptions {
		if !cfg.HTTPCrossdomain {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	vh := cfg.resolveVhost(requestHost(r))
	if vh != nil && vh.Enabled && vh.Remux.Enabled {
		for _, m := range cfg.mounts[vh.Name] {
			if app, name, ok := m.match(r.URL.Path); ok {
				s.serveLive(w, r, cfg, vh, m.format, app, name, cors)
				return
			}
		}
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

// liveHead is the response header of a live stream, as SRS sends it.
func liveHead(f format, version string, cors bool) []byte {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Type: ")
	b.WriteString(f.contentType())
	b.WriteString("\r\nServer: picosrs/")
	b.WriteString(version)
	b.WriteString("\r\nTransfer-Encoding: chunked\r\n")
	if cors {
		for _, kv := range corsHeaders {
			b.WriteString(kv[0] + ": " + kv[1] + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

func (s *Server) serveLive(w http.ResponseWriter, r *http.Request, cfg *Config, vh *VhostConfig, f format, app, name string, cors bool) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if !vh.Security.Allowed(access.Play, remoteAddr(r)) {
		s.log.Info("http play refused by the vhost's security rules", "remote", r.RemoteAddr)
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	key := streamKey{vh.Name, app, name}
	st := s.stream(key, vh, true)
	if err := st.checkAudioCodec(f); err != nil {
		s.removeIfIdle(st)
		s.log.Info("http play refused", "remote", r.RemoteAddr, "stream", key.String(), "err", err)
		http.Error(w, err.Error(), http.StatusUnsupportedMediaType)
		return
	}
	if r.Method == http.MethodHead {
		s.removeIfIdle(st)
		w.Header().Set("Content-Type", f.contentType())
		w.Header().Set("Connection", "Close")
		w.WriteHeader(http.StatusOK)
		return
	}
	param := ""
	if r.URL.RawQuery != "" {
		param = "?" + r.URL.RawQuery
	}
	c := st.subscribeFormat(f)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		c.Close()
		http.Error(w, "cannot stream on this connection", http.StatusInternalServerError)
		return
	}
	// The viewer goes on in a goroutine of its own and this handler returns:
	// net/http then frees the connection's 8 KB of bufio buffers, the request
	// and its own deep stack, which would otherwise live as long as the viewer.
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.runLive(conn, c, f, vh, cfg, cors, param, r.RemoteAddr)
	}()
}

// runLive serves one live HTTP viewer on its hijacked connection.
func (s *Server) runLive(conn net.Conn, c *Consumer, f format, vh *VhostConfig, cfg *Config, cors bool, param, remote string) {
	st := c.s
	key := st.key
	defer c.Close()
	stopPull := s.edgePlayParam(st, param, nil) // on an edge, the first player starts the pull
	defer stopPull()
	client, unregister := s.newClient(f.String()+"-play", conn.RemoteAddr(), key, func() { conn.Close() }, nil)
	failed := false
	defer func() { unregister(failed) }()
	log := s.log.With("conn", client.ID, "remote", remote, "stream", key.String(), "format", f.String())
	untrack := s.track(conn)
	defer untrack()
	defer conn.Close()
	conn.SetDeadline(time.Time{})
	setNoDelay(conn, vh.TCPNodelay)
	done := make(chan struct{})
	go watchClose(conn, done)

	out := newHTTPSink(conn, liveHead(f, cfg.Version, cors), cfg.WriteTimeout, client)
	start := time.Now()
	log.Info("http play start")
	err := s.pump(context.Background(), c, newEncoder(f, vh), out, done)
	switch {
	case errors.Is(err, errCodecMismatch) && !out.sent:
		msg := err.Error() + "\n"
		fmt.Fprintf(conn, "HTTP/1.1 415 Unsupported Media Type\r\nConnection: Close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s", len(msg), msg)
	case err == io.EOF || errors.Is(err, errShutdown):
		out.end()
	}
	attrs := []any{"bytes", client.bytesOut.Load(), "duration", time.Since(start).Round(time.Millisecond), "drops", c.Drops()}
	if err != nil && err != io.EOF && !errors.Is(err, errClientGone) && !errors.Is(err, errShutdown) {
		attrs = append(attrs, "err", err)
		failed = true
	}
	log.Info("http play stop", attrs...)
}

func remoteAddr(r *http.Request) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	if err != nil {
		return &net.TCPAddr{}
	}
	return a
}

// checkAudioCodec refuses an audio mount whose stream is known to carry
// another audio codec.
func (s *Stream) checkAudioCodec(f format) error {
	s.mu.RLock()
	a := s.codecs.audio
	s.mu.RUnlock()
	switch {
	case a < 0:
		return nil
	case f == formatMP3 && a != 2:
		return fmt.Errorf("%w: .mp3 needs an MP3 stream, this one has sound format %d", errCodecMismatch, a)
	case f == formatAAC && a != 10:
		return fmt.Errorf("%w: .aac needs an AAC stream, this one has sound format %d", errCodecMismatch, a)
	}
	return nil
}
