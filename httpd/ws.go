package httpd

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/internal/websocket"
	"github.com/picosrs/picosrs/live"
)

// A live mount with `Upgrade: websocket` (WS-FLV, WS-TS, WS-MP3, WS-AAC):
// the RFC 6455 handshake, then the same bytes as the HTTP response body, a
// batch per binary frame, written by the stream's fan-out like any HTTP
// viewer (same queue, slow-viewer policy, write timeout, security rules and
// API accounting). Over TLS it is wss://.

// serveWS upgrades one live player's request. A request that breaks the
// handshake gets 400 (426 with Sec-WebSocket-Version for another version),
// one the stream core refuses the same status as over HTTP, and with
// crossdomain off an Origin other than the request's host gets 403 (what
// CORS does for HTTP players, the server's business for WebSocket, which
// browsers do not hold to CORS).
func (s *Server) serveWS(w http.ResponseWriter, r *http.Request, cfg *Config, f live.Format, key live.StreamKey) {
	// No logger of its own per viewer: the attributes go on each line.
	log := cfg.Logger
	who := []any{"remote", r.RemoteAddr, "stream", key.String(), "format", "ws-" + f.String()}
	wsKey, err := websocket.CheckHandshake(r.Method, r.ProtoMajor, r.ProtoMinor, r.Header)
	if err != nil {
		log.Debug("ws handshake refused", append(who, "err", err)...)
		if errors.Is(err, websocket.ErrVersion) {
			w.Header().Set("Sec-WebSocket-Version", websocket.Version)
			http.Error(w, err.Error(), http.StatusUpgradeRequired)
			return
		}
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if o := r.Header.Get("Origin"); o != "" && !cfg.Crossdomain && !sameOrigin(o, r.Host) {
		log.Info("ws play refused: cross-origin with crossdomain off", append(who, "origin", o)...)
		http.Error(w, "cross-origin WebSocket refused (http_server.crossdomain off)", http.StatusForbidden)
		return
	}
	req := live.PlayRequest{Key: key, Format: f, Remote: remoteAddr(r),
		// As for an HTTP player (serveLive): what hooks and signed URLs see.
		TcURL: "rtmp://" + requestHost(r) + "/" + key.App, PageURL: r.Header.Get("Referer")}
	if r.URL.RawQuery != "" {
		req.Param = "?" + r.URL.RawQuery
	}
	if err := s.streams.CanPlay(req); err != nil {
		status, msg := playError(err)
		logRefusal(log, who, err, status)
		http.Error(w, msg, status)
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "cannot upgrade this connection", http.StatusInternalServerError)
		return
	}
	// Frames the client sent right behind its request are in net/http's
	// buffer: keep them, and let the buffer go.
	var rd io.Reader = conn
	buffered := brw.Reader.Buffered() > 0
	if n := brw.Reader.Buffered(); n > 0 {
		b, _ := brw.Reader.Peek(n)
		rd = io.MultiReader(bytes.NewReader(bytes.Clone(b)), conn)
	}
	conn.SetWriteDeadline(time.Now().Add(cfg.WriteTimeout))
	if _, err := conn.Write(websocket.AppendAccept(nil, wsKey, "Server: picosrs/"+cfg.Version)); err != nil {
		conn.Close()
		return
	}
	req.Conn = conn
	v, err := s.streams.Play(req)
	if err != nil {
		status, msg := playError(err)
		logRefusal(log, who, err, status)
		code := websocket.ClosePolicyViolation
		switch status {
		case http.StatusUnsupportedMediaType:
			code = websocket.CloseUnsupportedData
		case http.StatusServiceUnavailable:
			code = websocket.CloseGoingAway
		}
		conn.SetWriteDeadline(time.Now().Add(time.Second))
		conn.Write(websocket.AppendCloseFrame(nil, code, msg))
		conn.Close()
		return
	}
	s.startWS(conn, rd, buffered, v, log, who)
}

// startWS serves one WebSocket viewer on its hijacked connection: the
// stream's fan-out writes it, as an HTTP viewer (live.Viewer.Start), and
// its reader (ws_reader.go) reads the client's frames, which a WebSocket
// server must (pings, close frames), where an HTTP viewer's connection is
// only watched for a hang-up: on plain TCP only when the client has sent
// something (no goroutine waits on a caught-up viewer), over TLS with a
// goroutine of its own. The viewer ends when the stream ends, the client
// leaves (a close frame, a protocol error, the socket closing) or the
// server shuts down, and then a close frame says why.
func (s *Server) startWS(conn net.Conn, rd io.Reader, buffered bool, v *live.Viewer, log *textlog.Logger, who []any) {
	conn.SetDeadline(time.Time{}) // the sink keeps its own write deadline
	fr := newWSFramer()
	wr := newWSReader(conn, rd, fr, v.HangUp)
	if in, err := s.hangups.WatchInput(conn, wr.ready); err == nil {
		wr.watch = in
	}
	out := v.ConnSink(conn, fr)
	client := v.Client()
	start := time.Now()
	log.Info("ws play start", append(who, "conn", client.ID)...)
	v.Start(out, func(err error) {
		wr.stop()
		var endErr error
		if cf := wr.closing(err, client.Kicked()); cf != nil {
			if endErr = out.WriteFinal(cf); endErr == nil {
				wr.linger(conn, rd)
			}
		}
		conn.Close() // before on_stop (in Close), which may take the hook's time
		v.Close(err)
		_, sent := client.Bytes()
		attrs := append(who, "conn", client.ID, "bytes", sent, "duration", time.Since(start).Round(time.Millisecond), "drops", v.Drops(), "reason", wsReason(err, client, wr))
		if live.Failed(err) {
			attrs = append(attrs, "err", err)
		}
		if endErr != nil {
			attrs = append(attrs, "end_err", endErr) // the close frame did not go out
		}
		log.Info("ws play stop", attrs...)
	})
	wr.start(buffered)
}

// wsReason says why a WebSocket viewer ended, for its closing log line.
func wsReason(err error, c *live.Client, wr *wsReader) string {
	wr.mu.Lock()
	rerr, code := wr.err, wr.peerCode
	wr.mu.Unlock()
	switch {
	case errors.Is(err, live.ErrViewerGone) && rerr == nil && code != 0:
		return "viewer sent close"
	case errors.Is(err, live.ErrViewerGone) && rerr != nil && websocket.CloseCode(rerr) != websocket.CloseNormal:
		return "viewer broke the protocol: " + rerr.Error()
	}
	return live.EndReason(err, c)
}

// wsEndStatus is the close status and reason for a viewer the server ends:
// 1000 when the stream ended, 1001 on shutdown, 1003 for a codec the mount
// cannot carry, 1008 for a kick or a viewer too slow, 1011 otherwise.
func wsEndStatus(err error, kicked bool) (uint16, string) {
	switch {
	case err == nil || err == io.EOF:
		return websocket.CloseNormal, "stream ended"
	case errors.Is(err, live.ErrShutdown):
		return websocket.CloseGoingAway, "server shutting down"
	case errors.Is(err, live.ErrCodecMismatch):
		return websocket.CloseUnsupportedData, strings.TrimPrefix(err.Error(), "live: ")
	case kicked:
		return websocket.ClosePolicyViolation, "kicked"
	case errors.Is(err, live.ErrViewerGone):
		return websocket.CloseGoingAway, "viewer left"
	}
	return websocket.CloseInternalError, live.EndReason(err, nil)
}

// sameOrigin reports whether an Origin header names the host the request
// was sent to (scheme aside).
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}
