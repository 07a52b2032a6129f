// Command picosrs is a live-streaming server: RTMP in, HTTP-FLV, HTTP-TS,
// HTTP-MP3 and HTTP-AAC out, configured with SRS's configuration files.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/picosrs/picosrs/api"
	"github.com/picosrs/picosrs/conf"
	"github.com/picosrs/picosrs/httpd"
	"github.com/picosrs/picosrs/internal/connlimit"
	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/internal/tlsconn"
	"github.com/picosrs/picosrs/live"
)

// version is stamped by the Makefile (-X main.version=...).
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("picosrs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("c", "", "configuration `file` in SRS syntax (default: the embedded configuration)")
	test := fs.Bool("t", false, "test the configuration and exit")
	envOnly := fs.Bool("e", false, "configure from SRS_* environment variables only (SRS's env-only mode)")
	showVersion := fs.Bool("v", false, "print the version and exit")
	fs.BoolVar(showVersion, "version", false, "print the version and exit")
	sign := addSignFlags(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *showVersion {
		fmt.Fprintln(os.Stdout, version)
		return 0
	}

	cfg, warnings, err := loadConfig(*file, *envOnly)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	for _, w := range warnings {
		fmt.Fprintln(stderr, "warning:", w)
	}
	if sign.on {
		return runSign(cfg, sign, time.Now(), os.Stdout, stderr)
	}
	if *test {
		name := *file
		if name == "" {
			name = "(embedded default)"
		}
		fmt.Fprintf(stderr, "the configuration file %s syntax is ok\n", name)
		return 0
	}

	logger, closeLog, err := newLogger(cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer closeLog()
	return serve(cfg, *file, *envOnly, logger)
}

// loadConfig reads the configuration the command line asks for: a file, the
// environment alone (-e, or SRS_ENV_ONLY), or the embedded default; SRS_*
// environment overrides apply to each.
func loadConfig(file string, envOnly bool) (*conf.Config, []conf.Warning, error) {
	env := os.LookupEnv
	if envOnly {
		return conf.LoadEnvOnly(env)
	}
	if file == "" {
		if v, ok := env("SRS_CONFIG_FILE"); ok && v != "" {
			file = v
		}
	}
	if file == "" {
		if _, ok := env("SRS_ENV_ONLY"); ok {
			return conf.LoadEnvOnly(env)
		}
		root, err := conf.ParseString(conf.DefaultText(), "default.conf")
		if err != nil {
			return nil, nil, err
		}
		return conf.FromDirective(root, env)
	}
	return conf.Load(file, env)
}

func newLogger(cfg *conf.Config, stderr io.Writer) (*textlog.Logger, func(), error) {
	var level textlog.Level
	switch strings.ToLower(cfg.LogLevel) {
	case "verbose", "debug":
		level = textlog.LevelDebug
	case "warn":
		level = textlog.LevelWarn
	case "error":
		level = textlog.LevelError
	default: // trace, info
		level = textlog.LevelInfo
	}
	out, closer := stderr, func() {}
	if cfg.LogTank == "file" && cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("open log file: %w", err)
		}
		out, closer = f, func() { f.Close() }
	}
	return textlog.New(out, level), closer, nil
}

// serve runs the server until SIGTERM or SIGINT; SIGHUP reloads the file.
func serve(cfg *conf.Config, file string, envOnly bool, log *textlog.Logger) int {
	applyMemoryLimit(cfg, log)
	srv := live.NewServer(liveConfig(cfg, log))
	web := httpd.New(srv, httpConfig(cfg, log))
	// Every connection on every port counts against max_connections from
	// accept to close.
	conns := &connlimit.Limiter{}
	conns.SetMax(cfg.MaxConnections)
	stats := api.New(srv, conns.Open, hostPort(cfg.HTTPAPI.Listen), apiConfig(cfg, log))
	srv.SetHookIDs(live.HookIDs{ServerID: stats.ServerID(), ServiceID: stats.ServiceID(), StreamID: api.StreamID})
	errc := make(chan error, 4)
	var servers []*http.Server

	for _, addr := range cfg.Listen {
		ln, err := net.Listen("tcp", hostPort(addr))
		if err != nil {
			log.Error("rtmp listen", "addr", addr, "err", err)
			return 1
		}
		log.Info("rtmp listening", "addr", ln.Addr().String())
		ln = conns.Listen(ln, refuser("rtmp", log, nil))
		go func() { errc <- srv.ServeRTMP(ln) }()
	}
	// http_server, http_api and the exporter: one HTTP server per distinct
	// address, each serving what listens there (SRS lets the API share
	// http_server's port).
	for _, p := range httpPorts(cfg) {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			log.Error("http listen", "addr", p.addr, "err", err)
			return 1
		}
		log.Info("http listening", "addr", ln.Addr().String(), "streams", p.streams, "api", p.api, "metrics", p.metrics)
		ln = conns.Listen(ln, refuser("http", log, connlimit.RefuseHTTP))
		var h http.Handler = http.NotFoundHandler()
		if p.streams {
			h = web
		}
		if p.api || p.metrics {
			h = stats.Handler(p.api, p.metrics, h)
		}
		hs := newHTTPServer(h, log)
		if !p.streams {
			// API answers are small: the whole answer goes within the timeout
			// (live viewers and static files move their own deadline).
			hs.WriteTimeout = cfg.WriteTimeout
		}
		servers = append(servers, hs)
		go func() { errc <- hs.Serve(ln) }()
	}
	certs := &certStore{}
	tlsServers, err := listenHTTPS(cfg, certs, conns, web, stats, log, errc)
	if err != nil {
		log.Error("https listen", "err", err)
		return 1
	}
	servers = append(servers, tlsServers...)
	if cfg.HTTPAPI.Enabled || cfg.Exporter.Enabled {
		stats.Start()
		defer stats.Stop()
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				if envOnly || file == "" {
					log.Info("reload: nothing to reload (no configuration file)")
					continue
				}
				ncfg, warnings, err := conf.Load(file, os.LookupEnv)
				if err != nil {
					log.Error("reload refused, the running configuration stays", "err", err)
					continue
				}
				for _, w := range warnings {
					log.Warn("config", "warning", w.String())
				}
				srv.Reload(liveConfig(ncfg, log))
				web.Reload(httpConfig(ncfg, log))
				stats.Reload(apiConfig(ncfg, log))
				certs.store(ncfg)
				conns.SetMax(ncfg.MaxConnections)
				applyMemoryLimit(ncfg, log)
				log.Info("reload done", "file", file)
				continue
			}
			log.Info("shutting down", "signal", sig.String())
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			for _, hs := range servers {
				go hs.Shutdown(ctx)
			}
			err := srv.Shutdown(ctx)
			cancel()
			if err != nil {
				log.Warn("shutdown", "err", err)
			}
			return 0
		case err := <-errc:
			if err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) {
				log.Error("listener stopped", "err", err)
				return 1
			}
		}
	}
}

// applyMemoryLimit sets the Go runtime's soft memory limit from
// memory_limit (SRS_MEMORY_LIMIT): the garbage collector works harder as the
// heap nears it, which keeps a router's picosrs inside its share of RAM.
// Without it, GOMEMLIMIT (which the runtime reads itself) applies, or no
// limit.
func applyMemoryLimit(cfg *conf.Config, log *textlog.Logger) {
	limit := cfg.MemoryLimit
	if limit <= 0 {
		if os.Getenv("GOMEMLIMIT") != "" {
			return // the runtime's own setting from the environment stays
		}
		limit = math.MaxInt64
	}
	if prev := debug.SetMemoryLimit(limit); prev != limit && limit != math.MaxInt64 {
		log.Info("memory limit", "bytes", limit)
	}
}

// httpPort is one HTTP address and what it serves.
type httpPort struct {
	addr                  string
	streams, api, metrics bool
}

// httpPorts lists the distinct HTTP addresses of http_server, http_api and
// the exporter, in that order, with what each serves.
func httpPorts(cfg *conf.Config) []httpPort {
	var ports []httpPort
	add := func(listen string, set func(*httpPort)) {
		addr := hostPort(listen)
		for i := range ports {
			if ports[i].addr == addr {
				set(&ports[i])
				return
			}
		}
		ports = append(ports, httpPort{addr: addr})
		set(&ports[len(ports)-1])
	}
	if cfg.HTTPServer.Enabled {
		add(cfg.HTTPServer.Listen, func(p *httpPort) { p.streams = true })
	}
	if cfg.HTTPAPI.Enabled {
		add(cfg.HTTPAPI.Listen, func(p *httpPort) { p.api = true })
	}
	if cfg.Exporter.Enabled {
		add(cfg.Exporter.Listen, func(p *httpPort) { p.metrics = true })
	}
	return ports
}

// httpIdleTimeout closes a keep-alive connection that sends no new request,
// and httpRecvTimeout bounds reading a request: SRS's HTTP receive timeout
// (SRS_HTTP_RECV_TIMEOUT, 15 s) for both.
const (
	httpRecvTimeout = 15 * time.Second
	httpIdleTimeout = 15 * time.Second
)

// newHTTPServer returns an http.Server for h with picosrs's limits: request
// headers within httpRecvTimeout and 32 KiB (larger ones get 431), idle
// keep-alive connections closed after httpIdleTimeout.
func newHTTPServer(h http.Handler, log *textlog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: httpRecvTimeout,
		ReadTimeout:       httpRecvTimeout,
		IdleTimeout:       httpIdleTimeout,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          log.StdLogger(textlog.LevelDebug),
	}
}

// refuser returns what is done with a connection refused because
// max_connections is reached: then(c) (or a plain close), and a warning
// logged at most every 10 s with how many were refused, never one per
// connection.
func refuser(what string, log *textlog.Logger, then func(net.Conn)) func(net.Conn) {
	var mu sync.Mutex
	var last time.Time
	var n int
	return func(c net.Conn) {
		mu.Lock()
		n++
		if now := time.Now(); now.Sub(last) >= 10*time.Second {
			log.Warn("connections refused: max_connections reached", "listener", what, "refused", n, "last_remote", c.RemoteAddr().String())
			last, n = now, 0
		}
		mu.Unlock()
		if then != nil {
			then(c)
			return
		}
		c.Close()
	}
}

// hostPort turns SRS's "[ip:]port" into a Go listen address.
func hostPort(s string) string {
	if !strings.Contains(s, ":") {
		return ":" + s
	}
	return s
}

// The -sign mode.

// signFlags are the flags of `picosrs -sign`, which prints the signed URLs
// of a stream for its vhost's secure_link.
type signFlags struct {
	on                       bool
	vhost, app, stream, host string
	ip                       string
	expires                  time.Duration
}

func addSignFlags(fs *flag.FlagSet) *signFlags {
	f := &signFlags{}
	fs.BoolVar(&f.on, "sign", false, "print the signed URLs of -app/-stream on -vhost (secure_link) and exit")
	fs.StringVar(&f.vhost, "vhost", live.DefaultVhost, "with -sign: the vhost")
	fs.StringVar(&f.app, "app", "live", "with -sign: the app")
	fs.StringVar(&f.stream, "stream", "", "with -sign: the stream name")
	fs.DurationVar(&f.expires, "expires", time.Hour, "with -sign: how long the URLs stay good")
	fs.StringVar(&f.ip, "ip", "", "with -sign: the client IP the URLs are for (needed with secure_link.bind_ip)")
	fs.StringVar(&f.host, "host", "127.0.0.1", "with -sign: the host name in the printed URLs")
	return f
}

// runSign prints, one per line, the RTMP URL and the HTTP URL of each of
// the vhost's mounts for f's stream, signed with the vhost's secure_link
// secret: the vhost is resolved as the server resolves a client's (its
// name, else the default vhost), so the URLs work as printed.
func runSign(cfg *conf.Config, f *signFlags, now time.Time, out, stderr io.Writer) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "picosrs -sign: "+format+"\n", args...)
		return 1
	}
	if f.stream == "" || f.app == "" {
		return fail("-app and -stream name the stream to sign")
	}
	if f.expires <= 0 {
		return fail("-expires must be > 0")
	}
	v := cfg.Resolve(f.vhost)
	if v == nil {
		return fail("no vhost %s (and no default vhost) in the configuration", f.vhost)
	}
	l := secureLink(v.SecureLink)
	if !l.Enabled {
		return fail("vhost %s has no secure_link enabled: its URLs need no signature", v.Name)
	}
	tok, err := l.Sign(v.Name, f.app, f.stream, now.Add(f.expires), f.ip)
	if err != nil {
		return fail("%v", err)
	}
	query := tok.Query()
	if f.vhost != live.DefaultVhost && f.vhost != f.host {
		query = "vhost=" + f.vhost + "&" + query // the host in the URL does not name the vhost
	}
	if len(cfg.Listen) > 0 {
		fmt.Fprintf(out, "rtmp://%s/%s/%s?%s\n", urlHost(f.host, cfg.Listen[0], "1935"), f.app, f.stream, query)
	}
	if cfg.HTTPServer.Enabled && v.HTTPRemux.Enabled {
		for _, m := range v.HTTPRemux.Mounts {
			mhost, p := httpd.MountPath(m, v.Name, f.app, f.stream)
			if mhost != "" && mhost != f.vhost || strings.Contains(p, "[") {
				continue // answers another host only, or a template this cannot fill
			}
			fmt.Fprintf(out, "http://%s%s?%s\n", urlHost(f.host, cfg.HTTPServer.Listen, "80"), p, query)
		}
	}
	if l.BindIP {
		fmt.Fprintf(stderr, "picosrs -sign: the URLs are good from %s only (bind_ip)\n", f.ip)
	}
	return 0
}

// urlHost is host with the port of an SRS listen value ("[ip:]port"),
// left out when it is the scheme's default.
func urlHost(host, listen, defaultPort string) string {
	port := listen
	if _, p, err := net.SplitHostPort(listen); err == nil {
		port = p
	}
	if port == defaultPort {
		return host
	}
	return net.JoinHostPort(host, port)
}

// certStore holds the key pairs the HTTPS listeners serve, swapped on
// SIGHUP: a handshake after the swap gets the new pair, connections already
// open keep theirs (no viewer is dropped).
type certStore struct {
	server, api atomic.Pointer[tls.Certificate]
}

// store takes the pairs conf loaded and checked (Load refuses a bad pair
// with its file:line, so a bad pair never reaches here: the reload is
// refused and the old pair stays).
func (c *certStore) store(cfg *conf.Config) {
	if p := cfg.HTTPServer.HTTPS.Certificate; p != nil {
		c.server.Store(p)
	}
	if p := cfg.HTTPAPI.HTTPS.Certificate; p != nil {
		c.api.Store(p)
	}
}

// tlsConfig serves the pair p points to: TLS 1.2 and later, HTTP/1.1 only
// (a live viewer's connection is hijacked), records as large as TLS allows
// from the first byte (a live stream is bulk data).
func tlsConfig(p *atomic.Pointer[tls.Certificate]) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return p.Load(), nil
		},
		DynamicRecordSizingDisabled: true,
	}
}

// httpsPorts lists the distinct addresses of the enabled https blocks of
// http_server (live streams and files) and http_api (the API), with what
// each serves; an address both name serves both, with http_server's pair.
func httpsPorts(cfg *conf.Config) []httpPort {
	var ports []httpPort
	if cfg.HTTPServer.Enabled && cfg.HTTPServer.HTTPS.Enabled {
		ports = append(ports, httpPort{addr: hostPort(cfg.HTTPServer.HTTPS.Listen), streams: true})
	}
	if cfg.HTTPAPI.Enabled && cfg.HTTPAPI.HTTPS.Enabled {
		addr := hostPort(cfg.HTTPAPI.HTTPS.Listen)
		if len(ports) == 1 && ports[0].addr == addr {
			ports[0].api = true
		} else {
			ports = append(ports, httpPort{addr: addr, api: true})
		}
	}
	return ports
}

// listenHTTPS starts one TLS listener per enabled https block, each
// connection counted against max_connections from accept to close, serving
// what its plain twin serves: web for http_server.https, the API for
// http_api.https. Changing an https listen needs a restart, as for the
// plain listeners.
func listenHTTPS(cfg *conf.Config, certs *certStore, conns *connlimit.Limiter, web http.Handler, stats *api.Server,
	log *textlog.Logger, errc chan<- error) ([]*http.Server, error) {
	certs.store(cfg)
	var servers []*http.Server
	for _, p := range httpsPorts(cfg) {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			for _, hs := range servers {
				hs.Close()
			}
			return nil, err
		}
		log.Info("https listening", "addr", ln.Addr().String(), "streams", p.streams, "api", p.api)
		pair := &certs.server
		if !p.streams {
			pair = &certs.api
		}
		// A refused connection is closed at once: a plain 503 means nothing
		// to a TLS client.
		ln = tlsconn.NewListener(conns.Listen(ln, refuser("https", log, nil)), tlsConfig(pair))
		var h http.Handler = http.NotFoundHandler()
		if p.streams {
			h = web
		}
		if p.api {
			h = stats.Handler(true, false, h)
		}
		hs := newHTTPServer(h, log)
		if !p.streams {
			hs.WriteTimeout = cfg.WriteTimeout
		}
		servers = append(servers, hs)
		go func() { errc <- hs.Serve(ln) }()
	}
	return servers, nil
}
