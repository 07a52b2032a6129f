package live

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Server is the live-streaming server: the stream registry, the RTMP
// publisher/player handler and the HTTP handler for live mounts and files.
type Server struct {
	cfg atomic.Pointer[Config]
	log *slog.Logger

	mu      sync.Mutex
	streams map[streamKey]*Stream

	nextID  atomic.Uint64 // connection ids for logs and the API
	closing chan struct{}
	closeMu sync.Once
	wg      sync.WaitGroup
	lnMu    sync.Mutex
	lns     []net.Listener
	active  sync.Map // net.Conn -> struct{}: hijacked and RTMP connections, closed on shutdown
	clients clients

	// manualFlush (benchmarks) leaves each stream's fan-out to the caller
	// (Stream.flushRound) instead of its goroutine.
	manualFlush bool
}

// NewServer returns a server for cfg.
func NewServer(cfg *Config) *Server {
	s := &Server{streams: map[streamKey]*Stream{}, closing: make(chan struct{})}
	c := cfg.withDefaults()
	s.cfg.Store(c)
	s.log = c.Logger
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
func (s *Server) stream(key streamKey, vh *VhostConfig, create bool) *Stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.streams[key]
	if st == nil && create {
		st = newStream(s, key, vh)
		s.streams[key] = st
	}
	return st
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

func (s *Server) track(c net.Conn) func() {
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
	// Viewers see s.closing and end their responses cleanly (the terminating
	// chunk); give them a moment before cutting what is left.
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	case <-time.After(500 * time.Millisecond):
	}
	s.active.Range(func(k, _ any) bool {
		k.(net.Conn).Close()
		return true
	})
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
