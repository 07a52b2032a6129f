package live

// ring is a stream's shared queue of packets, indexed by sequence number. The
// publisher appends; every consumer keeps only its own cursor into it, so a
// tag is queued once per stream however many viewers there are, and a slow
// viewer costs nothing but its cursor. The GOP cache and the fast cache are
// windows of the same ring.
type ring struct {
	buf   []*Packet // length is a power of two
	head  uint64    // next sequence number to write
	tail  uint64    // oldest sequence number still held
	bytes int
}

const (
	ringMinLen = 64
	ringMaxLen = 1 << 14
)

func (r *ring) len() int { return int(r.head - r.tail) }

func (r *ring) at(seq uint64) *Packet { return r.buf[seq&uint64(len(r.buf)-1)] }

// full reports whether push would have to evict because the ring is at its
// largest.
func (r *ring) full() bool { return len(r.buf) >= ringMaxLen && r.len() == len(r.buf) }

func (r *ring) push(p *Packet) {
	if r.len() == len(r.buf) {
		if len(r.buf) >= ringMaxLen {
			r.evict()
		} else {
			r.grow()
		}
	}
	p.seq = r.head
	r.buf[r.head&uint64(len(r.buf)-1)] = p
	r.head++
	r.bytes += p.size()
}

func (r *ring) grow() {
	n := len(r.buf) * 2
	if n < ringMinLen {
		n = ringMinLen
	}
	nb := make([]*Packet, n)
	for s := r.tail; s < r.head; s++ {
		nb[s&uint64(n-1)] = r.at(s)
	}
	r.buf = nb
}

func (r *ring) evict() {
	i := r.tail & uint64(len(r.buf)-1)
	r.bytes -= r.buf[i].size()
	r.buf[i] = nil
	r.tail++
}
