package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/rtmp"
)

// rtmpUpstream is an edge's RTMP pull from one origin. An RTMP 302 (SRS's
// origin cluster: onStatus with ex.redirect) is followed at once, up to
// edgeRedirects in a row, whether it answers the play (picosrs origins) or
// comes before the first tag after it (SRS origins, which start the play
// and then redirect).
type rtmpUpstream struct {
	ctx       context.Context
	dial      rtmp.DialConfig
	vhost     string
	key       StreamKey
	param     string
	log       *textlog.Logger
	redirects int // followed so far
	tags      int // read on the current connection
	bytes     uint64

	mu     sync.Mutex // guards c and closed against Close from another goroutine
	c      *rtmp.Conn
	addr   string
	closed bool
}

// dialRTMP connects to origin (host:port) and plays st's stream there with
// the player's param (and, with token_traverse, its connect fields).
func (s *Server) dialRTMP(ctx context.Context, st *Stream, origin, vhost, param string, connect flv.Object) (*rtmpUpstream, error) {
	u := &rtmpUpstream{
		ctx:   ctx,
		dial:  rtmp.DialConfig{Timeout: edgeTimeout, ChunkSize: s.cfg.Load().ChunkSize, ConnectParams: connect},
		vhost: vhost, key: st.key, param: param, log: st.log,
	}
	if err := u.connect(origin); err != nil {
		return nil, err
	}
	return u, nil
}

// connect plays from addr, following redirects within the budget.
func (u *rtmpUpstream) connect(addr string) error {
	for {
		c, err := rtmp.Dial(u.ctx, edgeURL(addr, u.vhost, u.key.App, u.key.Name, u.param), u.dial)
		if err == nil {
			if err = c.Play(u.ctx); err != nil {
				c.Close()
			}
		}
		var re *rtmp.RedirectError
		if errors.As(err, &re) {
			if addr, err = u.redirect(addr, re); err == nil {
				continue
			}
		}
		if err != nil {
			return err
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		if u.closed {
			c.Close()
			return net.ErrClosed
		}
		if u.c != nil {
			u.bytes += u.c.BytesIn()
		}
		u.c, u.addr, u.tags = c, addr, 0
		return nil
	}
}

// redirect checks a redirect from addr against the budget and returns
// where it sends the pull.
func (u *rtmpUpstream) redirect(addr string, re *rtmp.RedirectError) (string, error) {
	if u.redirects >= edgeRedirects {
		return "", fmt.Errorf("%w: %d RTMP redirects in a row, the last to %s", errTooManyRedirects, u.redirects+1, re.URL)
	}
	u.redirects++
	to, err := redirectAddr(re.URL)
	if err != nil {
		return "", err
	}
	u.log.Info("edge pull redirected", "from", addr, "to", to)
	return to, nil
}

// ReadTag reads the next tag within edgeTimeout.
func (u *rtmpUpstream) ReadTag() (flv.Tag, error) {
	for {
		u.mu.Lock()
		c := u.c
		u.mu.Unlock()
		c.SetReadDeadline(time.Now().Add(edgeTimeout))
		t, err := c.ReadTag()
		if err == nil {
			u.tags++
			return t, nil
		}
		var re *rtmp.RedirectError
		if !errors.As(err, &re) || u.tags > 0 {
			return t, err
		}
		to, rerr := u.redirect(u.addr, re)
		if rerr != nil {
			return t, rerr
		}
		c.Close()
		if err := u.connect(to); err != nil {
			return t, err
		}
	}
}

// Addr is the origin the pull reads from now.
func (u *rtmpUpstream) Addr() string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.addr
}

// BytesIn counts what the pull received on all its connections.
func (u *rtmpUpstream) BytesIn() uint64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.bytes + u.c.BytesIn()
}

// Close ends the pull; a ReadTag in progress returns.
func (u *rtmpUpstream) Close() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.closed = true
	return u.c.Close()
}

// edgeURL builds rtmp://server/app/stream?param for a pull or push. The
// vhost replaces any vhost= or domain= of param and is named as vhost=name
// unless it is the default vhost (SRS's srs_generate_rtmp_url names it in the
// tcUrl instead; origins accept both). server is host or host:port.
func edgeURL(server, vhost, app, stream, param string) string {
	host, port, err := net.SplitHostPort(server)
	if err != nil {
		host, port = server, rtmp.DefaultPort
	}
	return "rtmp://" + net.JoinHostPort(host, port) + "/" + app + "/" + stream + upstreamQuery(vhost, param)
}

// upstreamQuery is the query of a pull or push URL: param without its
// vhost= and domain=, then vhost=name unless vhost is the default one; ""
// or "?...".
func upstreamQuery(vhost, param string) string {
	var kept []string
	for kv := range strings.SplitSeq(strings.TrimPrefix(param, "?"), "&") {
		if k, _, _ := strings.Cut(kv, "="); kv != "" && k != "vhost" && k != "domain" {
			kept = append(kept, kv)
		}
	}
	if vhost != "" && vhost != DefaultVhost {
		kept = append(kept, "vhost="+vhost)
	}
	if len(kept) == 0 {
		return ""
	}
	return "?" + strings.Join(kept, "&")
}

// redirectAddr takes host:port from an RTMP redirect (a tcUrl or full URL,
// as SRS does: the edge reconnects to that server with its own app/stream).
func redirectAddr(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("live: bad redirect %q", raw)
	}
	port := u.Port()
	if port == "" {
		port = rtmp.DefaultPort
	}
	return net.JoinHostPort(u.Hostname(), port), nil
}
