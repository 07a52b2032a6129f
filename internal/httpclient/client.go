// Package httpclient is the smallest HTTP/1.1 client picosrs needs: one
// request on a connection of its own, closed after the answer. An edge
// pulls HTTP-FLV from its origins and an origin asks its coworkers' APIs
// with Get; access posts SRS's http_hooks to the operator's service with
// Post.
//
// It writes the request itself and reads the answer with net/http's
// ReadResponse, so the binary carries none of http.Client and
// http.Transport (connection pools, proxies, HTTP/2): on a router that is
// half a megabyte. Every step is bounded: the timeout (or ctx's deadline,
// when sooner) covers connecting, the TLS handshake, writing the request
// and reading the answer's head, which may take MaxHeaderBytes; ctx's end
// closes the connection. Redirects are the caller's: Get and Post return
// the 3xx answer, and Location resolves the next URL. The caller owns the
// connection: it reads the body with ReadAll (bounded in size and by ctx)
// or streams it under read deadlines of its own, and closes it.
package httpclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// MaxHeaderBytes bounds the status line and headers of an answer.
const MaxHeaderBytes = 16 << 10

// DefaultTimeout bounds a request's head when neither Options.Timeout nor
// ctx sets a limit: SRS's HTTP client timeout (SRS_HTTP_CLIENT_TIMEOUT).
const DefaultTimeout = 30 * time.Second

// Errors of Get, Post, ReadAll and Location.
var (
	ErrScheme   = errors.New("httpclient: scheme is not http or https")
	ErrNoHost   = errors.New("httpclient: no host in the URL")
	ErrTooLarge = errors.New("httpclient: answer body too large")
	ErrLocation = errors.New("httpclient: redirect without a usable Location")
)

// Options are the settings of one request.
type Options struct {
	// Timeout bounds connecting, the TLS handshake, writing the request
	// and reading the answer's head, together; ctx's deadline does when it
	// comes sooner. 0 leaves it to ctx, or DefaultTimeout when ctx has no
	// deadline.
	Timeout time.Duration
	// TLS is the base of an https connection's configuration, cloned;
	// ServerName defaults to the URL's host. nil checks the server's
	// certificate against the system's roots (which SSL_CERT_FILE and
	// SSL_CERT_DIR may name).
	TLS *tls.Config
	// InsecureTLS skips the check of an https server's certificate.
	InsecureTLS bool
	// UserAgent is sent when not empty.
	UserAgent string
}

// Get sends GET u (http or https) on a new connection with Connection:
// close and returns the answer once its head is read. The caller reads
// resp.Body (its reads come from conn: conn.SetReadDeadline bounds them, or
// ReadAll does) and closes conn. ctx ends the connection while Get runs.
func Get(ctx context.Context, u *url.URL, o Options) (*http.Response, net.Conn, error) {
	return do(ctx, http.MethodGet, u, "", nil, o)
}

// Post sends POST u with body (of type contentType, with its
// Content-Length) as Get sends a GET, request and body in one write, and
// returns the answer as Get does. body is only read.
func Post(ctx context.Context, u *url.URL, contentType string, body []byte, o Options) (*http.Response, net.Conn, error) {
	return do(ctx, http.MethodPost, u, contentType, body, o)
}

func do(ctx context.Context, method string, u *url.URL, contentType string, body []byte, o Options) (*http.Response, net.Conn, error) {
	port := u.Port()
	switch u.Scheme {
	case "http":
		if port == "" {
			port = "80"
		}
	case "https":
		if port == "" {
			port = "443"
		}
	default:
		return nil, nil, fmt.Errorf("%w: %q", ErrScheme, u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, nil, ErrNoHost
	}
	deadline, ok := ctx.Deadline()
	switch {
	case o.Timeout > 0 && (!ok || time.Until(deadline) > o.Timeout):
		deadline = time.Now().Add(o.Timeout)
	case !ok:
		deadline = time.Now().Add(DefaultTimeout)
	}
	d := net.Dialer{Deadline: deadline}
	raw, err := d.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return nil, nil, fmt.Errorf("httpclient: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	resp, conn, err := exchange(ctx, raw, method, u, request(method, u, contentType, body, o.UserAgent), o, deadline)
	stop()
	if err != nil {
		conn.Close()
		if ctx.Err() != nil {
			err = fmt.Errorf("httpclient: %w", ctx.Err())
		}
		return nil, nil, err
	}
	return resp, conn, nil
}

// request is the request as it goes out: its head and body.
func request(method string, u *url.URL, contentType string, body []byte, userAgent string) []byte {
	b := make([]byte, 0, 256+len(body))
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, u.RequestURI()...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, u.Host...)
	if userAgent != "" {
		b = append(b, "\r\nUser-Agent: "...)
		b = append(b, userAgent...)
	}
	b = append(b, "\r\nAccept: */*\r\nConnection: close"...)
	if method == http.MethodPost {
		b = append(b, "\r\nContent-Type: "...)
		b = append(b, contentType...)
		b = append(b, "\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
	}
	b = append(b, "\r\n\r\n"...)
	return append(b, body...)
}

// exchange runs the TLS handshake (for https), sends req and reads the
// answer's head on conn, by deadline. It returns the connection to read the
// body from (the TLS one for https), which the caller closes in every case.
func exchange(ctx context.Context, conn net.Conn, method string, u *url.URL, req []byte, o Options, deadline time.Time) (*http.Response, net.Conn, error) {
	conn.SetDeadline(deadline)
	if u.Scheme == "https" {
		cfg := &tls.Config{}
		if o.TLS != nil {
			cfg = o.TLS.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = u.Hostname()
		}
		if o.InsecureTLS {
			cfg.InsecureSkipVerify = true //nolint:gosec // the caller's choice
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, conn, fmt.Errorf("httpclient: TLS with %s: %w", u.Host, err)
		}
		conn = tc
	}
	if _, err := conn.Write(req); err != nil {
		return nil, conn, fmt.Errorf("httpclient: send request: %w", err)
	}
	// The head may take MaxHeaderBytes at most; the body is the caller's.
	lr := &io.LimitedReader{R: conn, N: MaxHeaderBytes}
	resp, err := http.ReadResponse(bufio.NewReaderSize(lr, 4<<10), &http.Request{Method: method, URL: u})
	if err != nil {
		if lr.N <= 0 {
			err = fmt.Errorf("answer head over %d bytes", MaxHeaderBytes)
		}
		return nil, conn, fmt.Errorf("httpclient: read answer: %w", err)
	}
	lr.N = math.MaxInt64
	conn.SetDeadline(time.Time{})
	return resp, conn, nil
}

// ReadAll reads resp's body whole from conn, at most max bytes: an answer
// that announces or sends more is ErrTooLarge, returned with the first
// max+1 bytes (for a log) when it was sent. ctx bounds the reads: its
// deadline is conn's read deadline and its end closes conn. (net/http's
// body reader bounds what comes around the bytes: chunk headers, trailers.)
func ReadAll(ctx context.Context, resp *http.Response, conn net.Conn, max int64) ([]byte, error) {
	if resp.ContentLength > max {
		return nil, fmt.Errorf("%w: %d bytes announced, over %d", ErrTooLarge, resp.ContentLength, max)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetReadDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	switch {
	case int64(len(b)) > max:
		return b, fmt.Errorf("%w: over %d bytes", ErrTooLarge, max)
	case err != nil && ctx.Err() != nil:
		return b, fmt.Errorf("httpclient: read the answer: %w", ctx.Err())
	case err != nil:
		return b, fmt.Errorf("httpclient: read the answer: %w", err)
	}
	return b, nil
}

// Redirect reports whether status sends the client elsewhere: 301, 302,
// 303, 307 or 308 (all mean "GET that instead" for a GET).
func Redirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// Location is the URL a redirect from u sends to: its Location header,
// resolved against u (RFC 9110 section 10.2.2), http or https.
func Location(u *url.URL, resp *http.Response) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	if loc == "" {
		return nil, ErrLocation
	}
	to, err := u.Parse(loc)
	if err != nil || (to.Scheme != "http" && to.Scheme != "https") || to.Host == "" {
		return nil, fmt.Errorf("%w: %q", ErrLocation, loc)
	}
	return to, nil
}
