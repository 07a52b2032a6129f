package live

import (
	"errors"
	"time"
)

// Errors that end a viewer.
var (
	// ErrViewerGone: the viewer hung up (or was kicked), not an error.
	ErrViewerGone = errors.New("live: viewer left")
	// ErrShutdown: the server is shutting down.
	ErrShutdown = errors.New("live: server shutting down")
)

// How a viewer's bytes reach it (the write side of a Consumer). Each stream
// has one fan-out goroutine (fanout.go) that writes every caught-up consumer
// in turn, without waiting on any socket. A consumer whose socket cannot take
// a whole batch, whose pull fails or that is still sending its start-up burst
// belongs to its own goroutine (run) until it has caught up again. The
// consumer's write lock says who writes: the fan-out only try-locks it and,
// when it is busy, wakes the owner instead.

// attach gives c its encoder and sink; until then the fan-out leaves c to
// its goroutine.
func (c *Consumer) attach(enc encoder, out Sink) {
	c.wmu.Lock()
	c.enc, c.out = enc, out
	c.wmu.Unlock()
}

// trimBuffers lets go of a batch or writev vector grown by a burst (a new
// viewer's cached GOP, a catch-up): a steady viewer needs a few entries, and
// thousands of viewers each keeping a full batch's vector add up.
func (c *Consumer) trimBuffers() {
	if cap(c.batch) > 32 {
		c.batch = nil
	}
	if cap(c.bufs) > 64 {
		c.bufs = nil
	}
}

// step pulls one batch, encodes it and writes it; c.wmu is held, and with
// locked the stream's read lock too (the fan-out's). It returns false when
// nothing was queued or, without wait, when the socket did not take
// everything (c.pending is then set).
func (c *Consumer) step(wait, locked bool, now time.Time) (bool, error) {
	var err error
	if locked {
		c.batch, err = c.pullLocked(c.batch[:0])
	} else {
		c.batch, err = c.pull(c.batch[:0])
	}
	if err != nil || len(c.batch) == 0 {
		return false, err
	}
	defer func() {
		clear(c.batch) // drop references to packets the ring may evict
		clear(c.bufs)  // what the write left; the sink adds only static framing beyond len
	}()
	// The vector: the sink's two framing slots, then the encoder's slices.
	if c.bufs == nil {
		c.bufs = make([][]byte, 0, 16) // room for the sink's trailer too, which it appends
	}
	c.bufs = append(c.bufs[:0], nil, nil)
	if c.bufs, err = c.enc.encode(c.bufs, c.batch); err != nil {
		return false, err
	}
	if len(c.bufs) == 2 {
		return true, nil // nothing to send yet (an FLV header still undecided)
	}
	if wait {
		return true, c.out.Write(c.bufs)
	}
	done, err := c.out.TryWrite(c.bufs, now)
	if err == nil && !done {
		c.pending = true
	}
	return done, err
}

// drain writes, waiting as needed, what the fan-out left and everything
// queued; c.wmu is held.
func (c *Consumer) drain() error {
	defer c.trimBuffers()
	if c.pending {
		if err := c.out.Finish(); err != nil {
			return err
		}
		c.pending = false
	}
	if c.err != nil {
		return c.err
	}
	for {
		more, err := c.step(true, false, time.Time{})
		if err != nil || !more {
			return err
		}
	}
}

// flush is the fan-out's turn for c: write what is queued without waiting,
// or leave c to its goroutine. The fan-out holds the stream's read lock for
// a run of consumers (so it takes the lock once per run, not once per
// consumer): under it, the consumer's write lock is only ever tried, and
// nothing here waits.
func (c *Consumer) flush(now time.Time) {
	if !c.wmu.TryLock() {
		c.wake() // its goroutine is writing; it will look again
		return
	}
	defer c.wmu.Unlock()
	switch {
	case c.out == nil || c.closed:
		return
	case c.pending || c.err != nil:
		c.wake()
		return
	}
	for {
		more, err := c.step(false, true, now)
		if err != nil {
			c.err = err
		}
		if err != nil || c.pending {
			c.wake()
			return
		}
		if !more {
			return
		}
	}
}

func (c *Consumer) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

// run is a viewer's own goroutine: it sends the start-up burst, then waits
// while the stream's fan-out writes, and takes over whenever the fan-out
// hands the viewer back (a full socket, an error, the end of the session).
// It returns io.EOF when the stream session ends, ErrViewerGone when gone is
// closed, ErrShutdown when closing is, or the write error; after it returns
// nothing more is written to out.
func (c *Consumer) run(enc encoder, out Sink, gone, closing <-chan struct{}) error {
	c.attach(enc, out)
	for {
		c.wmu.Lock()
		err := c.drain()
		if err != nil {
			c.closed = true
			c.wmu.Unlock()
			return err
		}
		c.wmu.Unlock()
		select {
		case <-c.notify:
			continue
		case <-gone:
			err = ErrViewerGone
		case <-closing:
			err = ErrShutdown
		}
		c.wmu.Lock()
		c.closed = true
		c.wmu.Unlock()
		return err
	}
}
