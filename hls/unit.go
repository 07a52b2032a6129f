package hls

import "time"

// Unit is what one tag of the stream adds to its TS output.
//
// TS and PSI are shared, immutable bytes: the segmenter keeps references to
// them (never a copy) for as long as the segment that holds them is in the
// window, and never writes them.
type Unit struct {
	// TS is the tag's whole 188-byte TS packets; a keyframe's start with
	// PAT/PMT. Units without TS bytes are ignored.
	TS []byte
	// PSI is the PAT/PMT a decoder needs to start at this unit when it is
	// not a keyframe (continuity counters that lead into the stream's
	// next PAT/PMT); put in front of a segment that starts here.
	PSI []byte
	// DTS is the decode time.
	DTS time.Duration
	// Video marks a video frame, Key a video keyframe.
	Video, Key bool
}
