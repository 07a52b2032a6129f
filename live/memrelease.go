package live

import (
	"runtime/debug"
	"sync"
	"time"
)

// memReleaseEvery is how often memory is handed back at most.
const memReleaseEvery = 10 * time.Second

// memReleaser hands the memory of something big that was freed (an HLS
// window: megabytes per stream) back to the system at once, rather than
// when the runtime next collects and its scavenger gets round to it, which
// on an idle server takes minutes. A full collection costs CPU, so it runs
// at most every memReleaseEvery, once for any number of requests.
type memReleaser struct {
	mu      sync.Mutex
	last    time.Time
	pending bool
}

// request asks for a release now, or once memReleaseEvery has passed since
// the last.
func (r *memReleaser) request() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pending {
		return
	}
	r.pending = true
	time.AfterFunc(max(time.Until(r.last.Add(memReleaseEvery)), 0), func() {
		debug.FreeOSMemory()
		r.mu.Lock()
		r.last, r.pending = time.Now(), false
		r.mu.Unlock()
	})
}
