package main

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"time"
)

// HTTPS viewers (-proto https-flv; wss-flv in viewer_ws.go): the same
// request and parsing as HTTP-FLV over TLS. The tool measures a server on
// loopback with a test certificate, so it does not verify it.

// tlsClientConfig is the viewers' TLS configuration: TLS 1.2 or later, the
// session cache shared so that a thousand viewers resume sessions as
// browsers would.
var tlsClientConfig = &tls.Config{
	InsecureSkipVerify: true, // loopback only (checkLoopback), a test certificate
	MinVersion:         tls.VersionTLS12,
	ClientSessionCache: tls.NewLRUClientSessionCache(64),
	NextProtos:         []string{"http/1.1"},
}

// dial connects a viewer to host: over TLS for https:// and wss:// runs.
func (v *viewer) dial(ctx context.Context, host string) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second}
	if !strings.HasPrefix(v.r.proto, "https") && !strings.HasPrefix(v.r.proto, "wss") {
		return d.DialContext(ctx, "tcp", host)
	}
	td := tls.Dialer{NetDialer: &d, Config: tlsClientConfig}
	return td.DialContext(ctx, "tcp", host)
}

// extraURL is the URL of a viewer of the protocols of these files, or "".
func extraURL(proto, httpAddr, httpsAddr, path string) string {
	switch proto {
	case "https-flv":
		return "https://" + httpsAddr + path + ".flv"
	case "ws-flv":
		return "ws://" + httpAddr + path + ".flv"
	case "wss-flv":
		return "wss://" + httpsAddr + path + ".flv"
	}
	return ""
}
