package live

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// flvUpstream is an edge's HTTP-FLV (or HTTPS-FLV) pull from one origin
// (SRS's SrsEdgeFlvUpstream): a GET of scheme://origin/app/stream.flv?param
// that follows HTTP redirects (301, 302, 303, 307, 308) up to edgeRedirects
// in a row, so that a GSLB in front of the origins can send each edge to the
// right one; a redirect loop or one redirect too many fails the origin. The
// body is read as FLV with tags of at most flv.DefaultMaxTagSize, allocated
// as their bytes arrive, and each tag must come whole within edgeTimeout:
// garbage, a tag too large, a stall mid-tag or a body that stops is an
// error, and the edge moves on to the next origin.
type flvUpstream struct {
	url    string // the URL read, after redirects
	body   io.ReadCloser
	r      *flv.Reader
	idle   *time.Timer // cancels the request when a tag takes over edgeTimeout
	ctx    context.Context
	cancel context.CancelCauseFunc
}

// Errors of an HTTP-FLV pull.
var (
	errRedirectLoop  = errors.New("live: origin redirect loop")
	errOriginStalled = errors.New("live: origin sent no whole tag within the timeout")
)

// dialFLV starts the pull of st from origin (host:port) over scheme (http
// or https) and reads the FLV header. The player's param and the upstream
// vhost go in the query, as for an RTMP pull.
func dialFLV(ctx context.Context, st *Stream, scheme, origin, vhost, param string) (*flvUpstream, error) {
	raw := scheme + "://" + origin + "/" + st.key.App + "/" + st.key.Name + ".flv" + upstreamQuery(vhost, param)
	ctx, cancel := context.WithCancelCause(ctx)
	u := &flvUpstream{ctx: ctx, cancel: cancel}
	u.idle = time.AfterFunc(edgeTimeout, func() { cancel(errOriginStalled) })
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
	if err != nil {
		u.Close()
		return nil, fmt.Errorf("live: edge pull URL %q: %w", raw, err)
	}
	resp, err := edgeHTTPClient(st.log).Do(req)
	if err != nil {
		u.Close()
		return nil, u.cause(err)
	}
	u.url, u.body = resp.Request.URL.Redacted(), resp.Body
	if resp.StatusCode != http.StatusOK {
		u.Close()
		return nil, fmt.Errorf("live: origin %s answered %s", u.url, resp.Status)
	}
	u.r = flv.NewReader(resp.Body)
	u.r.MaxTagSize = flv.DefaultMaxTagSize
	if _, err := u.r.ReadHeader(); err != nil {
		u.Close()
		return nil, fmt.Errorf("live: origin %s: %w", u.url, u.cause(err))
	}
	return u, nil
}

// edgeHTTPClient is the client of one HTTP-FLV pull: each hop within
// edgeTimeout to connect, shake hands and answer, no keep-alive (the pull is
// one long response), no proxy from the environment, and redirects within
// edgeRedirects without a loop, each logged. As SRS's, it does not verify
// an HTTPS origin's certificate: origins commonly run SRS's self-signed
// one, and the edge's player trusts the edge, not the origin.
func edgeHTTPClient(log *slog.Logger) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil,
			DialContext:            (&net.Dialer{Timeout: edgeTimeout}).DialContext,
			TLSHandshakeTimeout:    edgeTimeout,
			ResponseHeaderTimeout:  edgeTimeout,
			MaxResponseHeaderBytes: 16 << 10,
			DisableKeepAlives:      true,
			DisableCompression:     true,
			TLSClientConfig:        &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // as SRS: see above
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			to := req.URL.Redacted()
			for _, v := range via {
				if v.URL.Redacted() == to {
					return fmt.Errorf("%w: back to %s", errRedirectLoop, to)
				}
			}
			if len(via) > edgeRedirects {
				return fmt.Errorf("%w: %d HTTP redirects in a row, the last to %s", errTooManyRedirects, len(via), to)
			}
			log.Info("edge pull redirected", "from", via[len(via)-1].URL.Redacted(), "to", to)
			return nil
		},
	}
}

// cause turns an error of a request the idle timer cancelled into
// errOriginStalled.
func (u *flvUpstream) cause(err error) error {
	if c := context.Cause(u.ctx); errors.Is(c, errOriginStalled) {
		return fmt.Errorf("%w (%v)", errOriginStalled, edgeTimeout)
	}
	return err
}

// ReadTag reads the next tag, which must come whole within edgeTimeout.
func (u *flvUpstream) ReadTag() (flv.Tag, error) {
	u.idle.Reset(edgeTimeout)
	t, err := u.r.ReadTag()
	if err != nil {
		return t, u.cause(err)
	}
	return t, nil
}

// Addr is the URL the pull reads.
func (u *flvUpstream) Addr() string { return u.url }

// BytesIn counts the body bytes read (only the pull's goroutine calls it).
func (u *flvUpstream) BytesIn() uint64 { return uint64(u.r.Offset()) }

// Close ends the pull; a ReadTag in progress returns.
func (u *flvUpstream) Close() error {
	u.idle.Stop()
	u.cancel(net.ErrClosed)
	if u.body != nil {
		return u.body.Close()
	}
	return nil
}
