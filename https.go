package main

import (
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"

	"github.com/picosrs/picosrs/api"
	"github.com/picosrs/picosrs/conf"
	"github.com/picosrs/picosrs/internal/connlimit"
	"github.com/picosrs/picosrs/internal/tlsconn"
)

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
	log *slog.Logger, errc chan<- error) ([]*http.Server, error) {
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
