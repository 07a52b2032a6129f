package conf

import (
	_ "embed"
	"net"
	"net/url"
	"path"
	"strings"
	"time"
)

// DefaultVhost is the name of SRS's default vhost, used for a request whose
// vhost has no block of its own.
const DefaultVhost = "__defaultVhost__"

// Config is the typed configuration picosrs runs with. Each field documents
// its SRS directive, its default, and its SRS_* environment override.
type Config struct {
	// Listen holds the RTMP listen addresses, SRS form "[ip:]port".
	// Directive `listen` (SRS 7: rtmp.listen); env SRS_LISTEN (space separated).
	// A config file without it is refused; env-only mode defaults to ["1935"].
	Listen []string
	// MaxConnections caps concurrent connections. `max_connections`, default
	// 1000, env SRS_MAX_CONNECTIONS. Must be > 0.
	MaxConnections int
	// ChunkSize is the RTMP out chunk size. Root `chunk_size` (SRS 7:
	// rtmp.chunk_size), default 60000. SRS reads SRS_VHOST_CHUNK_SIZE for the
	// global value too; SRS_CHUNK_SIZE is accepted as a picosrs alias.
	ChunkSize int
	// LogLevel is `srs_log_level`, default "trace"; env SRS_SRS_LOG_LEVEL or SRS_LOG_LEVEL.
	LogLevel string
	// LogFile is `srs_log_file`, default "./objs/srs.log"; env SRS_SRS_LOG_FILE or SRS_LOG_FILE.
	LogFile string
	// LogTank is `srs_log_tank`: "console" (the default here; SRS outside
	// docker defaults to file) or "file"; env SRS_SRS_LOG_TANK or SRS_LOG_TANK.
	LogTank string
	// WriteTimeout is the picosrs extension `write_timeout`, float seconds,
	// default 30s: a socket write (RTMP or HTTP, on every port) that makes
	// no progress for this long closes the connection. Env
	// SRS_WRITE_TIMEOUT. Must be > 0.
	WriteTimeout time.Duration
	// MemoryLimit is the picosrs extension `memory_limit`, bytes with an
	// optional k/m/g suffix (KiB/MiB/GiB, either case; "48m"), default 0
	// (none): the Go runtime's soft memory limit (debug.SetMemoryLimit),
	// for routers. Env SRS_MEMORY_LIMIT.
	MemoryLimit int64
	// HTTPServer is the `http_server` block (SRS 1's `http_stream`).
	HTTPServer HTTPServer
	// HTTPAPI is the `http_api` block.
	HTTPAPI HTTPAPI
	// Exporter is the `exporter` block (Prometheus metrics).
	Exporter Exporter
	// Vhosts holds one entry per distinct `vhost` name, in file order; the
	// first block of a name wins.
	Vhosts []*Vhost
}

// HTTPServer is the `http_server` block: the HTTP listener for live streams
// and static files.
type HTTPServer struct {
	Enabled     bool   // `enabled`, default off; env SRS_HTTP_SERVER_ENABLED
	Listen      string // `listen` (first address), default "8080"; env SRS_HTTP_SERVER_LISTEN
	Dir         string // `dir`, default "./objs/nginx/html"; env SRS_HTTP_SERVER_DIR
	Crossdomain bool   // `crossdomain`, default on; env SRS_HTTP_SERVER_CROSSDOMAIN
	// HTTPS is the `https` block: HTTPS streaming on its own port
	// (default 8088), env SRS_HTTP_SERVER_HTTPS_*.
	HTTPS HTTPS
	// MpegtsJS is the picosrs extension `mpegts_js`: the URL the built-in
	// player page loads mpegts.js from, default DefaultMpegtsJS. An
	// absolute http(s) URL, or a path served by this server (for a router
	// without Internet access, put the file under dir). Env
	// SRS_HTTP_SERVER_MPEGTS_JS.
	MpegtsJS string
	// HLSJS is the picosrs extension `hls_js`: the URL the built-in player
	// page loads hls.js from, default DefaultHLSJS; as MpegtsJS. Env
	// SRS_HTTP_SERVER_HLS_JS.
	HLSJS string
}

// Default script URLs of the built-in player page, pinned versions on a
// public CDN.
const (
	DefaultMpegtsJS = "https://cdn.jsdelivr.net/npm/mpegts.js@1.8.0/dist/mpegts.js"
	DefaultHLSJS    = "https://cdn.jsdelivr.net/npm/hls.js@1.5.20/dist/hls.min.js"
)

// HTTPAPI is the `http_api` block.
type HTTPAPI struct {
	Enabled     bool        // `enabled`, default off; env SRS_HTTP_API_ENABLED
	Listen      string      // `listen` (first address), default "1985"; env SRS_HTTP_API_LISTEN
	Crossdomain bool        // `crossdomain`, default on; env SRS_HTTP_API_CROSSDOMAIN
	Auth        HTTPAPIAuth // `auth` block
	// HTTPS is the `https` block: the HTTPS API (default port 1990, or
	// http_server's HTTPS port when the API shares the HTTP port), env
	// SRS_HTTP_API_HTTPS_*.
	HTTPS HTTPS
}

// HTTPAPIAuth is the `http_api.auth` block (HTTP basic auth).
type HTTPAPIAuth struct {
	Enabled  bool   // `enabled`, default off; env SRS_HTTP_API_AUTH_ENABLED
	Username string // `username`, default ""; env SRS_HTTP_API_AUTH_USERNAME
	Password string // `password`, default ""; env SRS_HTTP_API_AUTH_PASSWORD
}

// Exporter is the `exporter` block.
type Exporter struct {
	Enabled bool   // `enabled`, default off; env SRS_EXPORTER_ENABLED
	Listen  string // `listen`, default "9972"; env SRS_EXPORTER_LISTEN
	Label   string // `label`, default ""; env SRS_EXPORTER_LABEL
	Tag     string // `tag`, default ""; env SRS_EXPORTER_TAG
}

// Vhost is one `vhost NAME { ... }` block. Environment overrides apply to
// every vhost, as in SRS.
type Vhost struct {
	Name       string // the vhost name (arg0)
	Enabled    bool   // `enabled`, default on (no env override in SRS)
	ChunkSize  int    // `chunk_size`, default the global ChunkSize; env SRS_VHOST_CHUNK_SIZE
	MinLatency bool   // `min_latency`, default off; env SRS_VHOST_MIN_LATENCY
	TCPNodelay bool   // `tcp_nodelay`, default off; env SRS_VHOST_TCP_NODELAY
	HTTPRemux  HTTPRemux
	Play       Play
	Publish    Publish
	Cluster    Cluster
	Forward    Forward
	HTTPStatic HTTPStatic
	Security   Security
	HLS        HLS        // `hls` block
	HTTPHooks  HTTPHooks  // `http_hooks` block
	SecureLink SecureLink // `secure_link` block (picosrs extension)
}

// HTTPRemux is the `http_remux` block: live FLV/TS/MP3/AAC over HTTP.
type HTTPRemux struct {
	// Enabled is `enabled`, default off; env SRS_VHOST_HTTP_REMUX_ENABLED.
	Enabled bool
	// Mounts holds every argument of `mount` (SRS uses only the first; several
	// templates are a picosrs extension). The extension picks the format.
	// Default ["[vhost]/[app]/[stream].flv"]; env SRS_VHOST_HTTP_REMUX_MOUNT
	// (space separated).
	Mounts []string
	// FastCache is `fast_cache`, float seconds, default 0 (off); the audio
	// burst for .mp3/.aac listeners. Env SRS_VHOST_HTTP_REMUX_FAST_CACHE.
	FastCache time.Duration
	// DropIfNotMatch is `drop_if_not_match`, default on; env SRS_VHOST_HTTP_REMUX_DROP_IF_NOT_MATCH.
	DropIfNotMatch bool
	// HasAudio is `has_audio`, default on; env SRS_VHOST_HTTP_REMUX_HAS_AUDIO.
	HasAudio bool
	// HasVideo is `has_video`, default on; env SRS_VHOST_HTTP_REMUX_HAS_VIDEO.
	HasVideo bool
	// GuessHasAV is `guess_has_av`, default on; env SRS_VHOST_HTTP_REMUX_GUESS_HAS_AV.
	GuessHasAV bool
	// Grace is the picosrs extension `grace`, float seconds, default 5s: how
	// long HTTP viewers stay attached after the publisher leaves, waiting for
	// a republish; 0 ends them at once. Env SRS_VHOST_HTTP_REMUX_GRACE.
	Grace time.Duration
}

// Play is the `play` block.
type Play struct {
	// GopCache is `gop_cache`, default on; env SRS_VHOST_PLAY_GOP_CACHE.
	GopCache bool
	// GopCacheMaxFrames is `gop_cache_max_frames`, default 2500; env SRS_VHOST_PLAY_GOP_CACHE_MAX_FRAMES.
	GopCacheMaxFrames int
	// QueueLength is `queue_length`, whole seconds (atoi), default 30s; env SRS_VHOST_PLAY_QUEUE_LENGTH.
	QueueLength time.Duration
	// TimeJitter is `time_jitter`: "full" (default), "zero" or "off"; any
	// other value reads as "off", as in SRS. Env SRS_VHOST_PLAY_TIME_JITTER.
	TimeJitter string
	// MwLatency is `mw_latency`, whole milliseconds, default 350ms; env
	// SRS_VHOST_PLAY_MW_LATENCY. As in SRS, min_latency does not change it.
	MwLatency time.Duration
	// MwMsgs is `mw_msgs`, default 8, or 0 when min_latency is on (SRS's
	// realtime mode); capped at 128. Env SRS_VHOST_PLAY_MW_MSGS.
	MwMsgs int
}

// Publish is the `publish` block.
type Publish struct {
	// FirstPktTimeout is `firstpkt_timeout`, whole ms, default 20000ms; env SRS_VHOST_PUBLISH_FIRSTPKT_TIMEOUT.
	FirstPktTimeout time.Duration
	// NormalTimeout is `normal_timeout`, whole ms, default 5000ms; env SRS_VHOST_PUBLISH_NORMAL_TIMEOUT.
	NormalTimeout time.Duration
}

// Cluster is the `cluster` block (no environment overrides in SRS).
type Cluster struct {
	// Mode is "remote" (edge) when `mode` is exactly remote, else "local" (default).
	Mode string
	// Origins holds the `origin` arguments as RTMP host:port; a missing
	// port is 1935. Used when the edge pulls over RTMP.
	Origins []string
	// HTTPOrigins holds the same `origin` arguments as host:port for an
	// HTTP-FLV pull (Protocol "flv", or FollowClient with an HTTP-FLV
	// player); a missing port is 80, as in SRS (SrsEdgeFlvUpstream uses
	// SRS_DEFAULT_HTTP_PORT).
	HTTPOrigins []string
	// HTTPSOrigins holds the same `origin` arguments as host:port for an
	// HTTPS-FLV pull (Protocol "flvs"); a missing port is 443, as in SRS
	// (SRS_DEFAULT_HTTPS_PORT).
	HTTPSOrigins []string
	// Vhost is `vhost`, the vhost to ask the origin for, default "[vhost]" (the same).
	Vhost string
	// TokenTraverse is `token_traverse`, default off.
	TokenTraverse bool
	// Protocol is `protocol`, how an edge pulls from the origin: "rtmp"
	// (default; Origins), "flv" (HTTP-FLV; HTTPOrigins) or "flvs"
	// (HTTPS-FLV; HTTPSOrigins). Anything else is refused.
	Protocol string
	// FollowClient is `follow_client`, default off: the edge pulls with the
	// player's protocol (RTMP for an RTMP player, flv for an HTTP-FLV
	// player, flvs for HTTPS-FLV) instead of Protocol, so that a signature
	// in the player's query string reaches the origin unchanged.
	FollowClient bool
	// OriginCluster is `origin_cluster`, default off: this origin (mode
	// local) asks its Coworkers for a stream it does not have, and
	// redirects the player (RTMP 302, or HTTP 302) to the one that has it.
	OriginCluster bool
	// Coworkers is `coworkers`, the other origins' HTTP API addresses as
	// written ("host:port", the http_api port), in order. Default none.
	Coworkers []string
}

// Forward is the `forward` block (SRS 1's `forward a b;` is rewritten to it).
type Forward struct {
	Enabled      bool     // `enabled`, default off; env SRS_VHOST_FORWARD_ENABLED
	Destinations []string // `destination` arguments as written, host[:port]
}

// HTTPStatic is the `http_static` block (SRS 1's vhost `http`).
type HTTPStatic struct {
	Enabled bool   // `enabled`, default off; env SRS_VHOST_HTTP_STATIC_ENABLED
	Mount   string // `mount`, default "[vhost]/"; env SRS_VHOST_HTTP_STATIC_MOUNT
	Dir     string // `dir`, default "./objs/nginx/html"; env SRS_VHOST_HTTP_STATIC_DIR
}

// Security is the `security` block (no environment overrides in SRS).
type Security struct {
	Enabled bool           // `enabled`, default off
	Rules   []SecurityRule // `allow`/`deny` directives in file order
}

// SecurityRule is one `allow|deny publish|play all|IP|CIDR;` directive.
type SecurityRule struct {
	Allow  bool   // true for allow, false for deny
	Action string // "publish" or "play"
	Target string // "all", an IP address or a CIDR
}

// Vhost returns the vhost named name, or nil.
func (c *Config) Vhost(name string) *Vhost {
	for _, v := range c.Vhosts {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// Resolve returns the vhost named name, falling back to DefaultVhost as SRS's
// get_vhost does; nil when neither exists.
func (c *Config) Resolve(name string) *Vhost {
	if v := c.Vhost(name); v != nil {
		return v
	}
	return c.Vhost(DefaultVhost)
}

//go:embed default.conf
var defaultConf string

// Default returns the configuration picosrs runs with when given no file:
// the embedded default.conf (RTMP on 1935, HTTP on 8080, the default vhost
// serving .flv, .ts, .mp3 and .aac).
func Default() *Config {
	root, err := ParseString(defaultConf, "default.conf")
	if err != nil {
		panic("conf: embedded default.conf: " + err.Error())
	}
	c, _, err := FromDirective(root, nil)
	if err != nil {
		panic("conf: embedded default.conf: " + err.Error())
	}
	return c
}

// DefaultText returns the text of the embedded default configuration.
func DefaultText() string { return defaultConf }

// Load reads the configuration file at path, applies SRS's legacy rewrites,
// whitelist and SRS_* environment overrides, and validates the result. env
// looks up environment variables (pass os.LookupEnv; nil means none). As in
// SRS, SRS_CONFIG_FILE replaces path, and SRS_ENV_ONLY (set to any value)
// switches to LoadEnvOnly.
func Load(path string, env func(string) (string, bool)) (*Config, []Warning, error) {
	e := &environ{lookup: env}
	if envOnly(e) {
		return LoadEnvOnly(env)
	}
	if v, ok := e.raw("SRS_CONFIG_FILE"); ok {
		path = v
	}
	root, err := ParseFile(path)
	if err != nil {
		return nil, nil, err
	}
	return FromDirective(root, env)
}

func envOnly(e *environ) bool {
	if e == nil || e.lookup == nil {
		return false
	}
	_, ok := e.lookup("SRS_ENV_ONLY") // SRS checks getenv() != NULL: any value
	return ok
}

// LoadEnvOnly builds a configuration from SRS defaults and the environment
// alone, as SRS's -e flag: RTMP listen 1935 and one vhost __defaultVhost__,
// with every SRS_* override applied.
func LoadEnvOnly(env func(string) (string, bool)) (*Config, []Warning, error) {
	root := &Directive{File: "(env)", Children: []*Directive{
		{Name: "listen", Args: []string{"1935"}, File: "(env)"},
		{Name: "vhost", Args: []string{DefaultVhost}, File: "(env)"},
	}}
	return FromDirective(root, env)
}

// FromDirective builds a Config from a parsed tree: it applies Transform to a
// copy (root is not modified), checks SRS's whitelist, warns about what
// picosrs ignores, applies environment overrides and validates the result.
func FromDirective(root *Directive, env func(string) (string, bool)) (*Config, []Warning, error) {
	root = root.Clone()
	Transform(root)
	b := &builder{env: &environ{lookup: env}}
	if err := check(root, b.env, &b.w); err != nil {
		return nil, b.w.list, err
	}
	c := b.config(root)
	v := &validator{src: b.src}
	for _, e := range b.errs {
		v.at(e.vhost, e.path, "%s", e.msg)
	}
	if err := c.validate(v); err != nil {
		return nil, b.w.list, err
	}
	return c, b.w.list, nil
}

// builder reads typed values out of a transformed tree, SRS getter style.
type builder struct {
	env       *environ
	w         warnings
	src       sources    // where each value came from, for validation errors
	vhostName string     // the vhost being read, "" outside vhosts
	errs      []fieldErr // values that do not parse
}

func (b *builder) boolean(path string, d *Directive, def bool) bool {
	b.note(path, d)
	if _, ok := b.env.get(path); !ok && d != nil {
		if v := d.Arg0(); v != "" && v != "on" && v != "off" {
			want := map[bool]string{false: "off", true: "on"}[!def]
			b.w.add("bool."+path, d, "%s %q is neither on nor off; read as %s, as SRS does", path, v, want)
		}
	}
	return envBool(b.env, path, d, def)
}

func (b *builder) str(path string, d *Directive, def string) string {
	v, _, ok := b.value(path, d)
	if !ok {
		return def
	}
	return v
}

func (b *builder) list(path string, d *Directive, def []string) []string {
	if v, ok := b.env.get(path); ok {
		b.note(path, nil)
		return strings.Fields(v)
	}
	if d != nil && len(d.Args) > 0 {
		b.note(path, d)
		return copyArgs(d.Args)
	}
	return def
}

// value returns the env override or arg0, and whether there is one, and
// notes where it came from.
func (b *builder) value(path string, d *Directive) (string, *Directive, bool) {
	if v, ok := b.env.get(path); ok {
		b.note(path, nil)
		return v, nil, true
	}
	if v := d.Arg0(); v != "" {
		b.note(path, d)
		return v, d, true
	}
	return "", nil, false
}

func (b *builder) integer(path string, d *Directive, def int) int {
	v, from, ok := b.value(path, d)
	if !ok {
		return def
	}
	n, clean := atoiClean(v)
	if !clean {
		b.w.add("num."+path, from, "%s %q is not an integer; read as %d, as SRS does", path, v, n)
	}
	return n
}

func (b *builder) float(path string, d *Directive, def float64) float64 {
	v, from, ok := b.value(path, d)
	if !ok {
		return def
	}
	f, clean := atofClean(v)
	if !clean {
		b.w.add("num."+path, from, "%s %q is not a number; read as %g, as SRS does", path, v, f)
	}
	return f
}

func (b *builder) config(root *Directive) *Config {
	c := &Config{}
	rtmp := root.Get("rtmp")
	c.Listen = b.list("listen", rtmp.Get("listen"), nil)
	c.MaxConnections = b.integer("max_connections", root.Get("max_connections"), 1000)
	if _, ok := b.env.get("vhost.chunk_size"); ok {
		c.ChunkSize = b.integer("vhost.chunk_size", nil, 60000)
	} else {
		c.ChunkSize = b.integer("chunk_size", rtmp.Get("chunk_size"), 60000)
	}
	c.LogLevel = b.logStr("level", root, "trace")
	c.LogFile = b.logStr("file", root, "./objs/srs.log")
	c.LogTank = b.logStr("tank", root, "console")
	c.WriteTimeout = seconds(b.float("write_timeout", root.Get("write_timeout"), 30))
	c.MemoryLimit = b.size("memory_limit", root.Get("memory_limit"), 0)

	hs := root.Get("http_server")
	serverListens := b.list("http_server.listen", hs.Get("listen"), []string{"8080"})
	c.HTTPServer = HTTPServer{
		Enabled:     b.boolean("http_server.enabled", hs.Get("enabled"), false),
		Listen:      first(serverListens, "8080"),
		Dir:         b.str("http_server.dir", hs.Get("dir"), "./objs/nginx/html"),
		Crossdomain: b.boolean("http_server.crossdomain", hs.Get("crossdomain"), true),
		HTTPS:       b.https("http_server.https", hs.Get("https"), "8088"),
		MpegtsJS:    b.str("http_server.mpegts_js", hs.Get("mpegts_js"), DefaultMpegtsJS),
		HLSJS:       b.str("http_server.hls_js", hs.Get("hls_js"), DefaultHLSJS),
	}
	api := root.Get("http_api")
	auth := api.Get("auth")
	apiListens := b.list("http_api.listen", api.Get("listen"), []string{"1985"})
	c.HTTPAPI = HTTPAPI{
		Enabled:     b.boolean("http_api.enabled", api.Get("enabled"), false),
		Listen:      first(apiListens, "1985"),
		Crossdomain: b.boolean("http_api.crossdomain", api.Get("crossdomain"), true),
		Auth: HTTPAPIAuth{
			Enabled:  b.boolean("http_api.auth.enabled", auth.Get("enabled"), false),
			Username: b.str("http_api.auth.username", auth.Get("username"), ""),
			Password: b.str("http_api.auth.password", auth.Get("password"), ""),
		},
		HTTPS: b.https("http_api.https", api.Get("https"), "1990"),
	}
	// SRS get_https_api_listens: an API sharing the HTTP server's port
	// shares its HTTPS port too, unless the environment says otherwise.
	if _, ok := b.env.get("http_api.https.listen"); !ok && equalStrings(apiListens, serverListens) {
		if d := api.Get("https").Get("listen"); d != nil && d.Arg0() != c.HTTPServer.HTTPS.Listen {
			b.w.add("http_api.https.listen", d, "http_api.https.listen %s ignored: http_api shares http_server's "+
				"listen, so the HTTPS API shares http_server.https.listen %s, as in SRS", d.Arg0(), c.HTTPServer.HTTPS.Listen)
		}
		c.HTTPAPI.HTTPS.Listen = c.HTTPServer.HTTPS.Listen
		if s, ok := b.src[srcKey("", "http_server.https.listen")]; ok {
			b.src[srcKey("", "http_api.https.listen")] = s
		}
	}
	ex := root.Get("exporter")
	c.Exporter = Exporter{
		Enabled: b.boolean("exporter.enabled", ex.Get("enabled"), false),
		Listen:  b.str("exporter.listen", ex.Get("listen"), "9972"),
		Label:   b.str("exporter.label", ex.Get("label"), ""),
		Tag:     b.str("exporter.tag", ex.Get("tag"), ""),
	}

	names := map[string]bool{}
	for _, d := range root.Children {
		if d.Name != "vhost" {
			continue
		}
		if names[d.Arg0()] {
			b.w.add("dupvhost."+d.Arg0(), d, "duplicate vhost %s ignored: the first one wins", d.Arg0())
			continue
		}
		names[d.Arg0()] = true
		c.Vhosts = append(c.Vhosts, b.vhost(d, c.ChunkSize))
	}
	return c
}

// logStr reads srs_log_X, whose env override is SRS_SRS_LOG_X or SRS_LOG_X.
func (b *builder) logStr(x string, root *Directive, def string) string {
	if v, ok := b.env.get("log_" + x); ok {
		if _, ok2 := b.env.get("srs_log_" + x); !ok2 {
			return v
		}
	}
	return b.str("srs_log_"+x, root.Get("srs_log_"+x), def)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func first(l []string, def string) string {
	if len(l) == 0 {
		return def
	}
	return l[0]
}

func (b *builder) vhost(d *Directive, globalChunk int) *Vhost {
	v := &Vhost{Name: d.Arg0()}
	b.vhostName = v.Name
	defer func() { b.vhostName = "" }()
	v.Enabled = boolOf(d.Get("enabled"), true, b, "vhost.enabled")
	v.ChunkSize = b.integer("vhost.chunk_size", d.Get("chunk_size"), globalChunk)
	v.MinLatency = b.boolean("vhost.min_latency", d.Get("min_latency"), false)
	v.TCPNodelay = b.boolean("vhost.tcp_nodelay", d.Get("tcp_nodelay"), false)

	r := d.Get("http_remux")
	v.HTTPRemux = HTTPRemux{
		Enabled:        b.boolean("vhost.http_remux.enabled", r.Get("enabled"), false),
		Mounts:         b.list("vhost.http_remux.mount", r.Get("mount"), []string{"[vhost]/[app]/[stream].flv"}),
		FastCache:      seconds(b.float("vhost.http_remux.fast_cache", r.Get("fast_cache"), 0)),
		DropIfNotMatch: b.boolean("vhost.http_remux.drop_if_not_match", r.Get("drop_if_not_match"), true),
		HasAudio:       b.boolean("vhost.http_remux.has_audio", r.Get("has_audio"), true),
		HasVideo:       b.boolean("vhost.http_remux.has_video", r.Get("has_video"), true),
		GuessHasAV:     b.boolean("vhost.http_remux.guess_has_av", r.Get("guess_has_av"), true),
		Grace:          seconds(b.float("vhost.http_remux.grace", r.Get("grace"), 5)),
	}

	p := d.Get("play")
	mwMsgs := 8
	if v.MinLatency {
		mwMsgs = 0
	}
	v.Play = Play{
		GopCache:          b.boolean("vhost.play.gop_cache", p.Get("gop_cache"), true),
		GopCacheMaxFrames: b.integer("vhost.play.gop_cache_max_frames", p.Get("gop_cache_max_frames"), 2500),
		QueueLength:       time.Duration(b.integer("vhost.play.queue_length", p.Get("queue_length"), 30)) * time.Second,
		TimeJitter:        jitter(b.str("vhost.play.time_jitter", p.Get("time_jitter"), "full")),
		MwLatency:         time.Duration(b.integer("vhost.play.mw_latency", p.Get("mw_latency"), 350)) * time.Millisecond,
		MwMsgs:            min(b.integer("vhost.play.mw_msgs", p.Get("mw_msgs"), mwMsgs), 128),
	}

	pub := d.Get("publish")
	v.Publish = Publish{
		FirstPktTimeout: time.Duration(b.integer("vhost.publish.firstpkt_timeout", pub.Get("firstpkt_timeout"), 20000)) * time.Millisecond,
		NormalTimeout:   time.Duration(b.integer("vhost.publish.normal_timeout", pub.Get("normal_timeout"), 5000)) * time.Millisecond,
	}

	cl := d.Get("cluster")
	v.Cluster = Cluster{Mode: "local", Vhost: "[vhost]"}
	if cl.Get("mode").Arg0() == "remote" {
		v.Cluster.Mode = "remote"
	}
	for _, o := range argsOf(cl.Get("origin")) {
		v.Cluster.Origins = append(v.Cluster.Origins, withPort(o, "1935"))
		v.Cluster.HTTPOrigins = append(v.Cluster.HTTPOrigins, withPort(o, "80"))
		v.Cluster.HTTPSOrigins = append(v.Cluster.HTTPSOrigins, withPort(o, "443"))
	}
	if s := cl.Get("vhost").Arg0(); s != "" {
		v.Cluster.Vhost = s
	}
	v.Cluster.TokenTraverse = boolOf(cl.Get("token_traverse"), false, b, "vhost.cluster.token_traverse")
	v.Cluster.Protocol = "rtmp"
	if p := cl.Get("protocol"); p.Arg0() != "" {
		v.Cluster.Protocol = p.Arg0()
		b.noteBlock("vhost.cluster.protocol", p)
	}
	v.Cluster.FollowClient = boolOf(cl.Get("follow_client"), false, b, "vhost.cluster.follow_client")
	v.Cluster.OriginCluster = boolOf(cl.Get("origin_cluster"), false, b, "vhost.cluster.origin_cluster")
	v.Cluster.Coworkers = copyArgs(argsOf(cl.Get("coworkers")))

	f := d.Get("forward")
	v.Forward = Forward{
		Enabled:      b.boolean("vhost.forward.enabled", f.Get("enabled"), false),
		Destinations: copyArgs(argsOf(f.Get("destination"))),
	}

	s := d.Get("http_static")
	v.HTTPStatic = HTTPStatic{
		Enabled: b.boolean("vhost.http_static.enabled", s.Get("enabled"), false),
		Mount:   b.str("vhost.http_static.mount", s.Get("mount"), "[vhost]/"),
		Dir:     b.str("vhost.http_static.dir", s.Get("dir"), "./objs/nginx/html"),
	}

	sec := d.Get("security")
	v.Security.Enabled = boolOf(sec.Get("enabled"), false, b, "vhost.security.enabled")
	if sec != nil {
		for _, r := range sec.Children {
			if r.Name != "allow" && r.Name != "deny" {
				continue
			}
			rule := SecurityRule{Allow: r.Name == "allow", Action: r.Arg0()}
			if len(r.Args) > 1 {
				rule.Target = r.Args[1]
			}
			v.Security.Rules = append(v.Security.Rules, rule)
		}
	}

	v.HLS = b.hls(d.Get("hls"))
	v.HTTPHooks = b.httpHooks(d.Get("http_hooks"))
	v.SecureLink = b.secureLink(d.Get("secure_link"))
	return v
}

func argsOf(d *Directive) []string {
	if d == nil {
		return nil
	}
	return d.Args
}

// boolOf reads a boolean that has no environment override in SRS.
func boolOf(d *Directive, def bool, b *builder, path string) bool {
	saved := b.env
	b.env = nil
	defer func() { b.env = saved }()
	return b.boolean(path, d, def)
}

// jitter maps time_jitter as srs_time_jitter_string2int does.
func jitter(s string) string {
	switch s {
	case "full", "zero":
		return s
	}
	return "off"
}

// withPort appends the default port to a host without one.
func withPort(hostport, port string) string {
	if _, _, err := net.SplitHostPort(hostport); err == nil {
		return hostport
	}
	return net.JoinHostPort(strings.Trim(hostport, "[]"), port)
}

// Validate checks the values picosrs cannot run with, and loads the key
// pair of each enabled HTTPS block into its Certificate. Messages name the
// directive and, inside a vhost, the vhost, for example
// "vhost __defaultVhost__: play.queue_length must be > 0". All problems are
// reported, joined. Load and FromDirective run the same checks; where a
// check names the directive path it is about (the newer ones do), they
// prefix its message with the FILE:LINE of the directive that set the value
// (the error is then a *ParseError), or end it with "(from SRS_...)" when an
// environment variable set it.
func (c *Config) Validate() error {
	return c.validate(&validator{})
}

func (c *Config) validate(val *validator) error {
	add := val.plain
	if len(c.Listen) == 0 {
		add("listen: no RTMP listen address (a config fragment?)")
	}
	for _, l := range c.Listen {
		if !validEndpoint(l) {
			add("listen: invalid address %q, want [ip:]port", l)
		}
	}
	if c.MaxConnections <= 0 {
		add("max_connections must be > 0, got %d", c.MaxConnections)
	}
	if c.ChunkSize < 128 || c.ChunkSize > 65536 {
		add("chunk_size must be in [128, 65536], got %d", c.ChunkSize)
	}
	if c.HTTPServer.Enabled && !validEndpoint(c.HTTPServer.Listen) {
		add("http_server.listen: invalid address %q, want [ip:]port", c.HTTPServer.Listen)
	}
	if c.HTTPAPI.Enabled && !validEndpoint(c.HTTPAPI.Listen) {
		add("http_api.listen: invalid address %q, want [ip:]port", c.HTTPAPI.Listen)
	}
	if c.Exporter.Enabled && !validEndpoint(c.Exporter.Listen) {
		add("exporter.listen: invalid address %q, want [ip:]port", c.Exporter.Listen)
	}
	if c.WriteTimeout <= 0 {
		val.at("", "write_timeout", "write_timeout must be > 0")
	}
	if c.MemoryLimit < 0 {
		val.at("", "memory_limit", "memory_limit must be >= 0")
	}
	if !scriptURL(c.HTTPServer.MpegtsJS) {
		val.at("", "http_server.mpegts_js", "http_server.mpegts_js %q: want an http(s) URL or a path, without spaces, quotes or <>", c.HTTPServer.MpegtsJS)
	}
	if !scriptURL(c.HTTPServer.HLSJS) {
		val.at("", "http_server.hls_js", "http_server.hls_js %q: want an http(s) URL or a path, without spaces, quotes or <>", c.HTTPServer.HLSJS)
	}
	c.HTTPServer.HTTPS.validate(val, "http_server.https")
	c.HTTPAPI.HTTPS.validate(val, "http_api.https")
	seen := map[string]bool{}
	for _, v := range c.Vhosts {
		vadd := func(format string, a ...any) {
			val.plain("vhost %s: "+format, append([]any{v.Name}, a...)...)
		}
		if v.Name == "" {
			add("vhost without a name")
		}
		if seen[v.Name] {
			vadd("defined twice")
		}
		seen[v.Name] = true
		if v.ChunkSize < 128 || v.ChunkSize > 65536 {
			vadd("chunk_size must be in [128, 65536], got %d", v.ChunkSize)
		}
		r := v.HTTPRemux
		if r.Enabled && len(r.Mounts) == 0 {
			vadd("http_remux.mount: no mount")
		}
		if r.Enabled {
			for _, m := range r.Mounts {
				switch path.Ext(m) {
				case ".flv", ".ts", ".mp3", ".aac":
				default:
					vadd("http_remux.mount %q: unsupported extension, want .flv, .ts, .mp3 or .aac", m)
				}
			}
		}
		if r.FastCache < 0 {
			vadd("http_remux.fast_cache must be >= 0")
		}
		if r.Grace < 0 {
			vadd("http_remux.grace must be >= 0")
		}
		p := v.Play
		if p.QueueLength <= 0 {
			vadd("play.queue_length must be > 0")
		}
		if p.GopCacheMaxFrames < 0 {
			vadd("play.gop_cache_max_frames must be >= 0")
		}
		if p.MwLatency < 0 {
			vadd("play.mw_latency must be >= 0")
		}
		if p.MwMsgs < 0 || p.MwMsgs > 128 {
			vadd("play.mw_msgs must be in [0, 128]")
		}
		switch p.TimeJitter {
		case "full", "zero", "off":
		default:
			vadd("play.time_jitter must be full, zero or off, got %q", p.TimeJitter)
		}
		if v.Publish.FirstPktTimeout <= 0 {
			vadd("publish.firstpkt_timeout must be > 0")
		}
		if v.Publish.NormalTimeout <= 0 {
			vadd("publish.normal_timeout must be > 0")
		}
		switch v.Cluster.Mode {
		case "local":
		case "remote":
			if len(v.Cluster.Origins) == 0 {
				vadd("cluster.origin is required with cluster.mode remote")
			}
		default:
			vadd("cluster.mode must be local or remote, got %q", v.Cluster.Mode)
		}
		for _, o := range v.Cluster.Origins {
			if _, _, err := net.SplitHostPort(o); err != nil {
				vadd("cluster.origin %q: %v", o, err)
			}
		}
		for _, rule := range v.Security.Rules {
			kind := map[bool]string{true: "allow", false: "deny"}[rule.Allow]
			if rule.Action != "publish" && rule.Action != "play" {
				vadd("security.%s: action must be publish or play, got %q", kind, rule.Action)
			}
			if !validTarget(rule.Target) {
				vadd("security.%s %s: target must be all, an IP or a CIDR, got %q", kind, rule.Action, rule.Target)
			}
		}
		if !isOneOf(v.Cluster.Protocol, "rtmp", "flv", "flvs") {
			val.at(v.Name, "cluster.protocol", "cluster.protocol must be rtmp, flv or flvs, got %q", v.Cluster.Protocol)
		}
		v.HLS.validate(val, v.Name)
		v.HTTPHooks.validate(val, v.Name)
		v.SecureLink.validate(val, v.Name)
	}
	return val.err()
}

// scriptURL reports whether s can go into the player page's <script src>:
// an absolute http(s) URL with a host, or a path (with no scheme), and no
// character that could end the attribute.
func scriptURL(s string) bool {
	if s == "" || strings.ContainsAny(s, " \t\r\n\"'<>`\\") {
		return false
	}
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "":
		return u.Host == "" || strings.HasPrefix(s, "//")
	case "http", "https":
		return u.Host != ""
	}
	return false
}

func validTarget(t string) bool {
	if t == "all" || net.ParseIP(t) != nil {
		return true
	}
	_, _, err := net.ParseCIDR(t)
	return err == nil
}
