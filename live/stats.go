package live

import (
	"sync/atomic"

	"github.com/picosrs/picosrs/flv"
)

// streamStats are a stream's counters; atomic adds on paths that already run.
type streamStats struct {
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
	frames   atomic.Uint64 // video frames
	audio    atomic.Uint64 // audio frames
}

func (s *streamStats) add(p *Packet) {
	s.bytesIn.Add(uint64(len(p.Data) + flv.TagHeaderSize + 4))
	switch {
	case p.videoFrame:
		s.frames.Add(1)
	case p.audioFrame:
		s.audio.Add(1)
	}
}
