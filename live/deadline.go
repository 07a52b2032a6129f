package live

import "time"

// deadline keeps a connection's write deadline about timeout ahead without
// resetting the runtime timer on every write: it is moved once a second at
// most, so a stalled viewer is closed between timeout and timeout+1s.
type deadline struct {
	set time.Time // when the deadline was last moved
}

func (d *deadline) refresh(c interface{ SetWriteDeadline(time.Time) error }, timeout time.Duration, now time.Time) {
	if timeout <= 0 {
		return
	}
	if now.Sub(d.set) < time.Second {
		return
	}
	d.set = now
	c.SetWriteDeadline(now.Add(timeout + time.Second))
}
