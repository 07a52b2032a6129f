package main

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"hash/fnv"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/picosrs/picosrs/conf"
	"github.com/picosrs/picosrs/internal/connlimit"
	"github.com/picosrs/picosrs/live"
)

// SRS error codes the API returns (trunk/src/kernel/srs_kernel_error.hpp).
const (
	codeSuccess        = 0
	codeVhostNotFound  = 2014 // ERROR_RTMP_VHOST_NOT_FOUND
	codeStreamNotFound = 2048 // ERROR_RTMP_STREAM_NOT_FOUND
	codeClientNotFound = 2049 // ERROR_RTMP_CLIENT_NOT_FOUND
)

// apiVersion is the SRS API version picosrs answers as (data.major etc. of
// /api/v1/versions describe picosrs itself).
const apiMajor, apiMinor, apiRevision = 6, 0, 0

// api serves SRS's HTTP API (/api/...) and the Prometheus exporter
// (/metrics) from the server's live state. It keeps no per-viewer state on
// the data path: counters are read from live.Server when asked, and a 1 s
// sampler keeps the byte history needed for kbps and for totals that outlive
// a connection.
type api struct {
	srv   *live.Server
	conns *connlimit.Limiter // every connection of the process, for summaries
	log   *slog.Logger
	cfg   *conf.Config

	serverID  string // stable per process, "vid-..." as SRS
	serviceID string
	pid       string
	start     time.Time

	stats *sampler
}

// newAPI builds the API for cfg; start opens its listeners.
func newAPI(cfg *conf.Config, srv *live.Server, conns *connlimit.Limiter, log *slog.Logger) *api {
	now := time.Now()
	a := &api{srv: srv, conns: conns, log: log, cfg: cfg, start: now, pid: strconv.Itoa(os.Getpid())}
	host, _ := os.Hostname()
	a.serverID = "vid-" + shortHash(host+"/"+cfg.HTTPAPI.Listen)
	a.serviceID = shortHash(a.pid + "/" + now.String())
	a.stats = newSampler(srv)
	return a
}

// sharesHTTP reports whether http_api (or the exporter) listens on
// http_server's port, so that main's HTTP server must route it.
func (a *api) sharesHTTP() (apiShared, metricsShared bool) {
	if !a.cfg.HTTPServer.Enabled {
		return false, false
	}
	hs := hostPort(a.cfg.HTTPServer.Listen)
	return a.cfg.HTTPAPI.Enabled && hostPort(a.cfg.HTTPAPI.Listen) == hs,
		a.cfg.Exporter.Enabled && hostPort(a.cfg.Exporter.Listen) == hs
}

// wrapHTTP returns next with the API and /metrics in front of it when they
// share http_server's port (as SRS allows), and next unchanged otherwise.
func (a *api) wrapHTTP(next http.Handler) http.Handler {
	apiShared, metricsShared := a.sharesHTTP()
	if !apiShared && !metricsShared {
		return next
	}
	return a.handler(apiShared, metricsShared, next)
}

// startListeners opens one listener per distinct address of http_api and
// exporter, leaving out http_server's port when mounted (main routes it).
// The returned stop closes them and the sampler.
func (a *api) startListeners(mounted bool) (stop func(), err error) {
	if !a.cfg.HTTPAPI.Enabled && !a.cfg.Exporter.Enabled {
		return func() {}, nil
	}
	type feat struct{ api, metrics bool }
	addrs := map[string]*feat{}
	var order []string
	add := func(listen string, f func(*feat)) {
		k := hostPort(listen)
		if addrs[k] == nil {
			addrs[k] = &feat{}
			order = append(order, k)
		}
		f(addrs[k])
	}
	if a.cfg.HTTPAPI.Enabled {
		add(a.cfg.HTTPAPI.Listen, func(f *feat) { f.api = true })
	}
	if a.cfg.Exporter.Enabled {
		add(a.cfg.Exporter.Listen, func(f *feat) { f.metrics = true })
	}
	httpAddr := ""
	if a.cfg.HTTPServer.Enabled {
		httpAddr = hostPort(a.cfg.HTTPServer.Listen)
	}
	var servers []*http.Server
	closeAll := func() {
		for _, s := range servers {
			s.Close()
		}
		a.stats.stop()
	}
	a.stats.run()
	for _, addr := range order {
		f := addrs[addr]
		if addr == httpAddr {
			if !mounted {
				a.log.Warn("http api: shares http_server's port; main must mount it (api.wrapHTTP)", "addr", addr)
			}
			continue
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			closeAll()
			return nil, err
		}
		ln = a.conns.Listen(ln, refuser("http api", a.log, connlimit.RefuseHTTP))
		hs := newHTTPServer(a.handler(f.api, f.metrics, http.NotFoundHandler()), a.log)
		// API answers are small: the whole answer must go within the timeout.
		hs.WriteTimeout = writeTimeout(a.cfg)
		servers = append(servers, hs)
		a.log.Info("http api listening", "addr", ln.Addr().String(), "api", f.api, "metrics", f.metrics)
		go func() {
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.log.Error("http api stopped", "addr", addr, "err", err)
			}
		}()
	}
	return closeAll, nil
}

// handler routes /api/ (when withAPI) and /metrics (when withMetrics), and
// hands every other request to next.
func (a *api) handler(withAPI, withMetrics bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case withMetrics && p == "/metrics":
			a.serveMetrics(w, r)
		case withAPI && (p == "/api" || strings.HasPrefix(p, "/api/")):
			a.serveAPI(w, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// serveAPI applies CORS and basic auth, then answers one API call.
func (a *api) serveAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Server", "picosrs/"+version)
	if a.cfg.HTTPAPI.Crossdomain && r.Header.Get("Origin") != "" {
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Headers", "*")
		h.Set("Access-Control-Allow-Methods", "GET, POST, HEAD, PUT, DELETE, OPTIONS")
		h.Set("Access-Control-Expose-Headers", "*")
		h.Set("Access-Control-Allow-Credentials", "false")
	}
	if r.Method == http.MethodOptions {
		if !a.cfg.HTTPAPI.Crossdomain {
			a.methodNotAllowed(w, r, "GET")
			return
		}
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	if au := a.cfg.HTTPAPI.Auth; au.Enabled {
		user, pass, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(au.Username)) != 1 ||
			subtle.ConstantTimeCompare([]byte(pass), []byte(au.Password)) != 1 {
			h.Set("WWW-Authenticate", `Basic realm="picosrs"`)
			a.reply(w, r, http.StatusUnauthorized, map[string]int{"code": http.StatusUnauthorized})
			return
		}
	}
	p := strings.TrimSuffix(r.URL.Path, "/")
	rest := func(prefix string) (string, bool) {
		if p == prefix {
			return "", true
		}
		if strings.HasPrefix(p, prefix+"/") && !strings.Contains(p[len(prefix)+1:], "/") {
			return p[len(prefix)+1:], true
		}
		return "", false
	}
	switch {
	case p == "/api":
		a.get(w, r, func() any { return a.index(map[string]any{"v1": "the api version 1.0"}) })
	case p == "/api/v1":
		a.get(w, r, func() any {
			return a.index(map[string]any{
				"versions":  "the version of picosrs",
				"summaries": "the summary(pid, argv, pwd, cpu, mem) of picosrs",
				"vhosts":    "manage all vhosts or specified vhost",
				"streams":   "manage all streams or specified stream",
				"clients":   "manage all clients or specified client, default query top 10 clients",
			})
		})
	case p == "/api/v1/versions":
		a.get(w, r, a.versions)
	case p == "/api/v1/summaries":
		a.get(w, r, a.summaries)
	default:
		if id, ok := rest("/api/v1/vhosts"); ok {
			a.serveVhosts(w, r, id)
		} else if id, ok := rest("/api/v1/streams"); ok {
			a.serveStreams(w, r, id)
		} else if id, ok := rest("/api/v1/clients"); ok {
			a.serveClients(w, r, id)
		} else {
			a.reply(w, r, http.StatusNotFound, map[string]int{"code": http.StatusNotFound})
		}
	}
}

// head is the envelope every SRS API answer starts with.
type head struct {
	Code    int    `json:"code"`
	Server  string `json:"server"`
	Service string `json:"service"`
	PID     string `json:"pid"`
}

func (a *api) head() head {
	return head{Code: codeSuccess, Server: a.serverID, Service: a.serviceID, PID: a.pid}
}

func (a *api) index(urls map[string]any) any {
	return struct {
		head
		URLs map[string]any `json:"urls"`
	}{a.head(), urls}
}

func (a *api) versions() any {
	type data struct {
		Major    int    `json:"major"`
		Minor    int    `json:"minor"`
		Revision int    `json:"revision"`
		Version  string `json:"version"`
	}
	return struct {
		head
		Data data `json:"data"`
	}{a.head(), data{apiMajor, apiMinor, apiRevision, version}}
}

// get answers a GET (or HEAD) with body(), and 405 for other methods.
func (a *api) get(w http.ResponseWriter, r *http.Request, body func() any) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.methodNotAllowed(w, r, "GET")
		return
	}
	a.reply(w, r, http.StatusOK, body())
}

func (a *api) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	a.reply(w, r, http.StatusMethodNotAllowed, map[string]int{"code": http.StatusMethodNotAllowed})
}

// notFound answers an unknown id with SRS's error code and a 404.
func (a *api) notFound(w http.ResponseWriter, r *http.Request, code int) {
	a.reply(w, r, http.StatusNotFound, map[string]int{"code": code})
}

var jsonpCallback = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$`)

// reply writes v as JSON, or as JSONP when ?callback= names a function, as
// SRS does.
func (a *api) reply(w http.ResponseWriter, r *http.Request, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":500}`)
	}
	ct := "application/json"
	if cb := r.URL.Query().Get("callback"); cb != "" && jsonpCallback.MatchString(cb) {
		b = append(append([]byte(cb+"("), b...), ')')
		ct = "text/javascript"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

// paging reads SRS's start and count query parameters (defaults 0 and 10).
func paging(r *http.Request) (start, count int) {
	q := r.URL.Query()
	start, _ = strconv.Atoi(q.Get("start"))
	start = max(start, 0)
	count = 10
	if v, err := strconv.Atoi(q.Get("count")); err == nil && v > 0 {
		count = v
	}
	return start, count
}

// page returns list[start:start+count], clipped to the list; start and
// count come from the query and may be anything, so start+count is never
// computed (it can overflow).
func page[T any](list []T, start, count int) []T {
	if start < 0 || start >= len(list) || count <= 0 {
		return []T{}
	}
	return list[start : start+min(count, len(list)-start)]
}

// shortHash is a stable 7-character base-36 id for s.
func shortHash(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	v := strconv.FormatUint(h.Sum64(), 36)
	for len(v) < 7 {
		v = "0" + v
	}
	return v[:7]
}

func vhostID(name string) string { return "vid-" + shortHash("vhost/"+name) }

func streamID(vhost, app, name string) string {
	return "vid-" + shortHash("stream/"+vhost+"/"+app+"/"+name)
}

// kbps is SRS's kbps object: the rate over the last 30 seconds.
type kbps struct {
	Recv30s int64 `json:"recv_30s"`
	Send30s int64 `json:"send_30s"`
}

type vhostJSON struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Enabled   bool   `json:"enabled"`
	Clients   int    `json:"clients"`
	Streams   int    `json:"streams"`
	SendBytes uint64 `json:"send_bytes"`
	RecvBytes uint64 `json:"recv_bytes"`
	Kbps      kbps   `json:"kbps"`
	HLS       struct {
		Enabled bool `json:"enabled"`
	} `json:"hls"`
}

func (a *api) serveVhosts(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.methodNotAllowed(w, r, "GET")
		return
	}
	snap := a.stats.snapshot()
	var list []vhostJSON
	idx := map[string]int{}
	for _, v := range a.cfg.Vhosts {
		idx[v.Name] = len(list)
		list = append(list, vhostJSON{ID: vhostID(v.Name), Name: v.Name, Enabled: v.Enabled})
	}
	for _, st := range snap.streams {
		i, ok := idx[st.info.Vhost]
		if !ok {
			continue
		}
		v := &list[i]
		if st.info.Publishing {
			v.Streams++
		}
		v.Clients += st.clients
		v.SendBytes += st.send
		v.RecvBytes += st.recv
		v.Kbps.Recv30s += st.kbps.Recv30s
		v.Kbps.Send30s += st.kbps.Send30s
	}
	if id == "" {
		a.reply(w, r, http.StatusOK, struct {
			head
			Vhosts []vhostJSON `json:"vhosts"`
		}{a.head(), list})
		return
	}
	for _, v := range list {
		if v.ID == id {
			a.reply(w, r, http.StatusOK, struct {
				head
				Vhost vhostJSON `json:"vhost"`
			}{a.head(), v})
			return
		}
	}
	a.notFound(w, r, codeVhostNotFound)
}

type streamJSON struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Vhost       string      `json:"vhost"`
	App         string      `json:"app"`
	TcURL       string      `json:"tcUrl"`
	URL         string      `json:"url"`
	LiveMs      int64       `json:"live_ms"`
	Clients     int         `json:"clients"`
	Frames      uint64      `json:"frames"`
	AudioFrames uint64      `json:"audio_frames"`
	VideoFrames uint64      `json:"video_frames"`
	SendBytes   uint64      `json:"send_bytes"`
	RecvBytes   uint64      `json:"recv_bytes"`
	Kbps        kbps        `json:"kbps"`
	Publish     publishJSON `json:"publish"`
	Video       *videoJSON  `json:"video"`
	Audio       *audioJSON  `json:"audio"`
}

type publishJSON struct {
	Active bool   `json:"active"`
	CID    string `json:"cid,omitempty"`
}

type videoJSON struct {
	Codec   string  `json:"codec"`
	Profile *string `json:"profile"`
	Level   *string `json:"level"`
	Width   int     `json:"width"`
	Height  int     `json:"height"`
}

type audioJSON struct {
	Codec      string `json:"codec"`
	SampleRate int    `json:"sample_rate"`
	Channel    int    `json:"channel"`
	Profile    string `json:"profile"`
}

func (a *api) streamJSON(st streamSnap, now time.Time) streamJSON {
	i := st.info
	j := streamJSON{
		ID: st.id, Name: i.Name, Vhost: vhostID(i.Vhost), App: i.App,
		URL:     "/" + i.App + "/" + i.Name,
		LiveMs:  now.UnixMilli(),
		Clients: st.clients, Frames: i.VideoFrames + i.AudioFrames,
		AudioFrames: i.AudioFrames, VideoFrames: i.VideoFrames,
		SendBytes: st.send, RecvBytes: st.recv, Kbps: st.kbps,
		Publish: publishJSON{Active: i.Publishing, CID: st.publisher},
	}
	if i.Video != nil {
		v := &videoJSON{Codec: i.Video.Codec, Width: i.Video.Width, Height: i.Video.Height}
		if i.Video.Profile != "" {
			v.Profile, v.Level = &i.Video.Profile, &i.Video.Level
		}
		j.Video = v
	}
	if i.Audio != nil {
		j.Audio = &audioJSON{Codec: i.Audio.Codec, SampleRate: i.Audio.SampleRate, Channel: i.Audio.Channels, Profile: i.Audio.Profile}
	}
	return j
}

func (a *api) serveStreams(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.methodNotAllowed(w, r, "GET")
		return
	}
	snap := a.stats.snapshot()
	now := time.Now()
	if id == "" {
		start, count := paging(r)
		out := []streamJSON{}
		for _, st := range page(snap.streams, start, count) {
			out = append(out, a.streamJSON(st, now))
		}
		a.reply(w, r, http.StatusOK, struct {
			head
			Total   int          `json:"total"`
			Streams []streamJSON `json:"streams"`
		}{a.head(), len(snap.streams), out})
		return
	}
	for _, st := range snap.streams {
		if st.id == id {
			a.reply(w, r, http.StatusOK, struct {
				head
				Stream streamJSON `json:"stream"`
			}{a.head(), a.streamJSON(st, now)})
			return
		}
	}
	a.notFound(w, r, codeStreamNotFound)
}

type clientJSON struct {
	ID        string  `json:"id"`
	Vhost     string  `json:"vhost"`
	Stream    string  `json:"stream"`
	IP        string  `json:"ip"`
	PageURL   string  `json:"pageUrl"`
	SwfURL    string  `json:"swfUrl"`
	TcURL     string  `json:"tcUrl"`
	URL       string  `json:"url"`
	Name      string  `json:"name"`
	Type      string  `json:"type"`
	Publish   bool    `json:"publish"`
	Alive     float64 `json:"alive"`
	SendBytes uint64  `json:"send_bytes"`
	RecvBytes uint64  `json:"recv_bytes"`
	Kbps      kbps    `json:"kbps"`
}

func (a *api) clientJSON(c *live.Client, now time.Time) clientJSON {
	in, out := c.Bytes()
	return clientJSON{
		ID: strconv.FormatUint(c.ID, 10), Vhost: vhostID(c.Vhost), Stream: streamID(c.Vhost, c.App, c.Stream),
		IP: c.IP, URL: "/" + c.App + "/" + c.Stream, Name: c.Stream,
		Type: c.Type, Publish: c.Publishing(),
		Alive:     float64(now.Sub(c.Start).Milliseconds()) / 1000,
		SendBytes: out, RecvBytes: in, Kbps: a.stats.clientKbps(c.ID, in, out, now),
	}
}

func (a *api) serveClients(w http.ResponseWriter, r *http.Request, id string) {
	var c *live.Client
	if id != "" {
		n, err := strconv.ParseUint(id, 10, 64)
		if err == nil {
			c = a.srv.Client(n)
		}
		if c == nil {
			a.notFound(w, r, codeClientNotFound)
			return
		}
	}
	now := time.Now()
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		if c != nil {
			a.reply(w, r, http.StatusOK, struct {
				head
				Client clientJSON `json:"client"`
			}{a.head(), a.clientJSON(c, now)})
			return
		}
		all := a.srv.Clients()
		start, count := paging(r)
		out := []clientJSON{}
		for _, c := range page(all, start, count) {
			out = append(out, a.clientJSON(c, now))
		}
		a.reply(w, r, http.StatusOK, struct {
			head
			Total   int          `json:"total"`
			Clients []clientJSON `json:"clients"`
		}{a.head(), len(all), out})
	case http.MethodDelete:
		if c == nil {
			a.methodNotAllowed(w, r, "GET")
			return
		}
		if !a.srv.Kick(c.ID) {
			a.notFound(w, r, codeClientNotFound)
			return
		}
		a.log.Warn("http api: kicked client", "client", c.ID, "type", c.Type, "remote", c.IP, "stream", c.Vhost+"/"+c.App+"/"+c.Stream)
		a.reply(w, r, http.StatusOK, a.head())
	default:
		allow := "GET"
		if c != nil {
			allow = "GET, DELETE"
		}
		a.methodNotAllowed(w, r, allow)
	}
}

// sortStreams orders streams by vhost, app and name, for stable paging.
func sortStreams(s []streamSnap) {
	sort.Slice(s, func(i, j int) bool {
		a, b := s[i].info, s[j].info
		if a.Vhost != b.Vhost {
			return a.Vhost < b.Vhost
		}
		if a.App != b.App {
			return a.App < b.App
		}
		return a.Name < b.Name
	})
}
