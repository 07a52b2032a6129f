package live

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// errTooSlow ends a viewer that fell behind the queue too many times.
var errTooSlow = errors.New("viewer too slow: fell behind the queue repeatedly")

// maxDrops is how many times a viewer may fall behind and be resynchronised
// before it is closed.
const maxDrops = 8

// maxBatch bounds the packets one consumer takes per write, and so how far
// a burst (a new viewer's cached GOP) grows its batch and writev vector
// (about 3 entries per packet), which drain lets go when it is done: a
// cached GOP goes out in a few writes instead of one.
const maxBatch = 64

// consumerKind decides which tags a consumer takes and where it starts.
type consumerKind int

const (
	kindAV        consumerKind = iota // FLV, TS, RTMP: everything, from the GOP cache
	kindAudioOnly                     // MP3, AAC: audio only, from the fast cache
)

// Consumer is one viewer's cursor into a stream's ring, and the state of
// writing to it.
//
// The read side (this file) is the consumer's position in the stream: it
// moves under the stream lock, and only whoever holds wmu moves it (pull is
// called with wmu held and takes the stream's read lock: lock order
// Consumer.wmu, then Stream.mu).
//
// The write side (consumer_write.go) is owned by whoever holds wmu: the
// consumer's goroutine, started on demand (drive), or, for one turn, the
// stream's fan-out, which only ever tries the lock.
type Consumer struct {
	s     *Stream
	kind  consumerKind
	epoch uint64 // the publishing session the consumer belongs to

	cursor uint64 // next ring position to send
	needSH bool   // metadata and sequence headers go first
	// waitKey skips A/V until the next keyframe (after an overflow, or when a
	// viewer joins a video stream with no GOP cached).
	waitKey bool
	drops   int

	wmu     sync.Mutex
	enc     encoder
	out     Sink
	own     scratch         // the batch and vector of the consumer's goroutine
	onEnd   func(err error) // called once when the viewer ends
	pending bool            // a write without waiting left bytes in out
	err     error           // the fan-out's pull or write error, for the goroutine
	closed  bool            // the viewer ended: write nothing more

	running, again atomic.Bool // a goroutine drives c; look again before it returns
	driveF         func()      // c.drive, bound once: "go c.drive()" would allocate
	endMu          sync.Mutex
	endReason      error // set by hangUp: the viewer left, was kicked, or the server stops
}

// position places c at its start point; the stream lock is held.
func (c *Consumer) position() {
	s := c.s
	c.needSH = true
	c.cursor = s.ring.head
	c.waitKey = false
	switch c.kind {
	case kindAudioOnly:
		fc := uint32(s.vh.Remux.FastCache / time.Millisecond)
		oldest := max(s.ring.tail, s.sessionEnd) // never a packet of an ended session
		if fc == 0 || s.ring.head == oldest {
			return
		}
		last := s.ring.at(s.ring.head - 1).Timestamp
		for seq := s.ring.head; seq > oldest; seq-- {
			p := s.ring.at(seq - 1)
			if p.Timestamp+fc < last {
				break
			}
			c.cursor = seq - 1
		}
	default:
		if start, ok := s.gop.startIn(&s.ring); ok && s.vh.GopCache {
			c.cursor = start
			return
		}
		c.waitKey = s.videoExpected()
	}
}

// Close detaches the consumer from its stream.
func (c *Consumer) Close() { c.s.unsubscribe(c) }

// Drops is how many times the consumer fell behind and was resynchronised.
func (c *Consumer) Drops() int { return c.drops }

// pull appends to dst the packets c should send next. It returns io.EOF when
// the publishing session c belongs to has ended. c.wmu is held.
func (c *Consumer) pull(dst []*Packet) ([]*Packet, error) {
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	return c.pullLocked(dst)
}

// pullLocked is pull with the stream's read lock already held (by the
// fan-out, for a run of consumers).
func (c *Consumer) pullLocked(dst []*Packet) ([]*Packet, error) {
	s := c.s
	head := s.ring.head
	if c.epoch != s.epoch {
		// The session ended: what c had not sent of it goes out, then EOF.
		if c.epoch+1 != s.epoch || c.cursor >= s.sessionEnd || c.cursor < s.ring.tail {
			return dst, io.EOF
		}
		head = s.sessionEnd
	}
	behind := c.cursor < s.ring.tail
	if !behind && c.cursor < head && s.vh.QueueLength > 0 {
		newest, oldest := s.ring.at(head-1).Timestamp, s.ring.at(c.cursor).Timestamp
		behind = newest >= oldest && time.Duration(newest-oldest)*time.Millisecond > s.vh.QueueLength
	}
	if behind {
		// Fall back to the sequence headers and the next (or cached) keyframe,
		// never to an arbitrary packet.
		c.drops++
		s.drops.note(s.log, "slow viewers resynchronised at a keyframe", nil)
		if c.drops > maxDrops {
			return dst, errTooSlow
		}
		c.position()
		if c.kind == kindAV && c.cursor == head {
			c.waitKey = s.videoExpected()
		}
	}
	if c.cursor >= head && !c.needSH {
		return dst, nil
	}
	sent := false
	if c.needSH && (s.meta != nil || s.vsh != nil || s.ash != nil) {
		c.needSH, sent = false, true
		if c.kind == kindAV && s.meta != nil {
			dst = append(dst, s.meta)
		}
		if c.kind == kindAV && s.vsh != nil {
			dst = append(dst, s.vsh)
		}
		if s.ash != nil {
			dst = append(dst, s.ash)
		}
	}
	for limit := len(dst) + maxBatch; c.cursor < head && len(dst) < limit; {
		p := s.ring.at(c.cursor)
		c.cursor++
		if c.kind == kindAudioOnly && p.Type != flv.TagAudio {
			continue
		}
		if sent && (p == s.meta || p == s.vsh || p == s.ash) {
			continue // already sent ahead of the queue
		}
		if c.waitKey {
			if p.keyframe {
				c.waitKey = false
			} else if !p.seqHeader && p.Type != flv.TagScript {
				continue
			}
		}
		dst = append(dst, p)
	}
	return dst, nil
}
