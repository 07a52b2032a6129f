package httpd

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/picosrs/picosrs/live"
)

// coworkerLocation is where an HTTP player is redirected when its stream is
// published on a coworker of an origin cluster: the same path and query on
// the coworker's HTTP port (or on this server's port, the one the request
// came in on, when the coworker did not say: an SRS coworker); an HTTPS
// player keeps its scheme and port.
func coworkerLocation(r *http.Request, re *live.RedirectError) string {
	own := ""
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		_, own, _ = net.SplitHostPort(a.String())
	}
	if r.TLS != nil {
		// The coworker's answer names its HTTP port only: an HTTPS player
		// goes to the port it came in on, on the coworker.
		return "https://" + net.JoinHostPort(re.IP, own) + r.URL.RequestURI()
	}
	return "http://" + re.HTTPHost(own) + r.URL.RequestURI()
}

// playerProtocol is how an HTTP player came, for an edge's follow_client:
// flv over HTTP, flvs over HTTPS.
func playerProtocol(r *http.Request) string {
	if r.TLS != nil {
		return "flvs"
	}
	return "flv"
}

// writeRedirect answers a 302 to location on a hijacked connection.
func writeRedirect(conn net.Conn, location string) {
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	fmt.Fprintf(conn, "HTTP/1.1 302 Found\r\nConnection: Close\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n", location)
}
