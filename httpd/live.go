package httpd

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/internal/websocket"
	"github.com/picosrs/picosrs/live"
)

// makeLiveHead builds the response header of a live stream, as SRS sends it.
func makeLiveHead(f live.Format, version string, cors bool) []byte {
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
// rules, a signed URL that is missing, wrong or expired, or a refusal of the
// http_hooks; 415 for an audio mount of another codec, 503 once the server
// is shutting down, 404 for a vhost that is not served.
func playError(err error) (status int, msg string) {
	switch {
	case errors.Is(err, live.ErrForbidden), errors.Is(err, live.ErrSecureLink), errors.Is(err, live.ErrHookDenied):
		return http.StatusForbidden, "forbidden"
	case errors.Is(err, live.ErrCodecMismatch):
		return http.StatusUnsupportedMediaType, strings.TrimPrefix(err.Error(), "live: ")
	case errors.Is(err, live.ErrShutdown):
		return http.StatusServiceUnavailable, "server shutting down"
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
	// No logger of its own per viewer (a With would keep its attributes for
	// the viewer's life): the attributes go on each line.
	log := cfg.Logger
	who := []any{"remote", r.RemoteAddr, "stream", key.String(), "format", f.String()}
	req := live.PlayRequest{Key: key, Format: f, Remote: remoteAddr(r),
		// As SRS's SrsHttpMessage::to_request: the tcUrl an RTMP player of
		// this host would have sent, and the Referer as pageUrl.
		TcURL: "rtmp://" + requestHost(r) + "/" + key.App, PageURL: r.Header.Get("Referer"),
		Protocol: playerProtocol(r)}
	if r.URL.RawQuery != "" {
		req.Param = "?" + r.URL.RawQuery
	}
	var re *live.RedirectError
	if err := s.streams.CanPlay(req); errors.As(err, &re) {
		to := coworkerLocation(r, re)
		log.Info("http play redirected to the coworker that publishes the stream", append(who, "coworker", re.Coworker, "to", to)...)
		http.Redirect(w, r, to, http.StatusFound)
		return
	} else if err != nil {
		status, msg := playError(err)
		logRefusal(log, who, err, status)
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
	if errors.As(err, &re) {
		// Published on a coworker since CanPlay asked.
		to := coworkerLocation(r, re)
		log.Info("http play redirected to the coworker that publishes the stream", append(who, "coworker", re.Coworker, "to", to)...)
		writeRedirect(conn, to)
		conn.Close()
		return
	}
	if err != nil {
		// Refused between CanPlay and now (a reload, a publisher's codec).
		status, msg := playError(err)
		logRefusal(log, who, err, status)
		writeRaw(conn, status, msg)
		conn.Close()
		return
	}
	s.startLive(conn, v, &chunked{head: cfg.liveHead(f, cors)}, log, who)
}

// startLive serves one live HTTP viewer on its hijacked connection: it
// sends the start-up burst on this goroutine (the handler's), then leaves
// the viewer to its stream's fan-out. No goroutine waits on a caught-up
// viewer: the hang-up watcher tells it when the client leaves, and the
// viewer's end (the stream ends, the client leaves, a write fails, the
// server shuts down) finishes the response and closes the connection.
func (s *Server) startLive(conn net.Conn, v *live.Viewer, fr *chunked, log *textlog.Logger, who []any) {
	conn.SetDeadline(time.Time{}) // the sink keeps its own write deadline
	out := v.ConnSink(conn, fr)
	client := v.Client()
	start := time.Now()
	log.Info("http play start", append(who, "conn", client.ID)...)
	stopWatch, err := s.hangups.Watch(conn, v.HangUp)
	if err != nil {
		stopWatch = func() {}
		go watchClose(conn, v.HangUp)
	}
	v.Start(out, func(err error) {
		stopWatch()
		var endErr error
		switch {
		case errors.Is(err, live.ErrCodecMismatch) && !fr.sent:
			status, msg := playError(err)
			writeRaw(conn, status, msg)
		case err == io.EOF || errors.Is(err, live.ErrShutdown):
			endErr = out.WriteFinal(fr.end()...)
		}
		conn.Close() // before on_stop (in Close), which may take the hook's time
		v.Close(err)
		_, sent := client.Bytes()
		attrs := append(who, "conn", client.ID, "bytes", sent, "duration", time.Since(start).Round(time.Millisecond), "drops", v.Drops(), "reason", live.EndReason(err, client))
		if live.Failed(err) {
			attrs = append(attrs, "err", err)
		}
		if endErr != nil {
			attrs = append(attrs, "end_err", endErr) // the terminating chunk did not go out
		}
		log.Info("http play stop", attrs...)
	})
}

// logRefusal logs one line for a player the stream core refused.
func logRefusal(log *textlog.Logger, who []any, err error, status int) {
	switch {
	case errors.Is(err, live.ErrForbidden):
		log.Info("http play refused by the vhost's security rules", who...)
		return
	case errors.Is(err, live.ErrSecureLink):
		log.Info("http play refused by the vhost's secure_link", append(who, "status", status, "err", err)...)
		return
	case errors.Is(err, live.ErrHookDenied):
		log.Info("http play refused by http_hooks", append(append(who, "status", status), live.HookAttrs(err)...)...)
		return
	}
	log.Info("http play refused", append(who, "status", status, "err", err)...)
}

// writeRaw answers on a hijacked connection.
func writeRaw(conn net.Conn, status int, msg string) {
	msg += "\n"
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(conn, "HTTP/1.1 %d %s\r\nConnection: Close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\n\r\n%s",
		status, http.StatusText(status), len(msg), msg)
}

// watchClose reads from a hijacked connection until the client closes it,
// then calls gone: where the hang-up watcher cannot watch a connection.
// Any bytes a client sends after its request are ignored.
func watchClose(conn net.Conn, gone func()) {
	var b [64]byte
	for {
		if _, err := conn.Read(b[:]); err != nil {
			gone()
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
