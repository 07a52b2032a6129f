package hls

import "time"

// Segment is one closed media segment. Once in a window nothing in it
// changes: readers may hold it after it left the window, for as long as
// they write it out.
type Segment struct {
	// Seq is the media sequence number.
	Seq uint64
	// Duration is the time from the segment's first unit to the next
	// segment's first (to its own last unit at a discontinuity or the end
	// of the stream).
	Duration time.Duration
	// Discontinuity marks a segment that does not continue the one before
	// it (EXT-X-DISCONTINUITY): a republish, a new timeline, a codec change.
	Discontinuity bool
	// Path is the segment's URL path and file name, without the leading '/'.
	Path string
	// URI is how the playlist lists it.
	URI string

	bufs [][]byte // the units' shared TS bytes, in order; nil on disk only
	size int64    // bytes served: the sum of len(bufs[i])
	mem  int64    // memory held: the sum of cap(bufs[i])
}

// Size is the segment's length in bytes.
func (s *Segment) Size() int64 { return s.size }

// AppendBuffers appends the segment's TS bytes to dst, slice by slice, and
// returns the extended slice. The bytes are shared and must not be written;
// dst is the caller's, so it may be consumed (net.Buffers.WriteTo does).
func (s *Segment) AppendBuffers(dst [][]byte) [][]byte { return append(dst, s.bufs...) }

// Buffers returns how many slices AppendBuffers appends.
func (s *Segment) Buffers() int { return len(s.bufs) }
