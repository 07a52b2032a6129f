package api

import (
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/picosrs/picosrs/internal/jsonw"
	"github.com/picosrs/picosrs/live"
)

// clustersJSON is SRS's answer to /api/v1/clusters (srs_app_http_api.cpp
// SrsGoApiClusters): the query echoed, and the origin that publishes the
// stream, or null.
type clustersJSON struct {
	Code int `json:"code"`
	Data struct {
		Query struct {
			IP     string `json:"ip"`
			Vhost  string `json:"vhost"`
			App    string `json:"app"`
			Stream string `json:"stream"`
		} `json:"query"`
		Origin *originJSON `json:"origin"`
	} `json:"data"`
}

// originJSON is SrsCoWorkers::dumps: where a coworker finds the stream.
// HTTPPort is picosrs's addition (SRS answers no HTTP port), so a picosrs
// origin can send an HTTP player to the same path on this server; SRS's
// parser (discover_co_workers) reads ip and port only.
type originJSON struct {
	IP       string   `json:"ip"`
	Port     int      `json:"port"`
	Vhost    string   `json:"vhost"`
	API      string   `json:"api"`
	Routers  []string `json:"routers"`
	HTTPPort int      `json:"http_port,omitempty"`
}

func (c clustersJSON) encode(j *jsonw.Writer) {
	j.Object()
	j.Key("code").Int(c.Code)
	j.Key("data").Object()
	q := c.Data.Query
	j.Key("query").Object()
	j.Key("ip").Str(q.IP)
	j.Key("vhost").Str(q.Vhost)
	j.Key("app").Str(q.App)
	j.Key("stream").Str(q.Stream)
	j.EndObject()
	j.Key("origin")
	if o := c.Data.Origin; o == nil {
		j.Null()
	} else {
		j.Object()
		j.Key("ip").Str(o.IP)
		j.Key("port").Int(o.Port)
		j.Key("vhost").Str(o.Vhost)
		j.Key("api").Str(o.API)
		j.Key("routers").Strings(o.Routers)
		if o.HTTPPort != 0 {
			j.Key("http_port").Int(o.HTTPPort)
		}
		j.EndObject()
	}
	j.EndObject()
	j.EndObject()
}

// serveClusters answers an origin cluster's question (SRS's
// discover_co_workers asks with POST, picosrs with GET): does this server
// publish vhost/app/stream, and where is it? It reads the stream registry
// only, and never asks further, so two origins cannot ask each other in a
// loop.
func (a *Server) serveClusters(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodPost {
		a.methodNotAllowed(w, r, "GET, POST")
		return
	}
	q := r.URL.Query()
	var ans clustersJSON
	ans.Code = codeSuccess
	ans.Data.Query.IP, ans.Data.Query.Vhost = q.Get("ip"), q.Get("vhost")
	ans.Data.Query.App, ans.Data.Query.Stream = q.Get("app"), q.Get("stream")
	if vhost := a.resolveVhost(q.Get("vhost")); vhost != "" {
		key := live.StreamKey{Vhost: vhost, App: q.Get("app"), Name: q.Get("stream")}
		for _, st := range a.src.Streams() {
			if st.Key() == key && st.Publishing() {
				ans.Data.Origin = a.origin(r, vhost, q.Get("coworker"))
				break
			}
		}
	}
	a.reply(w, r, http.StatusOK, ans)
}

// resolveVhost is the vhost a name resolves to: that vhost, else the default
// vhost, else "" (SRS's get_vhost(name, true)).
func (a *Server) resolveVhost(name string) string {
	var def bool
	for _, v := range a.cfg.Load().Vhosts {
		if v.Name == name {
			return name
		}
		def = def || v.Name == live.DefaultVhost
	}
	if def {
		return live.DefaultVhost
	}
	return ""
}

// origin says where this server serves a stream, as SrsCoWorkers::dumps:
// the IP of the first RTMP listen address unless it is a loopback (or, a
// picosrs addition, the any-address), else the host the coworker reached us
// by (its coworker= parameter), else the address the request came in on;
// the RTMP port; the API as host:port.
func (a *Server) origin(r *http.Request, vhost, coworker string) *originJSON {
	cfg := a.cfg.Load()
	ip, port := splitListen(cfg.RTMPListen, 1935)
	switch ip {
	case "localhost", "127.0.0.1", "::1", "0.0.0.0", "::":
		ip = ""
	}
	if ip == "" && coworker != "" {
		ip = coworker
		if h, _, err := net.SplitHostPort(coworker); err == nil {
			ip = h
		}
	}
	if ip == "" {
		if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			ip, _, _ = net.SplitHostPort(la.String())
		}
	}
	api := cfg.APIListen
	if !strings.Contains(api, ":") {
		api = net.JoinHostPort(ip, api)
	}
	o := &originJSON{IP: ip, Port: port, Vhost: vhost, API: api, Routers: []string{api}}
	if cfg.HTTPListen != "" {
		_, o.HTTPPort = splitListen(cfg.HTTPListen, 0)
	}
	return o
}

// splitListen splits SRS's "[ip:]port" into its IP ("" when absent) and
// port (def when it does not parse).
func splitListen(listen string, def int) (string, int) {
	host, p := "", listen
	if strings.Contains(listen, ":") {
		var err error
		if host, p, err = net.SplitHostPort(listen); err != nil {
			return "", def
		}
	}
	n, err := strconv.Atoi(p)
	if err != nil || n <= 0 || n > 65535 {
		return host, def
	}
	return host, n
}
