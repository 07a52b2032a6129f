package live

import (
	"github.com/picosrs/picosrs/flv"
)

// Packet is a published tag with its serialisations, built once per stream and
// shared read-only by every consumer of every format. Nothing in a Packet is
// written after the stream hands it to its ring, except ts and psi of the
// cached GOP, filled once under the stream lock before the stream's first TS
// viewer exists (Stream.ensureTS).
type Packet struct {
	flv.Tag // timestamp already corrected by the stream's time_jitter

	seq uint64 // position in the stream

	flvHead [flv.TagHeaderSize]byte // FLV tag header
	flvTail [4]byte                 // FLV PreviousTagSize

	adtsHead [7]byte // ADTS header, for AAC frames when the stream has an AAC config
	hasADTS  bool

	ts  []byte // MPEG-TS packets of this tag, when the stream serves TS
	psi []byte // the stream's PAT/PMT when this tag was muxed (shared)

	videoFrame bool // a coded video frame (not a sequence header)
	audioFrame bool // a coded audio frame (not a sequence header)
	keyframe   bool // a coded video keyframe
	seqHeader  bool // an audio or video sequence header
}

func newPacket(t flv.Tag) *Packet {
	p := &Packet{Tag: t}
	p.videoFrame = t.IsVideoFrame()
	p.audioFrame = t.IsAudioFrame()
	p.keyframe = p.videoFrame && t.IsKeyframe()
	p.seqHeader = t.IsSequenceHeader()
	return p
}

// seal builds the shared FLV framing once the timestamp is final.
func (p *Packet) seal() {
	flv.PutTagHeader(p.flvHead[:], p.Type, p.Timestamp, len(p.Data))
	flv.PutPreviousTagSize(p.flvTail[:], len(p.Data))
}

// size is what the packet costs in memory, for the ring's byte cap.
func (p *Packet) size() int { return len(p.Data) + len(p.ts) + 128 }
