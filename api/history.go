package api

import "time"

// history is a small ring of (time, bytes in, bytes out) samples for kbps.
type history struct {
	t       [histLen]time.Time
	in, out [histLen]uint64
	n, pos  int
}

func (h *history) add(t time.Time, in, out uint64) {
	h.t[h.pos], h.in[h.pos], h.out[h.pos] = t, in, out
	h.pos = (h.pos + 1) % histLen
	h.n = min(h.n+1, histLen)
}

// rate is SRS's 30-second kbps: from the oldest sample inside the window (or
// the oldest kept) to the current counters.
func (h *history) rate(now time.Time, in, out uint64) kbps {
	if h == nil || h.n == 0 {
		return kbps{}
	}
	best := -1
	for i := 0; i < h.n; i++ {
		idx := (h.pos - 1 - i + histLen) % histLen
		if now.Sub(h.t[idx]) > kbpsWindow && best >= 0 {
			break
		}
		best = idx
	}
	ms := now.Sub(h.t[best]).Milliseconds()
	if ms < 500 {
		return kbps{}
	}
	k := kbps{}
	if in >= h.in[best] {
		k.Recv30s = int64((in - h.in[best]) * 8 / uint64(ms))
	}
	if out >= h.out[best] {
		k.Send30s = int64((out - h.out[best]) * 8 / uint64(ms))
	}
	return k
}
