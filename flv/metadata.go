package flv

import (
	"encoding/binary"
	"math"
	"unicode/utf8"
)

// Metadata is the summary of an onMetaData script tag that the server needs:
// a few top-level fields, parsed once, without building the AMF0 tree.
// Specification: FLV v10.1, E.5 onMetaData.
//
// Numbers are the AMF0 numbers as sent (0 when absent or not a number).
// HasVideoCodecID and HasAudioCodecID report the mere presence of the
// videocodecid and audiocodecid keys, whatever their value (enhanced RTMP
// encoders may send a FourCC number or even a string), because the presence
// is what the FLV header's audio and video flags are guessed from.
type Metadata struct {
	Width           float64
	Height          float64
	FrameRate       float64 // framerate, frames per second
	VideoDataRate   float64 // videodatarate, kbit/s
	AudioDataRate   float64 // audiodatarate, kbit/s
	AudioSampleRate float64 // audiosamplerate, Hz
	AudioSampleSize float64 // audiosamplesize, bits
	Stereo          bool
	VideoCodecID    float64 // videocodecid when it is a number
	AudioCodecID    float64 // audiocodecid when it is a number
	HasVideoCodecID bool
	HasAudioCodecID bool
	Encoder         string // encoder, cut to at most MetadataEncoderMax bytes
}

// MetadataEncoderMax bounds Metadata.Encoder, the only memory ParseMetadata
// allocates.
const MetadataEncoderMax = 64

// AMF0 strings that start a metadata script body.
var (
	amf0OnMetaData   = []byte("\x02\x00\x0aonMetaData")
	amf0SetDataFrame = []byte("\x02\x00\x0d@setDataFrame")
)

func hasPrefix(b, prefix []byte) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == string(prefix)
}

// IsMetadata reports whether t is a script tag whose body starts with the
// AMF0 string "onMetaData".
func (t *Tag) IsMetadata() bool {
	return t.Type == TagScript && hasPrefix(t.Data, amf0OnMetaData)
}

// Bits of metadataField, so that the first of duplicate keys wins, as
// Object.Get does.
const (
	mdWidth = 1 << iota
	mdHeight
	mdFrameRate
	mdVideoDataRate
	mdAudioDataRate
	mdAudioSampleRate
	mdAudioSampleSize
	mdStereo
	mdVideoCodecID
	mdAudioCodecID
	mdEncoder
)

// ParseMetadata parses a script tag body "onMetaData", then an ECMA array or
// an object (AMF0 sections 2.10 and 2.5); the "@setDataFrame" "onMetaData"
// form of the RTMP data message is accepted too. Only top-level entries are
// read; nested values are skipped, within AMF0MaxDepth. An ECMA array that
// ends with the body without its end marker is accepted, as
// UnmarshalAMF0 does. It reports false, with a zero Metadata, when body is
// not such a tag or is malformed anywhere up to the end of the array.
//
// It allocates nothing but the Encoder string (at most MetadataEncoderMax
// bytes), whatever the input, and does not retain body.
func ParseMetadata(body []byte) (Metadata, bool) {
	b := body
	if hasPrefix(b, amf0SetDataFrame) {
		b = b[len(amf0SetDataFrame):]
	}
	if !hasPrefix(b, amf0OnMetaData) {
		return Metadata{}, false
	}
	b = b[len(amf0OnMetaData):]
	if len(b) < 1 {
		return Metadata{}, false
	}
	lenient := false
	switch b[0] {
	case amf0ECMAArray:
		if len(b) < 5 {
			return Metadata{}, false
		}
		b, lenient = b[5:], true // the count is a hint only
	case amf0Object:
		b = b[1:]
	default:
		return Metadata{}, false
	}
	var md Metadata
	var seen int
	for {
		if lenient && len(b) == 0 {
			return md, true
		}
		if amf0IsObjectEnd(b) {
			return md, true
		}
		if len(b) < 2 {
			return Metadata{}, false
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n+1 {
			return Metadata{}, false
		}
		key := b[2 : 2+n]
		b = b[2+n:]
		field := metadataField(key)
		if field == 0 || seen&field != 0 {
			var err error
			if b, err = amf0Skip(b, 1); err != nil {
				return Metadata{}, false
			}
			continue
		}
		seen |= field
		var ok bool
		if b, ok = md.set(field, b); !ok {
			return Metadata{}, false
		}
	}
}

// metadataField returns the bit of a key ParseMetadata keeps, or 0. The
// switch on string(key) does not allocate.
func metadataField(key []byte) int {
	switch string(key) {
	case "width":
		return mdWidth
	case "height":
		return mdHeight
	case "framerate":
		return mdFrameRate
	case "videodatarate":
		return mdVideoDataRate
	case "audiodatarate":
		return mdAudioDataRate
	case "audiosamplerate":
		return mdAudioSampleRate
	case "audiosamplesize":
		return mdAudioSampleSize
	case "stereo":
		return mdStereo
	case "videocodecid":
		return mdVideoCodecID
	case "audiocodecid":
		return mdAudioCodecID
	case "encoder":
		return mdEncoder
	}
	return 0
}

// set stores the value at the start of b in field and returns the bytes
// after it. A value of another type than the field's is skipped.
func (md *Metadata) set(field int, b []byte) ([]byte, bool) {
	switch field {
	case mdVideoCodecID:
		md.HasVideoCodecID = true
	case mdAudioCodecID:
		md.HasAudioCodecID = true
	}
	switch b[0] {
	case amf0Number:
		if len(b) < 9 {
			return b, false
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(b[1:]))
		switch field {
		case mdWidth:
			md.Width = f
		case mdHeight:
			md.Height = f
		case mdFrameRate:
			md.FrameRate = f
		case mdVideoDataRate:
			md.VideoDataRate = f
		case mdAudioDataRate:
			md.AudioDataRate = f
		case mdAudioSampleRate:
			md.AudioSampleRate = f
		case mdAudioSampleSize:
			md.AudioSampleSize = f
		case mdVideoCodecID:
			md.VideoCodecID = f
		case mdAudioCodecID:
			md.AudioCodecID = f
		}
		return b[9:], true
	case amf0Boolean:
		if len(b) < 2 {
			return b, false
		}
		if field == mdStereo {
			md.Stereo = b[1] != 0
		}
		return b[2:], true
	case amf0String, amf0LongString, amf0XMLDocument:
		if field == mdEncoder {
			var n uint64
			if b[0] == amf0String {
				if len(b) < 3 {
					return b, false
				}
				n, b = uint64(binary.BigEndian.Uint16(b[1:])), b[3:]
			} else {
				if len(b) < 5 {
					return b, false
				}
				n, b = uint64(binary.BigEndian.Uint32(b[1:])), b[5:]
			}
			if n > uint64(len(b)) {
				return b, false
			}
			md.Encoder = truncateUTF8(b[:n], MetadataEncoderMax)
			return b[n:], true
		}
	}
	rest, err := amf0Skip(b, 1)
	return rest, err == nil
}

// truncateUTF8 returns s as a string of at most max bytes, cut at a rune
// boundary when s is UTF-8.
func truncateUTF8(s []byte, max int) string {
	if len(s) > max {
		n := max
		for i := max; i > max-utf8.UTFMax; i-- {
			if utf8.RuneStart(s[i]) {
				n = i
				break
			}
		}
		s = s[:n] // no rune start near max: not UTF-8, cut at max
	}
	return string(s)
}
