package live

import (
	"time"

	"github.com/picosrs/picosrs/access"
	"github.com/picosrs/picosrs/hls"
	"github.com/picosrs/picosrs/internal/textlog"
)

// DefaultVhost is the name of the vhost that catches every host no other vhost names.
const DefaultVhost = "__defaultVhost__"

// Jitter is the time_jitter algorithm applied to a stream's timestamps.
type Jitter int

// time_jitter values, as SRS defines them.
const (
	JitterFull Jitter = iota // start at 0, replace jumps over 250 ms by 10 ms
	JitterZero               // subtract the first timestamp
	JitterOff                // pass timestamps through
)

// Config is the stream core's plain configuration. main.go maps conf.Config
// onto it; live never reads configuration files, and knows nothing of HTTP
// mounts or files (package httpd has those).
type Config struct {
	ChunkSize    int           // RTMP outgoing chunk size
	WriteTimeout time.Duration // a viewer that cannot take a write for this long is closed
	// RingBytes caps the bytes of tags kept per stream (GOP cache, fast cache and
	// the slack of slow viewers share them).
	RingBytes int
	Vhosts    []*VhostConfig
	Logger    *textlog.Logger
}

// VhostConfig is one vhost's settings.
type VhostConfig struct {
	Name       string
	Enabled    bool
	ChunkSize  int
	MinLatency bool
	TCPNodelay bool

	Remux RemuxConfig

	GopCache          bool
	GopCacheMaxFrames int
	QueueLength       time.Duration
	TimeJitter        Jitter
	MwLatency         time.Duration

	FirstPktTimeout time.Duration
	NormalTimeout   time.Duration

	// Edge: a vhost with origins is an edge (cluster.mode remote).
	Origins       []string
	EdgeVhost     string // cluster.vhost; "" or "[vhost]" keeps the player's vhost
	TokenTraverse bool
	// EdgeProtocol is how the edge pulls (cluster.protocol): "rtmp" or ""
	// from Origins, "flv" (HTTP-FLV) from HTTPOrigins, "flvs" (HTTPS-FLV)
	// from HTTPSOrigins; the three lists name the same origins in the same
	// order. FollowClient (cluster.follow_client) pulls with the first
	// player's protocol instead (see PlayRequest.Protocol).
	EdgeProtocol string
	HTTPOrigins  []string
	HTTPSOrigins []string
	FollowClient bool

	// Origin cluster (cluster.origin_cluster, on an origin): a stream not
	// published here is looked for on the Coworkers (their HTTP API,
	// host:port), and a player is redirected to the one that has it.
	OriginCluster bool
	Coworkers     []string

	Forward []string // forward destinations, host[:port]

	Security   access.Rules      // the security block
	Hooks      access.Hooks      // the http_hooks block
	SecureLink access.SecureLink // the secure_link block (signed URLs)

	HLS *HLSConfig // the hls block; nil when HLS is off
}

// HLSConfig is what the stream core takes from a vhost's hls block: the
// segmenter's settings (package hls) and the names, codec hints and error
// policy the stream applies (hls.go).
type HLSConfig struct {
	hls.Config
	M3U8File string // hls_m3u8_file template
	TSFile   string // hls_ts_file template
	// ACodec and VCodec are hls_acodec ("aac", "mp3", "an") and hls_vcodec
	// ("h264", "h265", "vn"): what the PMT announces for a track the
	// stream's onMetaData declares before its sequence header came.
	ACodec, VCodec string
	// OnError is hls_on_error: after a file could not be written,
	// "continue", "ignore" (no more HLS for the session) or "disconnect"
	// (the publisher is dropped).
	OnError string
}

// RemuxConfig is what the stream core takes from a vhost's http_remux block
// (the mounts themselves are package httpd's).
type RemuxConfig struct {
	FastCache      time.Duration // audio burst for new .mp3/.aac listeners
	DropIfNotMatch bool
	HasAudio       bool
	HasVideo       bool
	GuessHasAV     bool
	// Grace keeps viewers attached this long after the publisher leaves,
	// so a republish continues their stream; 0 ends them at once, as SRS does.
	Grace time.Duration
}

// NewVhostConfig returns a vhost with SRS's defaults.
func NewVhostConfig(name string) *VhostConfig {
	return &VhostConfig{
		Name:    name,
		Enabled: true,
		Remux: RemuxConfig{
			DropIfNotMatch: true, HasAudio: true, HasVideo: true, GuessHasAV: true,
			Grace: 5 * time.Second,
		},
		GopCache:          true,
		GopCacheMaxFrames: 2500,
		QueueLength:       30 * time.Second,
		MwLatency:         350 * time.Millisecond,
		FirstPktTimeout:   20 * time.Second,
		NormalTimeout:     5 * time.Second,
	}
}

// Vhost returns the vhost named name, or nil.
func (c *Config) Vhost(name string) *VhostConfig {
	for _, v := range c.Vhosts {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// ResolveVhost picks the vhost for a host name: the vhost of that name, else
// the default vhost, as SRS's get_vhost(host, try_default_vhost=true); nil
// when neither exists.
func (c *Config) ResolveVhost(host string) *VhostConfig {
	if v := c.Vhost(host); v != nil {
		return v
	}
	return c.Vhost(DefaultVhost)
}

func (c *Config) withDefaults() *Config {
	n := *c
	if n.ChunkSize <= 0 {
		n.ChunkSize = 60000
	}
	if n.WriteTimeout <= 0 {
		n.WriteTimeout = 30 * time.Second
	}
	if n.RingBytes <= 0 {
		n.RingBytes = 8 << 20
	}
	if n.Logger == nil {
		n.Logger = textlog.Discard()
	}
	return &n
}
