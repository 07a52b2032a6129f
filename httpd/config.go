package httpd

import (
	"time"

	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/live"
)

// Config is the HTTP room's plain configuration; main.go maps conf.Config
// onto it and swaps it on a reload.
type Config struct {
	Crossdomain  bool          // CORS headers for requests with an Origin (http_server.crossdomain)
	Dir          string        // http_server.dir, the static root
	WriteTimeout time.Duration // an answer that makes no progress for this long ends
	Version      string        // shown in the Server header and the index page
	MpegtsJS     string        // where the player page loads mpegts.js from (http_server.mpegts_js)
	Vhosts       []*Vhost
	Logger       *textlog.Logger

	mounts []*mount             // every enabled vhost's compiled http_remux mounts, in config order
	hls    map[string]*hlsFiles // each vhost's HLS templates (hls.go)
	// heads are the live response headers by format and CORS, built once
	// and shared by every viewer.
	heads [2][live.FormatRTMP][]byte
}

// liveHead returns the response header of a live stream of format f.
func (c *Config) liveHead(f live.Format, cors bool) []byte {
	i := 0
	if cors {
		i = 1
	}
	return c.heads[i][f]
}

// Vhost is what the HTTP room takes from one vhost's configuration.
type Vhost struct {
	Name    string
	Enabled bool
	Remux   bool     // http_remux.enabled
	Mounts  []string // http_remux.mount templates; the extension picks the format
	Static  Static
	// HLS and HLSSegment are hls_m3u8_file and hls_ts_file when the vhost
	// has HLS on, else ""; HLSMemory is set when it serves them from memory
	// (hls_storage memory or both), not as files under hls_path.
	HLS, HLSSegment string
	HLSMemory       bool
}

// Static is a vhost's http_static block.
type Static struct {
	Enabled bool
	Mount   string
	Dir     string
}

func (c *Config) vhost(name string) *Vhost {
	for _, v := range c.Vhosts {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// resolveVhost picks the vhost for a host name: the vhost of that name, else
// the default vhost, as SRS's get_vhost(host, try_default_vhost=true).
func (c *Config) resolveVhost(host string) *Vhost {
	if v := c.vhost(host); v != nil {
		return v
	}
	return c.vhost(live.DefaultVhost)
}

func (c *Config) withDefaults() *Config {
	n := *c
	if n.WriteTimeout <= 0 {
		n.WriteTimeout = 30 * time.Second
	}
	if n.Logger == nil {
		n.Logger = textlog.Discard()
	}
	if n.Version == "" {
		n.Version = "dev"
	}
	for f := live.FormatFLV; f < live.FormatRTMP; f++ {
		n.heads[0][f] = makeLiveHead(f, n.Version, false)
		n.heads[1][f] = makeLiveHead(f, n.Version, true)
	}
	n.mounts = nil
	for _, v := range n.Vhosts {
		if !v.Enabled || !v.Remux {
			continue
		}
		for _, t := range v.Mounts {
			if m, ok := compileMount(t, v.Name); ok {
				n.mounts = append(n.mounts, m)
			}
		}
	}
	n.hls = hlsTemplates(n.Vhosts)
	return &n
}
