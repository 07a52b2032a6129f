package live

import (
	"errors"
	"io"
	"net"
	"syscall"
	"time"
)

// Errors that end a viewer.
var (
	// ErrViewerGone: the viewer hung up (or was kicked), not an error.
	ErrViewerGone = errors.New("live: viewer left")
	// ErrShutdown: the server is shutting down.
	ErrShutdown = errors.New("live: server shutting down")
)

// How a viewer's bytes reach it (the write side of a Consumer).
//
// Each stream has one fan-out (fanout.go) that writes every caught-up
// consumer in turn, without waiting on any socket. A consumer has no
// goroutine of its own while the fan-out can serve it: one is started on
// demand (wake) when the fan-out cannot (a socket that did not take a whole
// batch, a start-up burst, an error, the end of the session, the viewer
// leaving), and it returns once the consumer has caught up again, or calls
// the consumer's end function when the viewer ends. The consumer's write
// lock says who writes: the fan-out only tries it and, when it is busy,
// wakes the consumer instead. running and again make sure one goroutine at
// most drives a consumer and that no wake-up is lost.

// scratch is what a step needs for one batch: the packets pulled and the
// writev vector. The fan-out lends each consumer its own, so a caught-up
// consumer keeps none between rounds; the consumer's goroutine uses the
// consumer's.
type scratch struct {
	batch []*Packet
	bufs  [][]byte
}

// attach gives c its encoder, its sink and the function called once when
// the viewer ends, with the reason.
func (c *Consumer) attach(enc encoder, out Sink, onEnd func(error)) {
	c.wmu.Lock()
	c.enc, c.out, c.onEnd = enc, out, onEnd
	c.wmu.Unlock()
}

// step pulls one batch, encodes it and writes it; c.wmu is held. Without
// wait it is the fan-out's turn, which holds the stream's read lock. It
// returns false when nothing was queued or, without wait, when the socket
// did not take everything (c.pending is then set).
func (c *Consumer) step(b *scratch, wait bool, now time.Time) (bool, error) {
	var err error
	if wait {
		b.batch, err = c.pull(b.batch[:0])
	} else {
		b.batch, err = c.pullLocked(b.batch[:0])
	}
	if err != nil || len(b.batch) == 0 {
		return false, err
	}
	defer func() {
		clear(b.batch) // drop references to packets the ring may evict
		clear(b.bufs)  // what the write left; the sink adds only static framing beyond len
	}()
	// The vector: the sink's two framing slots, then the encoder's slices.
	if b.bufs == nil {
		b.bufs = make([][]byte, 0, 16) // room for the sink's trailer too, which it appends
	}
	b.bufs = append(b.bufs[:0], nil, nil)
	if b.bufs, err = c.enc.encode(b.bufs, b.batch); err != nil {
		return false, err
	}
	if len(b.bufs) == 2 {
		return true, nil // nothing to send yet (an FLV header still undecided)
	}
	if wait {
		return true, c.out.Write(b.bufs)
	}
	done, err := c.out.TryWrite(b.bufs, now)
	if err == nil && !done {
		c.pending = true
	}
	return done, err
}

// drain writes, waiting as needed, what the fan-out left and everything
// queued; c.wmu is held. Its batch and vector are let go when it is done: a
// caught-up consumer keeps none (the fan-out lends its own), so thousands of
// viewers do not each hold a burst's vector.
func (c *Consumer) drain() error {
	defer func() { c.own = scratch{} }()
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
		more, err := c.step(&c.own, true, time.Time{})
		if err != nil || !more {
			return err
		}
	}
}

// flush is the fan-out's turn for c: write what is queued without waiting,
// with the fan-out's scratch, or leave c to a goroutine of its own. The
// fan-out holds the stream's read lock for a run of consumers (so it takes
// the lock once per run, not once per consumer): under it, the consumer's
// write lock is only ever tried, and nothing here waits.
func (c *Consumer) flush(b *scratch, now time.Time) {
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
		more, err := c.step(b, false, now)
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

// wake makes sure a goroutine drives c soon: the one running looks again,
// or one is started.
func (c *Consumer) wake() {
	c.again.Store(true)
	if c.running.CompareAndSwap(false, true) {
		go c.driveF()
	}
}

// hangUp ends the viewer at its next drive: it left (its connection
// closed, it was kicked) or the server is shutting down.
func (c *Consumer) hangUp(reason error) {
	c.endMu.Lock()
	if c.endReason == nil {
		c.endReason = reason
	}
	c.endMu.Unlock()
	c.wake()
}

// drive is a consumer's goroutine, started on demand by wake: it sends what
// the fan-out could not (the start-up burst, what a full socket left, a
// catch-up) and returns once c has caught up; when the viewer ends it
// calls c's end function, once, and c is never driven again. A consumer
// woken before attach (a kick or the session's end between Play and Start)
// is left for attach's wake-up: ending it then, with no end function to
// call, would leave its viewer attached for good, and writing it would
// need the encoder it does not have yet.
func (c *Consumer) drive() {
	for {
		c.again.Store(false)
		c.wmu.Lock()
		if c.closed {
			c.wmu.Unlock()
			return // ended by another drive (serve's, beside a wake's)
		}
		// Not attached yet (between Server.Play and Start): a hang-up or a
		// shutdown now stays in endReason, and the wake that attach is
		// followed by ends the viewer with its end function. Ending it
		// here would end it without one: nobody would close or stop it.
		if c.out != nil {
			c.endMu.Lock()
			err := c.endReason
			c.endMu.Unlock()
			if err == nil && c.s.srv.isClosing() {
				err = ErrShutdown
			}
			if err == nil {
				err = c.drain()
			}
			if err != nil {
				c.closed = true
				onEnd := c.onEnd
				c.wmu.Unlock()
				if onEnd != nil {
					onEnd(peerGone(err))
				}
				return // running stays set: nothing drives c again
			}
		}
		c.wmu.Unlock()
		c.running.Store(false)
		if !c.again.Load() || !c.running.CompareAndSwap(false, true) {
			return
		}
	}
}

// peerGone reports a write that failed because the viewer hung up as the
// viewer leaving, not as an error: the fan-out writes at once, so it often
// meets the reset before the hang-up is noticed.
func peerGone(err error) error {
	if errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return ErrViewerGone
	}
	return err
}

// serve attaches c and waits until the viewer ends, for a transport that
// keeps a goroutine per viewer anyway (an RTMP connection reading its
// player's commands, a push to another server): the goroutine sends the
// start-up burst, then the fan-out and goroutines started on demand take
// over, and gone ends the viewer when it closes.
func (c *Consumer) serve(enc encoder, out Sink, gone <-chan struct{}) error {
	end := make(chan error, 1)
	c.attach(enc, out, func(err error) { end <- err })
	c.running.Store(true)
	c.drive()
	select {
	case err := <-end:
		return err
	case <-gone:
		c.hangUp(ErrViewerGone)
		err := <-end
		if err == io.EOF {
			return ErrViewerGone // it left as the session ended
		}
		return err
	}
}
