package live

import (
	"sync"
	"time"

	"github.com/picosrs/picosrs/internal/textlog"
)

// countLogEvery is how often a countLog logs at most.
const countLogEvery = 10 * time.Second

// countLog counts events a stream may see many times a second (a viewer
// resynchronised, a tag the TS muxer refused) and logs the count at most
// every countLogEvery, never once per event (mediamtx's rule). It has its
// own lock: events are noted under the stream's read lock.
type countLog struct {
	mu    sync.Mutex
	count int
	last  time.Time
}

// note counts one event and logs msg with the count (and err, the event's
// error, when not nil) if countLogEvery has passed since the last log.
func (d *countLog) note(log *textlog.Logger, msg string, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.count++
	if now := time.Now(); now.Sub(d.last) >= countLogEvery {
		if err != nil {
			log.Warn(msg, "count", d.count, "last_err", err)
		} else {
			log.Warn(msg, "count", d.count)
		}
		d.count, d.last = 0, now
	}
}
