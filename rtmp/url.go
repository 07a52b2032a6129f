package rtmp

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// DefaultPort is the RTMP TCP port.
const DefaultPort = "1935"

// ErrBadURL reports an RTMP URL that cannot be split.
var ErrBadURL = errors.New("rtmp: bad url")

// URL is an RTMP URL split the way SRS splits it:
// rtmp://host[:port]/app[/more]/stream[?query].
type URL struct {
	Host   string // host without port
	Port   string // port, DefaultPort if absent
	App    string // everything between the host and the last '/', may contain '/'
	Stream string // the last path element, without query
	Param  string // "?query" of the URL, or ""
}

// Addr returns host:port.
func (u *URL) Addr() string { return net.JoinHostPort(u.Host, u.Port) }

// TCURL returns the tcUrl a client sends in connect: rtmp://host[:port]/app.
// An IPv6 zone is escaped ("%25", RFC 6874), so that the tcUrl is a URL.
func (u *URL) TCURL() string {
	h := u.Host
	if strings.Contains(h, ":") {
		h = "[" + strings.ReplaceAll(h, "%", "%25") + "]"
	}
	if u.Port != DefaultPort {
		h += ":" + u.Port
	}
	return "rtmp://" + h + "/" + u.App
}

// StreamWithParam returns the stream name as sent in play/publish: the
// stream followed by the URL query, which is how SRS passes tokens.
func (u *URL) StreamWithParam() string { return u.Stream + u.Param }

// ParseURL splits an RTMP URL rtmp://host[:port]/app[/...]/stream[?query].
func ParseURL(rawurl string) (*URL, error) {
	pu, err := url.Parse(rawurl)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrBadURL, rawurl, err)
	}
	if pu.Scheme != "rtmp" || pu.Hostname() == "" {
		return nil, fmt.Errorf("%w %q: want rtmp://host/app/stream", ErrBadURL, rawurl)
	}
	u := &URL{Host: pu.Hostname(), Port: pu.Port()}
	if u.Port == "" {
		u.Port = DefaultPort
	}
	p := strings.Trim(pu.EscapedPath(), "/")
	i := strings.LastIndexByte(p, '/')
	if i <= 0 || i == len(p)-1 {
		return nil, fmt.Errorf("%w %q: want rtmp://host/app/stream", ErrBadURL, rawurl)
	}
	u.App, u.Stream = p[:i], p[i+1:]
	if pu.RawQuery != "" {
		u.Param = "?" + pu.RawQuery
	}
	return u, nil
}

// splitQuery splits "name?query" into "name" and "?query".
func splitQuery(s string) (string, string) {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// queryValue returns the value of key in a "?a=b&c=d" parameter string.
func queryValue(param, key string) string {
	for kv := range strings.SplitSeq(strings.TrimPrefix(param, "?"), "&") {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// parseTCURL splits a tcUrl as SRS's srs_discovery_tc_url does:
// schema://host[:port]/app[?param]. The app may contain '/', and the old
// "app...vhost...name" form is turned into a vhost parameter.
func parseTCURL(tcURL string) (host, app, param string) {
	rest := tcURL
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	hostport, path, _ := strings.Cut(rest, "/")
	if q := strings.IndexByte(hostport, '?'); q >= 0 { // rtmp://host?vhost=x
		path, hostport = hostport[q:]+path, hostport[:q]
	}
	host = hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	app, param = splitQuery(path)
	if i := strings.Index(app, "...vhost..."); i >= 0 {
		v := app[i+len("...vhost..."):]
		app = app[:i]
		if param == "" {
			param = "?vhost=" + v
		} else {
			param += "&vhost=" + v
		}
	}
	return host, strings.Trim(app, "/"), param
}

// fillRequest completes r from the tcUrl, the connect app field and the
// stream name of publish/play, as SRS does: the stream's query becomes Param
// (else the tcUrl's query), and Vhost comes from a vhost= or domain=
// parameter, else the tcUrl host.
func fillRequest(r *Request, connectApp, stream string) {
	host, app, tcParam := parseTCURL(r.TcURL)
	if app == "" {
		app, _ = splitQuery(strings.Trim(connectApp, "/"))
	}
	r.Host, r.App = host, app
	var sParam string
	r.Stream, sParam = splitQuery(stream)
	r.Param = sParam
	if r.Param == "" {
		r.Param = tcParam
	}
	r.Vhost = host
	for _, p := range []string{sParam, tcParam} {
		if v := queryValue(p, "vhost"); v != "" {
			r.Vhost = v
			break
		}
		if v := queryValue(p, "domain"); v != "" {
			r.Vhost = v
			break
		}
	}
}
