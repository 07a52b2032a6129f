package live

import (
	"net"
	"strconv"
)

// RedirectError is what Play and CanPlay return on an origin of an origin
// cluster (cluster.origin_cluster) when the stream is not published here
// but on a coworker: the player is to be sent there, an RTMP player with
// rtmp.Conn.Redirect (RTMPURL), an HTTP player with a 302 (HTTPHost).
type RedirectError struct {
	Coworker string // the coworker's API address that answered (host:port)
	IP       string // the host of the origin that has the stream
	Port     int    // its RTMP port
	// HTTPPort is its http_server port, which picosrs origins add to SRS's
	// answer; 0 when the coworker did not say (SRS does not).
	HTTPPort int
	Vhost    string // the vhost the coworker serves the stream on
}

// Error implements error.
func (e *RedirectError) Error() string {
	return "live: stream is published on coworker " + net.JoinHostPort(e.IP, strconv.Itoa(e.Port))
}

// RTMPURL is the URL an RTMP player of key, with its query param, is
// redirected to (as SRS's srs_net_url_encode_rtmp_url builds it), on the
// vhost the coworker named.
func (e *RedirectError) RTMPURL(key StreamKey, param string) string {
	vhost := e.Vhost
	if vhost == "" {
		vhost = key.Vhost
	}
	return edgeURL(net.JoinHostPort(e.IP, strconv.Itoa(e.Port)), vhost, key.App, key.Name, param)
}

// HTTPHost is the host:port an HTTP player is redirected to: the
// coworker's HTTP port, or ownPort (this server's, the port the player
// came in on) when the coworker did not say, as the origins of one cluster
// usually share one configuration.
func (e *RedirectError) HTTPHost(ownPort string) string {
	port := ownPort
	if e.HTTPPort > 0 {
		port = strconv.Itoa(e.HTTPPort)
	}
	return net.JoinHostPort(e.IP, port)
}
