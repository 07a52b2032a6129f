package live

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/httpget"
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
	url  string // the URL read, after redirects
	conn net.Conn
	body io.ReadCloser
	r    *flv.Reader
}

// Errors of an HTTP-FLV pull.
var (
	errRedirectLoop  = errors.New("live: origin redirect loop")
	errOriginStalled = errors.New("live: origin sent no whole tag within the timeout")
)

// dialFLV starts the pull of st from origin (host:port) over scheme (http
// or https) and reads the FLV header. The player's param and the upstream
// vhost go in the query, as for an RTMP pull. Each hop must connect and
// answer within edgeTimeout. As SRS's, the pull does not verify an HTTPS
// origin's certificate: origins commonly run SRS's self-signed one, and the
// edge's players trust the edge, not the origin.
func dialFLV(ctx context.Context, st *Stream, scheme, origin, vhost, param string) (*flvUpstream, error) {
	raw := scheme + "://" + origin + "/" + st.key.App + "/" + st.key.Name + ".flv" + upstreamQuery(vhost, param)
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("live: edge pull URL %q: %w", raw, err)
	}
	seen := []string{u.String()}
	for {
		resp, conn, err := httpget.Get(ctx, u, httpget.Options{Timeout: edgeTimeout, InsecureTLS: true, UserAgent: "picosrs"})
		if err != nil {
			return nil, fmt.Errorf("live: origin %s: %w", u.Redacted(), err)
		}
		if httpget.Redirect(resp.StatusCode) {
			conn.Close()
			to, err := httpget.Location(u, resp)
			switch {
			case err != nil:
				return nil, fmt.Errorf("live: origin %s: %w", u.Redacted(), err)
			case slices.Contains(seen, to.String()):
				return nil, fmt.Errorf("%w: %s sends back to %s", errRedirectLoop, u.Redacted(), to.Redacted())
			case len(seen) > edgeRedirects:
				return nil, fmt.Errorf("%w: %d HTTP redirects in a row, the last to %s", errTooManyRedirects, len(seen), to.Redacted())
			}
			st.log.Info("edge pull redirected", "from", u.Redacted(), "to", to.Redacted(), "status", resp.StatusCode)
			seen = append(seen, to.String())
			u = to
			continue
		}
		f := &flvUpstream{url: u.Redacted(), conn: conn, body: resp.Body}
		if resp.StatusCode != 200 {
			f.Close()
			return nil, fmt.Errorf("live: origin %s answered %s", f.url, resp.Status)
		}
		f.r = flv.NewReader(resp.Body)
		f.r.MaxTagSize = flv.DefaultMaxTagSize
		deadline := time.Now().Add(edgeTimeout)
		conn.SetReadDeadline(deadline)
		if _, err := f.r.ReadHeader(); err != nil {
			err = stalled(err, deadline)
			f.Close()
			return nil, fmt.Errorf("live: origin %s: %w", f.url, err)
		}
		return f, nil
	}
}

// ReadTag reads the next tag, which must come whole within edgeTimeout.
func (f *flvUpstream) ReadTag() (flv.Tag, error) {
	deadline := time.Now().Add(edgeTimeout)
	f.conn.SetReadDeadline(deadline)
	t, err := f.r.ReadTag()
	return t, stalled(err, deadline)
}

// stalled makes an error that came once the deadline of a read had passed
// errOriginStalled.
func stalled(err error, deadline time.Time) error {
	if err != nil && !time.Now().Before(deadline) {
		return fmt.Errorf("%w (%v): %w", errOriginStalled, edgeTimeout, err)
	}
	return err
}

// Addr is the URL the pull reads.
func (f *flvUpstream) Addr() string { return f.url }

// BytesIn counts the body bytes read (only the pull's goroutine calls it).
func (f *flvUpstream) BytesIn() uint64 { return uint64(f.r.Offset()) }

// Close ends the pull; a ReadTag in progress returns.
func (f *flvUpstream) Close() error { return f.conn.Close() }
