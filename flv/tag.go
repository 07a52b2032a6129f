// Package flv holds the unit that flows through picosrs, the FLV tag, together
// with the FLV file reader and writer, the AMF0 codec and the onMetaData
// summary (ParseMetadata).
//
// Everything here parses bytes from the network or from files, so every
// parser checks bounds before it reads and allocates in proportion to the
// bytes actually present, never to a length or count read from them: AMF0
// at most 20 bytes per input byte, ParseMetadata and ParseTagHeader nothing
// but the bounded encoder name; the fuzz targets assert these ceilings.
//
// An RTMP audio, video or data message body is byte for byte an FLV tag body,
// so one type serves both protocols. Once a Tag is handed to the live server it
// is immutable and shared by every consumer.
package flv

// TagType is the FLV tag type, which uses the same numbers as RTMP message types.
// Specification: Adobe FLV and F4V File Format Specification v10.1, E.4.1.
type TagType uint8

// Tag types.
const (
	TagAudio  TagType = 8
	TagVideo  TagType = 9
	TagScript TagType = 18
)

// Sound formats (SoundFormat, the high nibble of the first audio byte).
const (
	SoundMP3 = 2
	SoundAAC = 10
)

// Video codec ids (CodecID, the low nibble of the first video byte) and the
// enhanced RTMP FourCCs picosrs recognises.
const (
	CodecH264 = 7
	CodecHEVC = 12
	CodecAV1  = 13
)

// Enhanced RTMP packet types (low nibble when the IsExHeader bit is set).
const (
	exPacketSequenceStart = 0
	exPacketCodedFrames   = 1
	exPacketCodedFramesX  = 3
)

// FourCCHEVC is the enhanced RTMP FourCC for HEVC.
const FourCCHEVC = "hvc1"

// Tag is one FLV tag: its type, its timestamp in milliseconds and its body.
//
// Data is the tag body only: no 11-byte tag header and no PreviousTagSize.
// Ownership: whoever creates a Tag owns Data until it hands the Tag on; after
// that Data must never be written again, because it is shared.
type Tag struct {
	Type      TagType
	Timestamp uint32
	Data      []byte
}

// IsAudio reports whether t is an audio tag.
func (t *Tag) IsAudio() bool { return t.Type == TagAudio }

// IsVideo reports whether t is a video tag.
func (t *Tag) IsVideo() bool { return t.Type == TagVideo }

// IsScript reports whether t is a script (data) tag.
func (t *Tag) IsScript() bool { return t.Type == TagScript }

// SoundFormat returns the audio codec of an audio tag, or -1.
func (t *Tag) SoundFormat() int {
	if t.Type != TagAudio || len(t.Data) < 1 {
		return -1
	}
	return int(t.Data[0] >> 4)
}

// isExVideo reports whether a video tag uses the enhanced RTMP header.
func (t *Tag) isExVideo() bool {
	return t.Type == TagVideo && len(t.Data) >= 5 && t.Data[0]&0x80 != 0
}

// VideoCodec returns the video codec id of a video tag (CodecH264,
// CodecHEVC for both legacy id 12 and enhanced hvc1, ...), or -1.
func (t *Tag) VideoCodec() int {
	if t.Type != TagVideo || len(t.Data) < 1 {
		return -1
	}
	if t.isExVideo() {
		switch string(t.Data[1:5]) {
		case "hvc1":
			return CodecHEVC
		case "av01":
			return CodecAV1
		case "avc1":
			return CodecH264
		}
		return -1
	}
	return int(t.Data[0] & 0x0f)
}

// IsKeyframe reports whether t is a video keyframe (frame type 1), sequence
// headers included.
func (t *Tag) IsKeyframe() bool {
	if t.Type != TagVideo || len(t.Data) < 1 {
		return false
	}
	if t.isExVideo() {
		return (t.Data[0]>>4)&0x07 == 1
	}
	return t.Data[0]>>4 == 1
}

// IsSequenceHeader reports whether t is a video decoder configuration record
// (AVC/HEVC sequence header) or an AAC AudioSpecificConfig.
func (t *Tag) IsSequenceHeader() bool {
	switch t.Type {
	case TagVideo:
		if t.isExVideo() {
			return t.Data[0]&0x0f == exPacketSequenceStart
		}
		if len(t.Data) < 2 || t.Data[0]>>4 == 5 {
			return false
		}
		c := t.Data[0] & 0x0f
		return (c == CodecH264 || c == CodecHEVC || c == CodecAV1) && t.Data[1] == 0
	case TagAudio:
		return len(t.Data) >= 2 && t.Data[0]>>4 == SoundAAC && t.Data[1] == 0
	}
	return false
}

// IsVideoFrame reports whether t is a coded video frame (not a sequence header,
// not a video info/command frame). Frames, not headers, decide the FLV header.
func (t *Tag) IsVideoFrame() bool {
	if t.Type != TagVideo || len(t.Data) < 2 || t.IsSequenceHeader() {
		return false
	}
	if t.isExVideo() {
		pt := t.Data[0] & 0x0f
		return pt == exPacketCodedFrames || pt == exPacketCodedFramesX
	}
	if t.Data[0]>>4 == 5 {
		return false // video info/command frame
	}
	switch t.Data[0] & 0x0f {
	case CodecH264, CodecHEVC, CodecAV1:
		return t.Data[1] == 1 // AVCPacketType 1: NALUs (2 is end of sequence)
	}
	return true
}

// IsAudioFrame reports whether t is a coded audio frame (not an AAC sequence header).
func (t *Tag) IsAudioFrame() bool {
	return t.Type == TagAudio && len(t.Data) >= 2 && !t.IsSequenceHeader()
}

// CompositionTime returns the composition time offset (PTS - DTS) in ms of an
// AVC or HEVC coded frame, or 0.
func (t *Tag) CompositionTime() int32 {
	if t.Type != TagVideo {
		return 0
	}
	var b []byte
	if t.isExVideo() {
		if t.Data[0]&0x0f != exPacketCodedFrames || len(t.Data) < 8 {
			return 0 // CodedFramesX has no composition time
		}
		b = t.Data[5:8]
	} else {
		if len(t.Data) < 5 || t.Data[1] != 1 {
			return 0
		}
		b = t.Data[2:5]
	}
	v := int32(b[0])<<16 | int32(b[1])<<8 | int32(b[2])
	if v&0x800000 != 0 {
		v -= 1 << 24 // sign-extend SI24
	}
	return v
}

// VideoPayload returns the codec payload of a coded video frame (NAL units in
// length-prefixed form), without the FLV video header, or nil.
func (t *Tag) VideoPayload() []byte {
	if t.Type != TagVideo {
		return nil
	}
	if t.isExVideo() {
		switch t.Data[0] & 0x0f {
		case exPacketCodedFrames:
			if len(t.Data) >= 8 {
				return t.Data[8:]
			}
		case exPacketCodedFramesX:
			return t.Data[5:]
		case exPacketSequenceStart:
			return t.Data[5:]
		}
		return nil
	}
	if len(t.Data) < 5 {
		return nil
	}
	return t.Data[5:]
}

// AudioPayload returns the codec payload of an audio tag without its FLV audio
// header (one byte, two for AAC), or nil.
func (t *Tag) AudioPayload() []byte {
	if t.Type != TagAudio || len(t.Data) < 1 {
		return nil
	}
	if t.Data[0]>>4 == SoundAAC {
		if len(t.Data) < 2 {
			return nil
		}
		return t.Data[2:]
	}
	return t.Data[1:]
}
