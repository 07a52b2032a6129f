package live

import (
	"sort"
	"sync"
	"sync/atomic"
)

// clients is the server's registry of connected clients.
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

// remove unregisters a client, noting whether it ended on an error.
func (r *clients) remove(id uint64, failed bool) {
	if failed {
		r.errs.Add(1)
	}
	r.mu.Lock()
	delete(r.m, id)
	r.mu.Unlock()
}

func (r *clients) get(id uint64) *Client {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[id]
}

// list returns the connected clients, oldest first.
func (r *clients) list() []*Client {
	r.mu.Lock()
	out := make([]*Client, 0, len(r.m))
	for _, c := range r.m {
		out = append(out, c)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// kick closes a client's connection; it reports whether the client existed.
func (r *clients) kick(id uint64) bool {
	c := r.get(id)
	if c == nil {
		return false
	}
	c.kicked.Store(true)
	if c.kick != nil {
		c.kick()
	}
	return true
}
