package live

import (
	"net"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Client is one connection the server serves: a publisher or a player of
// any protocol. The HTTP API lists and kicks them.
type Client struct {
	ID     uint64
	Type   string // SRS's names: fmle-publish, rtmp-play, flv-play, ts-play, mp3-play, aac-play
	IP     string
	Vhost  string
	App    string
	Stream string
	Start  time.Time

	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
	// counters, when set, report the connection's own byte counts (RTMP).
	counters func() (in, out uint64)
	kick     func()
}

// Publishing reports whether the client is a publisher.
func (c *Client) Publishing() bool { return c.Type == "fmle-publish" }

// Bytes returns the bytes received from and sent to the client.
func (c *Client) Bytes() (in, out uint64) {
	if c.counters != nil {
		return c.counters()
	}
	return c.bytesIn.Load(), c.bytesOut.Load()
}

// clients is the registry of connected clients.
type clients struct {
	mu    sync.Mutex
	m     map[uint64]*Client
	total atomic.Uint64 // clients ever registered
	errs  atomic.Uint64 // clients that ended on an error, not a clean close
}

func (r *clients) add(c *Client) {
	r.mu.Lock()
	if r.m == nil {
		r.m = map[uint64]*Client{}
	}
	r.m[c.ID] = c
	r.mu.Unlock()
	r.total.Add(1)
}

func (r *clients) remove(id uint64) {
	r.mu.Lock()
	delete(r.m, id)
	r.mu.Unlock()
}

// newClient registers a client; counters, when not nil, reports the
// connection's own byte counts. The returned function unregisters it, noting
// whether it ended on an error.
func (s *Server) newClient(typ string, addr net.Addr, key streamKey, kick func(), counters func() (in, out uint64)) (*Client, func(failed bool)) {
	ip := addr.String()
	if h, _, err := net.SplitHostPort(ip); err == nil {
		ip = h
	}
	c := &Client{ID: s.nextID.Add(1), Type: typ, IP: ip, Vhost: key.vhost, App: key.app, Stream: key.name, Start: time.Now(), kick: kick, counters: counters}
	s.clients.add(c)
	return c, func(failed bool) {
		if failed {
			s.clients.errs.Add(1)
		}
		s.clients.remove(c.ID)
	}
}

// ClientTotals returns how many clients were ever served and how many of them
// ended on an error.
func (s *Server) ClientTotals() (total, errs uint64) {
	return s.clients.total.Load(), s.clients.errs.Load()
}

// Clients returns the connected clients, oldest first.
func (s *Server) Clients() []*Client {
	s.clients.mu.Lock()
	out := make([]*Client, 0, len(s.clients.m))
	for _, c := range s.clients.m {
		out = append(out, c)
	}
	s.clients.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Client returns the client with the given id, or nil.
func (s *Server) Client(id uint64) *Client {
	s.clients.mu.Lock()
	defer s.clients.mu.Unlock()
	return s.clients.m[id]
}

// Kick closes a client's connection; it reports whether the client existed.
func (s *Server) Kick(id uint64) bool {
	c := s.Client(id)
	if c == nil {
		return false
	}
	if c.kick != nil {
		c.kick()
	}
	return true
}
