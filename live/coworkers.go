package live

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/picosrs/picosrs/internal/httpclient"
	"github.com/picosrs/picosrs/internal/minijson"
	"github.com/picosrs/picosrs/internal/textlog"
)

// Origin cluster lookups: how long one question to the coworkers may take
// (each is asked at once, so this bounds the whole lookup), how long an
// answer is reused for the same stream, how many answers are kept, and the
// largest answer read.
const (
	coworkerTimeout   = 3 * time.Second
	coworkerCacheTTL  = time.Second
	coworkerCacheMax  = 256
	coworkerAnswerMax = 16 << 10 // SRS's answer is about 250 bytes
)

// errCoworkerAnswer is an answer of a coworker's /api/v1/clusters that is
// not SRS's.
var errCoworkerAnswer = errors.New("live: bad answer from coworker")

// coworkers finds, for an origin of an origin cluster, which coworker
// publishes a stream: it asks each coworker's HTTP API at once
// (GET /api/v1/clusters, SRS's discover_co_workers; package api answers it
// on picosrs origins) and takes the first that has the stream. Lookups of
// the same stream share one question, and its answer is reused for
// coworkerCacheTTL, so a crowd of players costs the coworkers one request
// per stream per second. It runs on the player's own goroutine, under no
// lock of the stream core: it delays that player only.
type coworkers struct {
	fails countLog // coworkers that did not answer

	mu    sync.Mutex // a leaf: nothing is taken under it
	found map[StreamKey]*coworkerLookup
}

// coworkerLookup is one question about a stream, pending until done is
// closed; then at is the answer (nil: no coworker has it), kept until
// expires.
type coworkerLookup struct {
	done    chan struct{}
	at      *RedirectError
	expires time.Time // under coworkers.mu
}

// locate returns where key is published among list (the coworkers' API
// addresses), or nil when no coworker has it or none answered in time.
func (c *coworkers) locate(list []string, key StreamKey, log *textlog.Logger) *RedirectError {
	now := time.Now()
	c.mu.Lock()
	if l := c.found[key]; l != nil {
		select {
		case <-l.done:
			if now.Before(l.expires) {
				c.mu.Unlock()
				return l.at
			}
		default:
			c.mu.Unlock()
			<-l.done // bounded by coworkerTimeout
			return l.at
		}
	}
	l := &coworkerLookup{done: make(chan struct{})}
	c.remember(key, l, now)
	c.mu.Unlock()

	at := c.ask(list, key, log)
	c.mu.Lock()
	l.at, l.expires = at, time.Now().Add(coworkerCacheTTL)
	c.mu.Unlock()
	close(l.done)
	return at
}

// remember keeps l as the lookup of key, making room among at most
// coworkerCacheMax by dropping expired answers; with no room, l is not
// kept (its caller still gets its answer). c.mu is held.
func (c *coworkers) remember(key StreamKey, l *coworkerLookup, now time.Time) {
	if c.found == nil {
		c.found = map[StreamKey]*coworkerLookup{}
	}
	if len(c.found) >= coworkerCacheMax {
		for k, x := range c.found {
			select {
			case <-x.done:
				if !now.Before(x.expires) {
					delete(c.found, k)
				}
			default:
			}
		}
	}
	if len(c.found) < coworkerCacheMax {
		c.found[key] = l
	}
}

// ask asks every coworker at once and returns the first that has key; the
// others are then cancelled.
func (c *coworkers) ask(list []string, key StreamKey, log *textlog.Logger) *RedirectError {
	ctx, cancel := context.WithTimeout(context.Background(), coworkerTimeout)
	defer cancel()
	answers := make(chan *RedirectError, len(list))
	for _, cw := range list {
		go func() {
			at, err := c.askOne(ctx, cw, key)
			if err != nil && !errors.Is(err, context.Canceled) {
				c.fails.note(log, "origin cluster: coworker did not answer", err)
			}
			answers <- at
		}()
	}
	for range list {
		if at := <-answers; at != nil {
			return at
		}
	}
	return nil
}

// askOne asks coworker (host:port of its HTTP API) whether it publishes
// key, with SRS's query (vhost, ip, app, stream, coworker: the address we
// reach it by, which it names itself by when it listens on every address).
func (c *coworkers) askOne(ctx context.Context, coworker string, key StreamKey) (*RedirectError, error) {
	raw := "http://" + coworker + "/api/v1/clusters?vhost=" + url.QueryEscape(key.Vhost) + "&ip=" +
		"&app=" + url.QueryEscape(key.App) + "&stream=" + url.QueryEscape(key.Name) + "&coworker=" + strings.ReplaceAll(url.QueryEscape(coworker), "%3A", ":")
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: coworker %q: %w", errCoworkerAnswer, coworker, err)
	}
	resp, conn, err := httpclient.Get(ctx, u, httpclient.Options{Timeout: coworkerTimeout, UserAgent: "picosrs"})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %s answered %s", errCoworkerAnswer, coworker, resp.Status)
	}
	body, err := httpclient.ReadAll(ctx, resp, conn, coworkerAnswerMax)
	if errors.Is(err, httpclient.ErrTooLarge) {
		return nil, fmt.Errorf("%w: %s: %w", errCoworkerAnswer, coworker, err)
	}
	if err != nil {
		return nil, err
	}
	return parseClustersAnswer(body, coworker, key)
}

// parseClustersAnswer reads a coworker's answer about key: where the
// stream is, nil when the coworker does not have it, or an error for an
// answer that is not SRS's or names no usable origin.
func parseClustersAnswer(body []byte, coworker string, key StreamKey) (*RedirectError, error) {
	// SRS's answer (srs_app_http_api.cpp SrsGoApiClusters,
	// srs_app_coworkers.cpp SrsCoWorkers::dumps): {"code": 0, "data":
	// {"query": {...}, "origin": null or {"ip", "port", "vhost", "api",
	// "routers"}}}, and picosrs's "http_port" in origin.
	ans, err := minijson.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errCoworkerAnswer, coworker, err)
	}
	if code, _ := ans.Get("code"); code.Kind != minijson.Number || code.Num != 0 {
		return nil, fmt.Errorf("%w: %s answered code %v", errCoworkerAnswer, coworker, code.Num)
	}
	data, _ := ans.Get("data")
	o, ok := data.Get("origin")
	if !ok || o.Kind == minijson.Null {
		return nil, nil
	}
	ip, _ := o.Get("ip")
	port, _ := o.Get("port")
	rtmpPort, okPort := port.Int(1, 65535)
	httpPort := 0
	if hp, ok := o.Get("http_port"); ok {
		if httpPort, ok = hp.Int(0, 65535); !ok {
			okPort = false
		}
	}
	if ip.Kind != minijson.String || !validHost(ip.Str) || !okPort {
		return nil, fmt.Errorf("%w: %s named origin %q port %v", errCoworkerAnswer, coworker, ip.Str, port.Num)
	}
	vhost := key.Vhost
	if v, _ := o.Get("vhost"); v.Kind == minijson.String && v.Str != "" && validHost(v.Str) {
		vhost = v.Str
	}
	return &RedirectError{Coworker: coworker, IP: ip.Str, Port: rtmpPort, HTTPPort: httpPort, Vhost: vhost}, nil
}

// validHost reports whether a coworker's answer names a host we may put in
// a URL: an IP, or a host name of letters, digits, dots, dashes and
// underscores.
func validHost(h string) bool {
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}
