package api

import (
	"crypto/subtle"
	"encoding/json"
	"hash/fnv"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

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

// Source is what the API reads of the stream core; *live.Server is one.
type Source interface {
	Streams() []*live.Stream
	Clients() []*live.Client
	Client(id uint64) *live.Client
	Kick(id uint64) bool
	ClientTotals() (total, errs uint64)
}

// Server serves SRS's HTTP API (/api/...) and the Prometheus exporter
// (/metrics) from the stream core's state. It keeps no per-viewer state on
// the data path: counters are read from the Source when asked, and a 1 s
// sampler keeps the byte history needed for kbps and for totals that outlive
// a connection.
type Server struct {
	src   Source
	conns func() int64 // connections open on every port, for summaries
	cfg   atomic.Pointer[Config]

	serverID  string // stable per process, "vid-..." as SRS
	serviceID string
	pid       string
	start     time.Time

	stats *sampler
}

// New returns the API over src; conns counts the process's open
// connections; idSeed (the API's listen address) makes the server id stable
// across restarts, as SRS's. Start runs its sampler.
func New(src Source, conns func() int64, idSeed string, cfg *Config) *Server {
	now := time.Now()
	a := &Server{src: src, conns: conns, start: now, pid: strconv.Itoa(os.Getpid())}
	a.Reload(cfg)
	host, _ := os.Hostname()
	a.serverID = "vid-" + shortHash(host+"/"+idSeed)
	a.serviceID = shortHash(a.pid + "/" + now.String())
	a.stats = newSampler(src)
	return a
}

// Reload swaps in a new configuration (credentials, vhosts, labels) for the
// requests that come next.
func (a *Server) Reload(cfg *Config) { a.cfg.Store(cfg.withDefaults()) }

// Start starts the 1 s sampler behind kbps and totals; Stop stops it.
func (a *Server) Start() { a.stats.run() }

// Stop stops the sampler.
func (a *Server) Stop() { a.stats.stop() }

func (a *Server) log() *slog.Logger { return a.cfg.Load().Logger }

// Handler routes /api/ (when withAPI) and /metrics (when withMetrics), and
// hands every other request to next.
func (a *Server) Handler(withAPI, withMetrics bool, next http.Handler) http.Handler {
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
func (a *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	cfg := a.cfg.Load()
	h := w.Header()
	h.Set("Server", "picosrs/"+cfg.Version)
	if cfg.Crossdomain && r.Header.Get("Origin") != "" {
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Headers", "*")
		h.Set("Access-Control-Allow-Methods", "GET, POST, HEAD, PUT, DELETE, OPTIONS")
		h.Set("Access-Control-Expose-Headers", "*")
		h.Set("Access-Control-Allow-Credentials", "false")
	}
	if r.Method == http.MethodOptions {
		if !cfg.Crossdomain {
			a.methodNotAllowed(w, r, "GET")
			return
		}
		h.Set("Content-Length", "0")
		w.WriteHeader(http.StatusOK)
		return
	}
	if au := cfg.Auth; au.Enabled {
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

func (a *Server) head() head {
	return head{Code: codeSuccess, Server: a.serverID, Service: a.serviceID, PID: a.pid}
}

func (a *Server) index(urls map[string]any) any {
	return struct {
		head
		URLs map[string]any `json:"urls"`
	}{a.head(), urls}
}

func (a *Server) versions() any {
	type data struct {
		Major    int    `json:"major"`
		Minor    int    `json:"minor"`
		Revision int    `json:"revision"`
		Version  string `json:"version"`
	}
	return struct {
		head
		Data data `json:"data"`
	}{a.head(), data{apiMajor, apiMinor, apiRevision, a.cfg.Load().Version}}
}

// get answers a GET (or HEAD) with body(), and 405 for other methods.
func (a *Server) get(w http.ResponseWriter, r *http.Request, body func() any) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.methodNotAllowed(w, r, "GET")
		return
	}
	a.reply(w, r, http.StatusOK, body())
}

func (a *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	a.reply(w, r, http.StatusMethodNotAllowed, map[string]int{"code": http.StatusMethodNotAllowed})
}

// notFound answers an unknown id with SRS's error code and a 404.
func (a *Server) notFound(w http.ResponseWriter, r *http.Request, code int) {
	a.reply(w, r, http.StatusNotFound, map[string]int{"code": code})
}

var jsonpCallback = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$`)

// reply writes v as JSON, or as JSONP when ?callback= names a function, as
// SRS does.
func (a *Server) reply(w http.ResponseWriter, r *http.Request, status int, v any) {
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

func (a *Server) serveVhosts(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.methodNotAllowed(w, r, "GET")
		return
	}
	snap := a.stats.snapshot()
	var list []vhostJSON
	idx := map[string]int{}
	for _, v := range a.cfg.Load().Vhosts {
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

func (a *Server) streamJSON(st streamSnap, now time.Time) streamJSON {
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

func (a *Server) serveStreams(w http.ResponseWriter, r *http.Request, id string) {
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

func (a *Server) clientJSON(c *live.Client, now time.Time) clientJSON {
	in, out := c.Bytes()
	return clientJSON{
		ID: strconv.FormatUint(c.ID, 10), Vhost: vhostID(c.Vhost), Stream: streamID(c.Vhost, c.App, c.Stream),
		IP: c.IP, URL: "/" + c.App + "/" + c.Stream, Name: c.Stream,
		Type: c.Type, Publish: c.Publishing(),
		Alive:     float64(now.Sub(c.Start).Milliseconds()) / 1000,
		SendBytes: out, RecvBytes: in, Kbps: a.stats.clientKbps(c.ID, in, out, now),
	}
}

func (a *Server) serveClients(w http.ResponseWriter, r *http.Request, id string) {
	var c *live.Client
	if id != "" {
		n, err := strconv.ParseUint(id, 10, 64)
		if err == nil {
			c = a.src.Client(n)
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
		all := a.src.Clients()
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
		if !a.src.Kick(c.ID) {
			a.notFound(w, r, codeClientNotFound)
			return
		}
		a.log().Warn("http api: kicked client", "client", c.ID, "type", c.Type, "remote", c.IP, "stream", c.Vhost+"/"+c.App+"/"+c.Stream)
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
