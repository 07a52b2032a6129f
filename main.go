// Command picosrs is a live-streaming server: RTMP in, HTTP-FLV, HTTP-TS,
// HTTP-MP3 and HTTP-AAC out, configured with SRS's configuration files.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/picosrs/picosrs/conf"
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

func newLogger(cfg *conf.Config, stderr io.Writer) (*slog.Logger, func(), error) {
	var level slog.Level
	switch strings.ToLower(cfg.LogLevel) {
	case "verbose", "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	default: // trace, info
		level = slog.LevelInfo
	}
	out, closer := stderr, func() {}
	if cfg.LogTank == "file" && cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, nil, fmt.Errorf("open log file: %w", err)
		}
		out, closer = f, func() { f.Close() }
	}
	return slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: level})), closer, nil
}

// serve runs the server until SIGTERM or SIGINT; SIGHUP reloads the file.
func serve(cfg *conf.Config, file string, envOnly bool, log *slog.Logger) int {
	srv := live.NewServer(liveConfig(cfg, log))
	var httpSrv *http.Server
	errc := make(chan error, 4)

	for _, addr := range cfg.Listen {
		ln, err := net.Listen("tcp", hostPort(addr))
		if err != nil {
			log.Error("rtmp listen", "addr", addr, "err", err)
			return 1
		}
		log.Info("rtmp listening", "addr", ln.Addr().String())
		go func() { errc <- srv.ServeRTMP(ln) }()
	}
	a := newAPI(cfg, srv, log)
	if cfg.HTTPServer.Enabled {
		ln, err := net.Listen("tcp", hostPort(cfg.HTTPServer.Listen))
		if err != nil {
			log.Error("http listen", "addr", cfg.HTTPServer.Listen, "err", err)
			return 1
		}
		log.Info("http listening", "addr", ln.Addr().String())
		httpSrv = &http.Server{
			Handler:           a.wrapHTTP(srv),  // the API shares the port when http_api.listen says so
			ReadHeaderTimeout: 15 * time.Second, // SRS_HTTP_RECV_TIMEOUT
			MaxHeaderBytes:    32 << 10,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		}
		go func() { errc <- httpSrv.Serve(ln) }()
	}

	stopAPI, err := a.startListeners(cfg.HTTPServer.Enabled)
	if err != nil {
		log.Error("http api", "err", err)
		return 1
	}
	defer stopAPI()

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
				log.Info("reload done", "file", file)
				continue
			}
			log.Info("shutting down", "signal", sig.String())
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			if httpSrv != nil {
				go httpSrv.Shutdown(ctx)
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

// hostPort turns SRS's "[ip:]port" into a Go listen address.
func hostPort(s string) string {
	if !strings.Contains(s, ":") {
		return ":" + s
	}
	return s
}
