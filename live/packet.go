package live

import (
	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// rtmpHeadInline is the room a packet keeps inline for its RTMP chunk
// headers: a format-0 header with an extended timestamp (16 bytes) and a
// few format-3 ones; a message cut into more chunks spills to the heap.
const rtmpHeadInline = 32

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

	// RTMP chunk headers for message stream 1 and the stream's chunk size,
	// shared by every RTMP player that plays with those (all of them, in
	// practice): rtmp.AppendMessageHeaders over rtmpInline.
	rtmpHead   []byte
	rtmpInline [rtmpHeadInline]byte

	adtsHead [7]byte // ADTS header, for AAC frames when the stream has an AAC config
	hasADTS  bool

	ts  []byte // MPEG-TS packets of this tag, when the stream serves TS
	psi []byte // the stream's PAT/PMT when this tag was muxed (shared)

	// metadata is what an onMetaData tag says, parsed once at ingest into a
	// bounded summary; nil for every other tag.
	metadata *flv.Metadata

	videoFrame bool // a coded video frame (not a sequence header)
	audioFrame bool // a coded audio frame (not a sequence header)
	keyframe   bool // a coded video keyframe
	seqHeader  bool // an audio or video sequence header
}

// rtmpSharedStreamID is the message stream id the shared RTMP chunk headers
// are built for: the one picosrs answers createStream with.
const rtmpSharedStreamID = 1

func newPacket(t flv.Tag) *Packet {
	p := &Packet{Tag: t}
	p.videoFrame = t.IsVideoFrame()
	p.audioFrame = t.IsAudioFrame()
	p.keyframe = p.videoFrame && t.IsKeyframe()
	p.seqHeader = t.IsSequenceHeader()
	return p
}

// seal builds the shared FLV and RTMP framing once the timestamp is final.
func (p *Packet) seal(chunkSize int) {
	flv.PutTagHeader(p.flvHead[:], p.Type, p.Timestamp, len(p.Data))
	flv.PutPreviousTagSize(p.flvTail[:], len(p.Data))
	if csid, typ, ok := rtmp.MediaChunkStream(p.Type); ok && chunkSize > 0 {
		p.rtmpHead = rtmp.AppendMessageHeaders(p.rtmpInline[:0], csid, typ, p.Timestamp, rtmpSharedStreamID, len(p.Data), chunkSize)
	}
}

// size is what the packet costs in memory, for the ring's byte cap.
func (p *Packet) size() int { return len(p.Data) + len(p.ts) + 160 }
