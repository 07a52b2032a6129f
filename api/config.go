package api

import (
	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/live"
)

// Config is the API's plain configuration; main.go maps conf.Config onto it
// and swaps it on a reload, so credentials and the vhost list follow the
// file.
type Config struct {
	Version     string // picosrs's version, in the Server header and /api/v1/versions
	Crossdomain bool   // http_api.crossdomain: CORS for requests with an Origin
	Auth        Auth   // http_api.auth
	Vhosts      []Vhost
	Label, Tag  string // exporter.label and exporter.tag, on srs_build_info
	Logger      *textlog.Logger
	// Where this server listens, SRS form "[ip:]port", for the origin
	// cluster's /api/v1/clusters: the first RTMP listen address, http_api's,
	// and http_server's ("" when it is off).
	RTMPListen, APIListen, HTTPListen string
}

// Auth is http_api.auth: HTTP basic auth.
type Auth struct {
	Enabled            bool
	Username, Password string
}

// Vhost is what the API lists of a vhost.
type Vhost struct {
	Name    string
	Enabled bool
	HLS     bool // the hls block is on (SRS's vhost.hls.enabled)
}

func (c *Config) withDefaults() *Config {
	n := *c
	if n.Logger == nil {
		n.Logger = textlog.Discard()
	}
	if n.Version == "" {
		n.Version = "dev"
	}
	if n.Vhosts == nil {
		n.Vhosts = []Vhost{{Name: live.DefaultVhost, Enabled: true}}
	}
	return &n
}
