// Package httpget is the smallest HTTP/1.1 client picosrs needs: one GET on
// a connection of its own, closed after the response. An edge pulls
// HTTP-FLV from its origins with it, and an origin asks its coworkers'
// APIs.
//
// It writes the request itself and reads the answer with net/http's
// ReadResponse, so the binary carries none of http.Transport (connection
// pools, proxies, HTTP/2): on a router that is half a megabyte. Redirects
// are the caller's: Get returns the 3xx response, and Location resolves the
// next URL. The caller owns the connection: it sets read deadlines on it
// while it reads the body, and closes it.
package httpget

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
	"strings"
	"time"
)

// MaxHeaderBytes bounds the status line and headers of an answer.
const MaxHeaderBytes = 16 << 10

// Errors of Get.
var (
	ErrScheme   = errors.New("httpget: scheme is not http or https")
	ErrLocation = errors.New("httpget: redirect without a usable Location")
)

// Options are Get's settings.
type Options struct {
	// Timeout bounds connecting, the TLS handshake, writing the request
	// and reading the answer's head, together.
	Timeout time.Duration
	// InsecureTLS skips the check of an https server's certificate.
	InsecureTLS bool
	// UserAgent is sent when not empty.
	UserAgent string
}

// Get sends GET u (http or https) on a new connection with Connection:
// close and returns the answer once its head is read. The caller reads
// resp.Body (its reads come from conn: conn.SetReadDeadline bounds them)
// and closes conn. ctx ends the connection while Get runs.
func Get(ctx context.Context, u *url.URL, o Options) (*http.Response, net.Conn, error) {
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
	deadline := time.Now().Add(o.Timeout)
	d := net.Dialer{Deadline: deadline}
	raw, err := d.DialContext(ctx, "tcp", net.JoinHostPort(u.Hostname(), port))
	if err != nil {
		return nil, nil, fmt.Errorf("httpget: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	resp, conn, err := get(ctx, raw, u, o, deadline)
	stop()
	if err != nil {
		conn.Close()
		if ctx.Err() != nil {
			err = fmt.Errorf("httpget: %w", ctx.Err())
		}
		return nil, nil, err
	}
	return resp, conn, nil
}

// get runs the TLS handshake (for https), sends the request and reads the
// answer's head on conn, by deadline. It returns the connection to read the
// body from (the TLS one for https), which the caller closes in every case.
func get(ctx context.Context, conn net.Conn, u *url.URL, o Options, deadline time.Time) (*http.Response, net.Conn, error) {
	conn.SetDeadline(deadline)
	if u.Scheme == "https" {
		tc := tls.Client(conn, &tls.Config{ServerName: u.Hostname(), InsecureSkipVerify: o.InsecureTLS}) //nolint:gosec // the caller's choice
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, conn, fmt.Errorf("httpget: TLS with %s: %w", u.Host, err)
		}
		conn = tc
	}
	var req strings.Builder
	req.WriteString("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host + "\r\n")
	if o.UserAgent != "" {
		req.WriteString("User-Agent: " + o.UserAgent + "\r\n")
	}
	req.WriteString("Accept: */*\r\nConnection: close\r\n\r\n")
	if _, err := io.WriteString(conn, req.String()); err != nil {
		return nil, conn, fmt.Errorf("httpget: send request: %w", err)
	}
	// The head may take MaxHeaderBytes at most; the body is the caller's.
	lr := &io.LimitedReader{R: conn, N: MaxHeaderBytes}
	resp, err := http.ReadResponse(bufio.NewReaderSize(lr, 4<<10), &http.Request{Method: http.MethodGet, URL: u})
	if err != nil {
		if lr.N <= 0 {
			err = fmt.Errorf("answer head over %d bytes", MaxHeaderBytes)
		}
		return nil, conn, fmt.Errorf("httpget: read answer: %w", err)
	}
	lr.N = math.MaxInt64
	conn.SetDeadline(time.Time{})
	return resp, conn, nil
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
