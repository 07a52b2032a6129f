package api

import (
	"crypto/subtle"
	"hash/fnv"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/picosrs/picosrs/internal/jsonw"
	"github.com/picosrs/picosrs/internal/textlog"
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

func (a *Server) log() *textlog.Logger { return a.cfg.Load().Logger }

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
			a.reply(w, r, http.StatusUnauthorized, codeJSON{http.StatusUnauthorized})
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
		a.get(w, r, func() answer { return a.index(map[string]string{"v1": "the api version 1.0"}) })
	case p == "/api/v1":
		a.get(w, r, func() answer {
			return a.index(map[string]string{
				"versions":  "the version of picosrs",
				"summaries": "the summary(pid, argv, pwd, cpu, mem) of picosrs",
				"vhosts":    "manage all vhosts or specified vhost",
				"streams":   "manage all streams or specified stream",
				"clients":   "manage all clients or specified client, default query top 10 clients",
				"clusters":  "origin cluster server API",
			})
		})
	case p == "/api/v1/versions":
		a.get(w, r, a.versions)
	case p == "/api/v1/summaries":
		a.get(w, r, a.summaries)
	case p == "/api/v1/clusters":
		a.serveClusters(w, r)
	default:
		if id, ok := rest("/api/v1/vhosts"); ok {
			a.serveVhosts(w, r, id)
		} else if id, ok := rest("/api/v1/streams"); ok {
			a.serveStreams(w, r, id)
		} else if id, ok := rest("/api/v1/clients"); ok {
			a.serveClients(w, r, id)
		} else {
			a.reply(w, r, http.StatusNotFound, codeJSON{http.StatusNotFound})
		}
	}
}

// answer is one API answer. Each writes itself as JSON with internal/jsonw
// (encoding/json would cost the binary 60 KB), in the order and shape its
// json tags say: the tags document the shape, and TestEncode holds every
// answer's bytes to what encoding/json writes for the same value.
type answer interface{ encode(*jsonw.Writer) }

// codeJSON is an answer of a code alone: errors, and SRS's {"code":401}.
type codeJSON struct {
	Code int `json:"code"`
}

func (c codeJSON) encode(j *jsonw.Writer) {
	j.Object()
	j.Key("code").Int(c.Code)
	j.EndObject()
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

// open opens the answer's object with the envelope's members; the answer
// adds its own and closes it.
func (h head) open(j *jsonw.Writer) {
	j.Object()
	j.Key("code").Int(h.Code)
	j.Key("server").Str(h.Server)
	j.Key("service").Str(h.Service)
	j.Key("pid").Str(h.PID)
}

// encode makes the envelope alone an answer (a kick's).
func (h head) encode(j *jsonw.Writer) {
	h.open(j)
	j.EndObject()
}

// indexJSON is /api and /api/v1: what is below.
type indexJSON struct {
	head
	URLs map[string]string `json:"urls"`
}

func (a *Server) index(urls map[string]string) answer { return indexJSON{a.head(), urls} }

func (x indexJSON) encode(j *jsonw.Writer) {
	x.open(j)
	j.Key("urls")
	if x.URLs == nil {
		j.Null()
	} else {
		j.Object()
		for _, k := range slices.Sorted(maps.Keys(x.URLs)) { // encoding/json sorts a map's keys
			j.Key(k).Str(x.URLs[k])
		}
		j.EndObject()
	}
	j.EndObject()
}

type versionsJSON struct {
	head
	Data struct {
		Major    int    `json:"major"`
		Minor    int    `json:"minor"`
		Revision int    `json:"revision"`
		Version  string `json:"version"`
	} `json:"data"`
}

func (a *Server) versions() answer {
	v := versionsJSON{head: a.head()}
	v.Data.Major, v.Data.Minor, v.Data.Revision = apiMajor, apiMinor, apiRevision
	v.Data.Version = a.cfg.Load().Version
	return v
}

func (v versionsJSON) encode(j *jsonw.Writer) {
	v.open(j)
	j.Key("data").Object()
	j.Key("major").Int(v.Data.Major)
	j.Key("minor").Int(v.Data.Minor)
	j.Key("revision").Int(v.Data.Revision)
	j.Key("version").Str(v.Data.Version)
	j.EndObject()
	j.EndObject()
}

// get answers a GET (or HEAD) with body(), and 405 for other methods.
func (a *Server) get(w http.ResponseWriter, r *http.Request, body func() answer) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		a.methodNotAllowed(w, r, "GET")
		return
	}
	a.reply(w, r, http.StatusOK, body())
}

func (a *Server) methodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	a.reply(w, r, http.StatusMethodNotAllowed, codeJSON{http.StatusMethodNotAllowed})
}

// notFound answers an unknown id with SRS's error code and a 404.
func (a *Server) notFound(w http.ResponseWriter, r *http.Request, code int) {
	a.reply(w, r, http.StatusNotFound, codeJSON{code})
}

// jsonpCallback reports whether name may be sent back as a JSONP function
// name: a JavaScript identifier (dotted paths allowed), at most 64 bytes, so
// nothing of the query can break out of the call. (Hand-written: regexp
// would cost the binary 90 kB.)
func jsonpCallback(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c == '_', c == '$':
		case i > 0 && (c >= '0' && c <= '9' || c == '.'):
		default:
			return false
		}
	}
	return true
}

// reply writes v as JSON, or as JSONP when ?callback= names a function, as
// SRS does.
func (a *Server) reply(w http.ResponseWriter, r *http.Request, status int, v answer) {
	var j jsonw.Writer
	v.encode(&j)
	b := j.Bytes()
	ct := "application/json"
	if cb := r.URL.Query().Get("callback"); cb != "" && jsonpCallback(cb) {
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

// StreamID is the id the API gives a stream (SRS's "vid-..."), for the
// stream_id of the http_hooks bodies.
func StreamID(vhost, app, name string) string { return streamID(vhost, app, name) }

// ServerID is the server's id in every answer ("server"), stable across
// restarts; ServiceID is this process's ("service"). The http_hooks bodies
// carry both, as SRS's server_id and service_id.
func (a *Server) ServerID() string { return a.serverID }

// ServiceID is this process's id, as in every answer's "service".
func (a *Server) ServiceID() string { return a.serviceID }

// kbps is SRS's kbps object: the rate over the last 30 seconds.
type kbps struct {
	Recv30s int64 `json:"recv_30s"`
	Send30s int64 `json:"send_30s"`
}

func (k kbps) encode(j *jsonw.Writer) {
	j.Object()
	j.Key("recv_30s").Int64(k.Recv30s)
	j.Key("send_30s").Int64(k.Send30s)
	j.EndObject()
}
