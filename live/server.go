package live

import (
	"context"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picosrs/picosrs/access"
	"github.com/picosrs/picosrs/hls"
	"github.com/picosrs/picosrs/internal/netwatch"
	"github.com/picosrs/picosrs/internal/textlog"
)

// Server is the stream core: the registry of streams and clients, the RTMP
// server (publishers, players, edge pulls, forwards) and the players other
// transports attach through Play.
type Server struct {
	cfg atomic.Pointer[Config]
	log *textlog.Logger

	mu      sync.Mutex
	streams map[StreamKey]*Stream

	edgesMu sync.Mutex
	edges   map[*Stream]*edgePull // the pull of each edge stream (edge.go)

	hls     *hls.Store  // every stream's HLS window (hls.go)
	release memReleaser // hands freed HLS windows back to the system

	coworkers coworkers // where the origin cluster publishes a stream (coworkers.go)

	nextID  atomic.Uint64 // connection ids for logs, the API and the hooks
	clients clients

	hooks   *access.HookClient      // posts http_hooks (hooks.go)
	hookIDs atomic.Pointer[HookIDs] // how the hook bodies name the server and streams

	closing chan struct{}
	closeMu sync.Once
	wg      sync.WaitGroup // every connection's and viewer's goroutine
	lnMu    sync.Mutex
	lns     []net.Listener
	active  sync.Map         // io.Closer -> struct{}: connections to close on shutdown
	inputs  netwatch.Watcher // reads RTMP players only when they have sent something
}

// NewServer returns a server for cfg.
func NewServer(cfg *Config) *Server {
	s := &Server{streams: map[StreamKey]*Stream{}, edges: map[*Stream]*edgePull{}, closing: make(chan struct{}),
		hooks: access.NewHookClient(nil), hls: hls.NewStore()}
	c := cfg.withDefaults()
	s.cfg.Store(c)
	s.log = c.Logger
	s.hls.OnDispose = s.hlsDisposed
	return s
}

// Reload swaps in a new configuration. New streams and new requests use it;
// running streams keep the vhost settings they started with, so viewers of
// unaffected streams are not dropped.
func (s *Server) Reload(cfg *Config) {
	s.cfg.Store(cfg.withDefaults())
}

// Config returns the configuration in force.
func (s *Server) Config() *Config { return s.cfg.Load() }

// stream returns the stream for key, creating it when create is set.
func (s *Server) stream(key StreamKey, vh *VhostConfig, create bool) *Stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[key]
	if st == nil && create {
		st = newStream(s, key, vh)
		s.streams[key] = st
	}
	return st
}

// Stream returns the stream of that key if it exists (published, or with a
// player waiting for its publisher), else nil.
func (s *Server) Stream(key StreamKey) *Stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.streams[key]
}

// removeIfIdle drops st from the registry once it has no publisher, no
// consumer and no grace period running.
func (s *Server) removeIfIdle(st *Stream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams[st.key] == st && st.idle() {
		delete(s.streams, st.key)
	}
}

// Streams returns a snapshot of the streams, for the index page and the API.
func (s *Server) Streams() []*Stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Stream, 0, len(s.streams))
	for _, st := range s.streams {
		out = append(out, st)
	}
	return out
}

// newClient registers c (its ID set, or 0 for a new one; its Start set
// here). The returned function unregisters it, noting whether it ended on an
// error.
func (s *Server) newClient(c *Client) (*Client, func(failed bool)) {
	if c.ID == 0 {
		c.ID = s.nextID.Add(1)
	}
	c.Start = time.Now()
	s.clients.add(c)
	return c, func(failed bool) { s.clients.remove(c.ID, failed) }
}

// clientIP is a client's address without its port, as the API and the
// hooks show it.
func clientIP(addr net.Addr) string {
	if addr == nil {
		return ""
	}
	ip := addr.String()
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	return ip
}

// ClientTotals returns how many clients were ever served and how many of them
// ended on an error.
func (s *Server) ClientTotals() (total, errs uint64) {
	return s.clients.total.Load(), s.clients.errs.Load()
}

// Clients returns the connected clients, oldest first.
func (s *Server) Clients() []*Client { return s.clients.list() }

// Client returns the client with the given id, or nil.
func (s *Server) Client(id uint64) *Client { return s.clients.get(id) }

// Kick closes a client's connection; it reports whether the client existed.
func (s *Server) Kick(id uint64) bool { return s.clients.kick(id) }

// track registers a connection to close at shutdown; the returned function
// unregisters it.
func (s *Server) track(c io.Closer) func() {
	s.active.Store(c, struct{}{})
	return func() { s.active.Delete(c) }
}

func (s *Server) addListener(ln net.Listener) bool {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	select {
	case <-s.closing:
		return false
	default:
	}
	s.lns = append(s.lns, ln)
	return true
}

// withClosing returns a context that also ends when Shutdown starts.
func (s *Server) withClosing(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// join counts one more goroutine in s.wg (a connection's, a viewer's)
// unless the shutdown has begun. Under lnMu, which Shutdown holds to close
// s.closing, it cannot interleave with the start of the shutdown: whatever
// joined before it is waited for, and nothing joins after it.
func (s *Server) join() bool {
	s.lnMu.Lock()
	defer s.lnMu.Unlock()
	if s.isClosing() {
		return false
	}
	s.wg.Add(1)
	return true
}

func (s *Server) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// Shutdown stops accepting, ends every viewer and publisher, and waits for
// their goroutines until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.closeMu.Do(func() {
		s.lnMu.Lock()
		close(s.closing)
		for _, ln := range s.lns {
			ln.Close()
		}
		s.lnMu.Unlock()
	})
	// Viewers end their responses cleanly (the terminating chunk): they
	// have no goroutine waiting on s.closing, so each is woken to see it.
	// Give them a moment before cutting what is left.
	for _, st := range s.Streams() {
		st.mu.RLock()
		for _, c := range st.consumers {
			c.hangUp(ErrShutdown)
		}
		st.mu.RUnlock()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	case <-time.After(500 * time.Millisecond):
	}
	s.active.Range(func(k, _ any) bool {
		k.(io.Closer).Close()
		return true
	})
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
