package api

import (
	"sync"
	"time"

	"github.com/picosrs/picosrs/live"
)

const (
	sampleEvery = time.Second // client byte counts, for totals that outlive a connection
	kbpsEvery   = 5           // ticks between kbps history samples
	kbpsWindow  = 30 * time.Second
	histLen     = 8 // kbps history samples kept per object (35 s at 5 s)
)

type clientRec struct {
	key     string // vhost/app/stream
	in, out uint64 // at the last tick
	hist    history
}

// sampler reads the clients' byte counters once a second, off the data path,
// to keep what SRS's statistic keeps: totals including connections that
// ended, the number of clients ever, and kbps history. The publishing and
// playing goroutines never touch it.
type sampler struct {
	src Source

	mu        sync.Mutex
	clients   map[uint64]*clientRec
	gone      map[string]*[2]uint64 // bytes in/out of ended clients, per stream key
	goneIn    uint64
	goneOut   uint64
	seen      uint64 // clients ever seen (srs_clients_total)
	hwIn      uint64 // totals reported so far: counters never go backwards
	hwOut     uint64
	streams   map[string]*history
	ticks     int
	cpu       cpuSample
	selfCPU   float64 // percent of one CPU over the last sample
	systemCPU float64 // percent of all CPUs over the last sample

	done     chan struct{}
	stopOnce sync.Once
	runOnce  sync.Once
}

func newSampler(src Source) *sampler {
	return &sampler{
		src:     src,
		clients: map[uint64]*clientRec{},
		gone:    map[string]*[2]uint64{},
		streams: map[string]*history{},
		done:    make(chan struct{}),
	}
}

// run starts the sampling goroutine once.
func (s *sampler) run() {
	s.runOnce.Do(func() {
		s.tick(time.Now())
		go func() {
			t := time.NewTicker(sampleEvery)
			defer t.Stop()
			for {
				select {
				case now := <-t.C:
					s.tick(now)
				case <-s.done:
					return
				}
			}
		}()
	})
}

func (s *sampler) stop() { s.stopOnce.Do(func() { close(s.done) }) }

func clientKey(c *live.Client) string { return c.Vhost + "/" + c.App + "/" + c.Stream }

// observe folds the current clients into the records; the lock is held.
// Clients that went away leave their last counts in the totals.
func (s *sampler) observe(list []*live.Client) {
	alive := make(map[uint64]struct{}, len(list))
	for _, c := range list {
		alive[c.ID] = struct{}{}
		rec := s.clients[c.ID]
		if rec == nil {
			rec = &clientRec{key: clientKey(c)}
			s.clients[c.ID] = rec
			s.seen++
		}
		rec.in, rec.out = c.Bytes()
	}
	for id, rec := range s.clients {
		if _, ok := alive[id]; ok {
			continue
		}
		s.goneIn += rec.in
		s.goneOut += rec.out
		g := s.gone[rec.key]
		if g == nil {
			g = &[2]uint64{}
			s.gone[rec.key] = g
		}
		g[0] += rec.in
		g[1] += rec.out
		delete(s.clients, id)
	}
}

func (s *sampler) tick(now time.Time) {
	list := s.src.Clients()
	streams := s.src.Streams()
	var cpu cpuSample
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(list)
	s.ticks++
	if s.ticks%kbpsEvery != 1 {
		return
	}
	// Every kbpsEvery ticks: kbps history, CPU, and forget ended streams.
	keys := map[string]bool{}
	for _, st := range streams {
		keys[st.Key().String()] = true
	}
	per := map[string]*[2]uint64{}
	var in, out uint64
	for _, rec := range s.clients {
		rec.hist.add(now, rec.in, rec.out)
		p := per[rec.key]
		if p == nil {
			p = &[2]uint64{}
			per[rec.key] = p
		}
		p[0] += rec.in
		p[1] += rec.out
		in += rec.in
		out += rec.out
		keys[rec.key] = true
	}
	for k := range s.gone {
		if !keys[k] {
			delete(s.gone, k)
		}
	}
	for k := range s.streams {
		if !keys[k] {
			delete(s.streams, k)
		}
	}
	for k := range keys {
		var b [2]uint64
		if p := per[k]; p != nil {
			b = *p
		}
		if g := s.gone[k]; g != nil {
			b[0] += g[0]
			b[1] += g[1]
		}
		h := s.streams[k]
		if h == nil {
			h = &history{}
			s.streams[k] = h
		}
		h.add(now, b[0], b[1])
	}
	cpu = readCPU(now)
	s.selfCPU, s.systemCPU = cpu.percent(s.cpu)
	s.cpu = cpu
}

// totals returns the bytes received and sent by every client since start,
// never less than reported before, and the clients ever seen.
func (s *sampler) totals() (in, out, seen uint64) {
	list := s.src.Clients()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.observe(list)
	in, out = s.goneIn, s.goneOut
	for _, rec := range s.clients {
		in += rec.in
		out += rec.out
	}
	s.hwIn, s.hwOut = max(s.hwIn, in), max(s.hwOut, out)
	return s.hwIn, s.hwOut, s.seen
}

func (s *sampler) cpuPercent() (self, system float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.selfCPU, s.systemCPU
}

func (s *sampler) clientKbps(id uint64, in, out uint64, now time.Time) kbps {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rec := s.clients[id]; rec != nil {
		return rec.hist.rate(now, in, out)
	}
	return kbps{}
}

// streamSnap is one stream as the API shows it.
type streamSnap struct {
	id        string
	info      live.StreamInfo
	clients   int
	send      uint64
	recv      uint64
	kbps      kbps
	publisher string
}

// snap is the API's view of the server at one moment.
type snap struct {
	streams []streamSnap
	clients []*live.Client
}

// snapshot collects the streams with their clients' counters, sorted by
// vhost, app and name.
func (s *sampler) snapshot() snap {
	clients := s.src.Clients()
	streams := s.src.Streams()
	now := time.Now()
	out := make([]streamSnap, 0, len(streams))
	idx := map[string]int{}
	for _, st := range streams {
		i := st.Info()
		idx[i.Vhost+"/"+i.App+"/"+i.Name] = len(out)
		out = append(out, streamSnap{id: streamID(i.Vhost, i.App, i.Name), info: i})
	}
	for _, c := range clients {
		n, ok := idx[clientKey(c)]
		if !ok {
			continue
		}
		st := &out[n]
		st.clients++
		in, o := c.Bytes()
		st.recv += in
		st.send += o
		if c.Publishing() && st.info.Publishing {
			st.publisher = itoa(c.ID)
		}
	}
	s.mu.Lock()
	s.observe(clients)
	for k, n := range idx {
		st := &out[n]
		if g := s.gone[k]; g != nil {
			st.recv += g[0]
			st.send += g[1]
		}
		st.kbps = s.streams[k].rate(now, st.recv, st.send)
	}
	s.mu.Unlock()
	sortStreams(out)
	return snap{streams: out, clients: clients}
}
