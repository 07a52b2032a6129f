package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// fixture is an FLV file held in memory: the start-up tags (metadata and
// sequence headers, sent once) and the coded frames (sent in a loop).
type fixture struct {
	head   []flv.Tag
	frames []flv.Tag
	period uint32 // ms added to the frames' timestamps on each loop
	bytes  int    // bytes of frame bodies in one loop
}

// loadFixture reads an FLV file. Tag bodies are shared by every publisher and
// never written.
func loadFixture(path string) (*fixture, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	_, tags, _, err := flv.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fx := &fixture{}
	var last uint32
	for _, t := range tags {
		if t.Type == flv.TagScript || t.IsSequenceHeader() {
			if len(fx.frames) == 0 {
				fx.head = append(fx.head, t)
			}
			continue
		}
		if !t.IsVideoFrame() && !t.IsAudioFrame() {
			// An AVC end of sequence (the file's last tag) and the like: not
			// part of a looping live stream, and no viewer counts it.
			continue
		}
		fx.frames = append(fx.frames, t)
		fx.bytes += len(t.Data)
		last = max(last, t.Timestamp)
	}
	if len(fx.frames) == 0 {
		return nil, fmt.Errorf("%s: no audio or video frames", path)
	}
	// One video frame past the last timestamp keeps the loop's deltas small,
	// so a server's time_jitter (SRS "full") leaves the timestamps alone.
	fx.period = last + 40
	return fx, nil
}

// Track indexes of the send table.
const (
	trackAudio = 0
	trackVideo = 1
)

// tableSlots is the window, in ms of stream time, in which a received tag can
// still be matched to its send time.
const tableSlots = 8192

// slot holds the send record of one tag: key is a valid bit, the tag
// timestamp (23 bits) and the send time in µs since the run began (40 bits);
// seq is the tag's position in the publisher's sequence of frames.
type slot struct {
	key atomic.Uint64
	seq atomic.Uint64
}

// sendTable maps (track, timestamp) to when the publisher began writing the
// tag. The publisher writes it; every viewer of the stream reads it, without
// locks or allocation.
type sendTable struct {
	epoch time.Time // the run's time origin
	slots [2][tableSlots]slot
}

const slotValid = 1 << 63

func tsKey(ts uint32) uint64 { return uint64(ts&(1<<23-1)) << 40 }

func (t *sendTable) put(track int, ts uint32, seq uint64, at time.Time) {
	s := &t.slots[track][ts%tableSlots]
	us := uint64(at.Sub(t.epoch).Microseconds()) & (1<<40 - 1)
	s.seq.Store(seq)
	s.key.Store(slotValid | tsKey(ts) | us)
}

// get returns the send time (µs since the epoch) and the sequence number of
// the tag of track with timestamp ts, if it is still in the window.
func (t *sendTable) get(track int, ts uint32) (us int64, seq uint64, ok bool) {
	s := &t.slots[track][ts%tableSlots]
	k := s.key.Load()
	if k&slotValid == 0 || k&^(slotValid|(1<<40-1)) != tsKey(ts) {
		return 0, 0, false
	}
	return int64(k & (1<<40 - 1)), s.seq.Load(), true
}

// publisher pushes the fixture to one stream, paced in real time.
type publisher struct {
	url   string
	fx    *fixture
	table *sendTable
	sent  atomic.Uint64 // frames written
	err   error
}

// run publishes until ctx ends. The first frame is due at once; every later
// frame at its timestamp after the first.
func (p *publisher) run(ctx context.Context) error {
	c, err := rtmp.Dial(ctx, p.url, rtmp.DialConfig{})
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Publish(ctx); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	for i := range p.fx.head {
		if err := c.WriteTag(&p.fx.head[i]); err != nil {
			return err
		}
	}
	t0 := time.Now()
	first := p.fx.frames[0].Timestamp
	var seq uint64
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for loop := uint32(0); ; loop++ {
		for i := range p.fx.frames {
			f := &p.fx.frames[i]
			ts := f.Timestamp + loop*p.fx.period
			due := t0.Add(time.Duration(ts-first) * time.Millisecond)
			if d := time.Until(due); d > 0 {
				timer.Reset(d)
				select {
				case <-timer.C:
				case <-ctx.Done():
					c.Unpublish()
					return nil
				}
			}
			tag := flv.Tag{Type: f.Type, Timestamp: ts, Data: f.Data}
			track := trackAudio
			if f.Type == flv.TagVideo {
				track = trackVideo
			}
			p.table.put(track, ts, seq, time.Now())
			seq++
			if err := c.WriteTag(&tag); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				return err
			}
			p.sent.Add(1)
		}
	}
}

var errNotLoopback = errors.New("only loopback addresses are allowed")
