package access

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Errors of a hook call. Every failure is a *HookError that also matches
// ErrHookDenied.
var (
	// ErrHookDenied matches every hook failure: for on_connect, on_publish
	// and on_play it means the client is refused.
	ErrHookDenied = errors.New("access: refused by http_hooks")
	// ErrHookStatus: the service answered a status other than 200 (or 201,
	// which SRS takes too).
	ErrHookStatus = errors.New("access: hook answered a status other than 200")
	// ErrHookAnswer: the body was neither 0 nor a JSON object whose code is 0.
	ErrHookAnswer = errors.New(`access: hook answer is neither 0 nor {"code":0}`)
	// ErrHookTooLarge: the body was longer than MaxHookAnswer.
	ErrHookTooLarge = errors.New("access: hook answer too large")
	// ErrHookUnreachable: no answer: the service was unreachable, the call
	// timed out, or the URL is not a valid http(s) URL.
	ErrHookUnreachable = errors.New("access: hook service gave no answer")
)

// MaxHookAnswer bounds the bytes read of a hook's answer: a verdict is a few
// bytes, and a hostile or broken service cannot make the server hold more.
const MaxHookAnswer = 64 << 10

// maxLoggedBody bounds the part of an answer a HookError carries for the log.
const maxLoggedBody = 256

// HookError is a hook call that did not allow: which URL, what it answered
// (Status 0 when it gave no answer) and why. It matches ErrHookDenied and
// its Err.
type HookError struct {
	Event  Event
	URL    string
	Status int    // the HTTP status, 0 when there was no answer
	Body   string // the start of the answer, printable, for the log
	Err    error  // ErrHookStatus, ErrHookAnswer, ErrHookTooLarge or ErrHookUnreachable (wrapping the cause)
}

func (e *HookError) Error() string {
	return fmt.Sprintf("%s %s: status %d, body %q: %v", e.Event, e.URL, e.Status, e.Body, e.Err)
}

// Unwrap returns the reason.
func (e *HookError) Unwrap() error { return e.Err }

// Is makes every HookError match ErrHookDenied.
func (e *HookError) Is(target error) bool { return target == ErrHookDenied }

// Verdict judges a hook's answer as SRS's SrsHttpHooks::do_post does: the
// client is allowed when the status is 200 (or 201) and the body, without
// surrounding white space, is 0 or a JSON object whose "code" is the integer
// 0. Anything else is an error (ErrHookStatus or ErrHookAnswer). SRS
// compares the body with "0" byte for byte; picosrs also accepts the
// newline a shell or print() adds.
func Verdict(status int, body []byte) error {
	if status != http.StatusOK && status != http.StatusCreated {
		return ErrHookStatus
	}
	b := bytes.TrimSpace(body)
	if string(b) == "0" || codeIsZero(b) {
		return nil
	}
	return ErrHookAnswer
}

// HookClient posts hook bodies to the operator's service, as SRS's
// SrsHttpClient does: one HTTP/1.1 POST on a connection of its own per call
// (no keep-alive, no proxy, no redirect followed, no HTTP/2), http:// or
// https://. It is safe for concurrent use; each call is bounded by the
// timeout it is given and reads at most maxHookHeader bytes of header and
// MaxHookAnswer bytes of answer. (It is written on net, crypto/tls and
// net/http's response reader rather than on http.Transport, which would
// add half a megabyte to the binary.)
type HookClient struct {
	tls *tls.Config
}

// maxHookHeader bounds the status line and headers of an answer.
const maxHookHeader = 16 << 10

// NewHookClient returns a client for http:// and https:// hook URLs; tlsConf
// (nil for the system's roots) is used for https.
func NewHookClient(tlsConf *tls.Config) *HookClient {
	return &HookClient{tls: tlsConf}
}

// Call posts body (JSON) to url within timeout and judges the answer with
// Verdict. It returns nil when the answer allows, else a *HookError.
func (c *HookClient) Call(ctx context.Context, e Event, url string, timeout time.Duration, body []byte) error {
	if timeout <= 0 {
		timeout = DefaultHookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	herr := &HookError{Event: e, URL: url}
	status, ans, err := c.post(ctx, url, body)
	herr.Status = status
	herr.Body = printable(ans)
	switch {
	case err != nil && ctx.Err() == context.DeadlineExceeded:
		herr.Err = fmt.Errorf("%w: no answer within %v", ErrHookUnreachable, timeout)
		return herr
	case err != nil && ctx.Err() != nil:
		herr.Err = fmt.Errorf("%w: %w", ErrHookUnreachable, ctx.Err())
		return herr
	case errors.Is(err, ErrHookTooLarge):
		herr.Err = err
		return herr
	case err != nil:
		herr.Err = fmt.Errorf("%w: %w", ErrHookUnreachable, err)
		return herr
	}
	if err := Verdict(status, ans); err != nil {
		herr.Err = err
		return herr
	}
	return nil
}

// post sends one POST of body to rawurl and returns the status and the
// answer (at most MaxHookAnswer bytes, else ErrHookTooLarge). ctx bounds
// and cancels everything, the connection and the TLS handshake included.
func (c *HookClient) post(ctx context.Context, rawurl string, body []byte) (status int, ans []byte, err error) {
	u, err := url.Parse(rawurl)
	if err != nil {
		return 0, nil, err
	}
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
		return 0, nil, fmt.Errorf("scheme %q: want http or https", u.Scheme)
	}
	host := u.Hostname()
	if host == "" {
		return 0, nil, errors.New("no host in the URL")
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", net.JoinHostPort(host, port))
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if u.Scheme == "https" {
		cfg := &tls.Config{}
		if c.tls != nil {
			cfg = c.tls.Clone()
		}
		if cfg.ServerName == "" {
			cfg.ServerName = host
		}
		tc := tls.Client(conn, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return 0, nil, err
		}
		conn = tc
	}
	// The request as SRS's client sends it: one write, Connection: close.
	req := make([]byte, 0, 256+len(body))
	req = append(req, "POST "...)
	req = append(req, u.RequestURI()...)
	req = append(req, " HTTP/1.1\r\nHost: "...)
	req = append(req, u.Host...)
	req = append(req, "\r\nUser-Agent: picosrs\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "...)
	req = strconv.AppendInt(req, int64(len(body)), 10)
	req = append(req, "\r\n\r\n"...)
	req = append(req, body...)
	if _, err := conn.Write(req); err != nil {
		return 0, nil, err
	}
	// Headers and body together cannot make the server read more than
	// this from a hook service, whatever it sends.
	br := bufio.NewReaderSize(io.LimitReader(conn, maxHookHeader+2*MaxHookAnswer+4096), 4096)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodPost})
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if resp.ContentLength > MaxHookAnswer {
		return resp.StatusCode, nil, fmt.Errorf("%w: %d bytes announced, over %d", ErrHookTooLarge, resp.ContentLength, MaxHookAnswer)
	}
	ans, err = io.ReadAll(io.LimitReader(resp.Body, MaxHookAnswer+1))
	if len(ans) > MaxHookAnswer {
		return resp.StatusCode, ans, fmt.Errorf("%w: over %d bytes", ErrHookTooLarge, MaxHookAnswer)
	}
	if err != nil {
		return resp.StatusCode, ans, fmt.Errorf("reading the answer: %w", err)
	}
	return resp.StatusCode, ans, nil
}

// Admit calls urls in order with body and stops at the first that does not
// allow: its *HookError is returned (nil when every URL allows, or there is
// none), as SRS does for on_connect, on_publish and on_play.
func (c *HookClient) Admit(ctx context.Context, e Event, urls []string, timeout time.Duration, body []byte) error {
	for _, u := range urls {
		if err := c.Call(ctx, e, u, timeout, body); err != nil {
			return err
		}
	}
	return nil
}

// Notify calls every one of urls in order with body, whatever each answers,
// as SRS does for on_close, on_unpublish and on_stop, and returns the
// failures (each a *HookError) for the caller to log.
func (c *HookClient) Notify(ctx context.Context, e Event, urls []string, timeout time.Duration, body []byte) []error {
	var errs []error
	for _, u := range urls {
		if err := c.Call(ctx, e, u, timeout, body); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// printable is the start of an answer as text for a log line: at most
// maxLoggedBody bytes, invalid UTF-8 replaced.
func printable(b []byte) string {
	if len(b) > maxLoggedBody {
		b = b[:maxLoggedBody]
	}
	return strings.ToValidUTF8(string(bytes.TrimSpace(b)), string(utf8.RuneError))
}
