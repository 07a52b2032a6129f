package httpd

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/picosrs/picosrs/internal/websocket"
	"github.com/picosrs/picosrs/live"
)

// liveHead is the response header of a live stream, as SRS sends it.
func liveHead(f live.Format, version string, cors bool) []byte {
	var b strings.Builder
	b.WriteString("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Type: ")
	b.WriteString(contentType(f))
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

// playError answers a player the stream core refused: 403 for the security
// rules, 415 for an audio mount of another codec, 404 for a vhost that is
// not served.
func playError(err error) (status int, msg string) {
	switch {
	case errors.Is(err, live.ErrForbidden):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, live.ErrCodecMismatch):
		return http.StatusUnsupportedMediaType, strings.TrimPrefix(err.Error(), "live: ")
	}
	return http.StatusNotFound, "not found"
}

// serveLive serves one live HTTP player: the player attaches to its stream
// (live.Server.Play), this handler hijacks the connection and returns (so
// net/http frees the connection's buffers, the request and its own deep
// stack, which would otherwise live as long as the viewer), and the viewer
// goes on in a goroutine of its own, written by the stream's fan-out.
func (s *Server) serveLive(w http.ResponseWriter, r *http.Request, cfg *Config, f live.Format, key live.StreamKey, cors bool) {
	if websocket.IsUpgrade(r.Header) {
		s.serveWS(w, r, cfg, f, key)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	log := cfg.Logger.With("remote", r.RemoteAddr, "stream", key.String(), "format", f.String())
	req := live.PlayRequest{Key: key, Format: f, Remote: remoteAddr(r)}
	if r.URL.RawQuery != "" {
		req.Param = "?" + r.URL.RawQuery
	}
	if err := s.streams.CanPlay(req); err != nil {
		status, msg := playError(err)
		logRefusal(log, err, status)
		http.Error(w, msg, status)
		return
	}
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", contentType(f))
		w.Header().Set("Connection", "Close")
		w.WriteHeader(http.StatusOK)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot stream on this connection", http.StatusInternalServerError)
		return
	}
	req.Conn = conn
	v, err := s.streams.Play(req)
	if err != nil {
		// Refused between CanPlay and now (a reload, a publisher's codec).
		status, msg := playError(err)
		logRefusal(log, err, status)
		writeRaw(conn, status, msg)
		conn.Close()
		return
	}
	go s.runLive(conn, v, &chunked{head: liveHead(f, cfg.Version, cors)}, log)
}

// runLive serves one live HTTP viewer on its hijacked connection until the
// stream ends, the viewer leaves or the server shuts down.
func (s *Server) runLive(conn net.Conn, v *live.Viewer, fr *chunked, log *slog.Logger) {
	defer conn.Close()
	conn.SetDeadline(time.Time{}) // the sink keeps its own write deadline
	gone := make(chan struct{})
	go watchClose(conn, gone)
	out := v.ConnSink(conn, fr)
	client := v.Client()
	start := time.Now()
	log.Info("http play start", "conn", client.ID)
	err := v.Serve(out, gone)
	var endErr error
	switch {
	case errors.Is(err, live.ErrCodecMismatch) && !fr.sent:
		status, msg := playError(err)
		writeRaw(conn, status, msg)
	case err == io.EOF || errors.Is(err, live.ErrShutdown):
		endErr = out.WriteFinal(fr.end()...)
	}
	v.Close(err)
	_, sent := client.Bytes()
	attrs := []any{"conn", client.ID, "bytes", sent, "duration", time.Since(start).Round(time.Millisecond), "drops", v.Drops(), "reason", live.EndReason(err, client)}
	if live.Failed(err) {
		attrs = append(attrs, "err", err)
	}
	if endErr != nil {
		attrs = append(attrs, "end_err", endErr) // the terminating chunk did not go out
	}
	log.Info("http play stop", attrs...)
}

// logRefusal logs one line for a player the stream core refused.
func logRefusal(log *slog.Logger, err error, status int) {
	if errors.Is(err, live.ErrForbidden) {
		log.Info("http play refused by the vhost's security rules")
		return
	}
	log.Info("http play refused", "status", status, "err", err)
}

// writeRaw answers on a hijacked connection.
func writeRaw(conn net.Conn, status int, msg string) {
	msg += "\n"
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(conn, "HTTP/1.1 %d %s\r\nConnection: Close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(msg), msg)
}

// watchClose reads from a hijacked connection until the client closes it,
// then closes gone. Any bytes a client sends after its request are ignored.
func watchClose(conn net.Conn, gone chan struct{}) {
	defer close(gone)
	var b [64]byte
	for {
		if _, err := conn.Read(b[:]); err != nil {
			return
		}
	}
}

func remoteAddr(r *http.Request) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", r.RemoteAddr)
	if err != nil {
		return &net.TCPAddr{}
	}
	return a
}
