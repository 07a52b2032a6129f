package live

import (
	"errors"
	"time"

	"github.com/picosrs/picosrs/rtmp"
)

// rtmpSink writes chunk vectors (rtmpEncoder) to an RTMP connection: a
// player, or a server picosrs publishes to. The connection keeps what a
// write without waiting left, ahead of anything written later, so control
// messages its reading side sends never land inside a chunk.
type rtmpSink struct {
	c        *rtmp.Conn
	timeout  time.Duration
	held     [][]byte // a batch TryWriteVector could not queue (ErrBusy), for Finish
	deadline deadline
}

func (r *rtmpSink) Write(v [][]byte) error {
	r.deadline.refresh(r.c, r.timeout, time.Now())
	return r.c.WriteVector(v[2:])
}

func (r *rtmpSink) TryWrite(v [][]byte, now time.Time) (bool, error) {
	r.deadline.refresh(r.c, r.timeout, now) // an expired deadline fails even a write that would not wait
	done, err := r.c.TryWriteVector(v[2:])
	if errors.Is(err, rtmp.ErrBusy) {
		// The reading side is answering the player: the goroutine sends
		// this batch once it is done, the fan-out does not wait.
		r.held = append(r.held[:0], v[2:]...)
		err = nil
	}
	return done, err
}

func (r *rtmpSink) Finish() error {
	r.deadline.refresh(r.c, r.timeout, time.Now())
	if len(r.held) > 0 {
		err := r.c.WriteVector(r.held)
		r.held = nil // kept only while a hand-off lasts
		return err
	}
	return r.c.FlushWrites()
}
