package mp3

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers branch with errors.Is.
var (
	// ErrShortBuffer means fewer than 4 bytes.
	ErrShortBuffer = errors.New("mp3: short buffer")
	// ErrNoSync means the 11-bit frame sync is missing.
	ErrNoSync = errors.New("mp3: no frame sync")
	// ErrInvalidHeader means a reserved version, layer, bitrate or sample
	// rate index.
	ErrInvalidHeader = errors.New("mp3: invalid frame header")
	// ErrFreeFormat means bitrate index 0 (free format), whose frame length
	// cannot be known from the header alone; it is not supported.
	ErrFreeFormat = errors.New("mp3: free-format bitrate not supported")
)

// Version is the MPEG audio version.
type Version int

// MPEG audio versions. MPEG-2.5 is the unofficial low-rate extension.
const (
	MPEG1  Version = 1
	MPEG2  Version = 2
	MPEG25 Version = 25
)

// String returns "MPEG-1", "MPEG-2" or "MPEG-2.5".
func (v Version) String() string {
	switch v {
	case MPEG1:
		return "MPEG-1"
	case MPEG2:
		return "MPEG-2"
	case MPEG25:
		return "MPEG-2.5"
	}
	return fmt.Sprintf("Version(%d)", int(v))
}

// ChannelMode is the 2-bit mode field.
type ChannelMode int

// Channel modes. Specification: ISO 11172-3, 2.4.2.3 (mode).
const (
	Stereo      ChannelMode = 0
	JointStereo ChannelMode = 1
	DualChannel ChannelMode = 2
	Mono        ChannelMode = 3
)

// FrameHeader is a parsed 4-byte MPEG audio frame header.
//
// Specification: ISO 11172-3, 2.4.1.3 (header) and 2.4.2.3 (semantics);
// ISO 13818-3, 2.4.2.3 for the lower sampling frequencies (ID = 0);
// MPEG-2.5 is the de facto extension that reuses the first sync bit.
type FrameHeader struct {
	Version       Version
	Layer         int  // 1, 2 or 3
	Protected     bool // a 16-bit CRC follows the header (protection_bit == 0)
	Bitrate       int  // kbit/s
	SampleRate    int  // Hz
	Padding       bool
	Private       bool
	ChannelMode   ChannelMode
	ModeExtension int
	Copyright     bool
	Original      bool
	Emphasis      int
	FrameLength   int // bytes, header included
	Samples       int // samples per channel per frame
}

// Channels is 1 for mono and 2 otherwise.
func (h FrameHeader) Channels() int {
	if h.ChannelMode == Mono {
		return 1
	}
	return 2
}

// bitrates in kbit/s by [row][bitrate_index]; index 0 is free format, 15 is
// forbidden. Rows: 0 V1 L1, 1 V1 L2, 2 V1 L3, 3 V2/2.5 L1, 4 V2/2.5 L2 and L3.
// Specification: ISO 11172-3, 2.4.2.3 (bitrate_index); ISO 13818-3, Table 2.4.2.3.
var bitrates = [5][15]int{
	{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
	{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
	{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
	{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
}

// sampleRates in Hz by version, [sampling_frequency index]; index 3 is reserved.
// Rows: 0 MPEG-1, 1 MPEG-2, 2 MPEG-2.5.
var sampleRates = [3][3]int{
	{44100, 48000, 32000},
	{22050, 24000, 16000},
	{11025, 12000, 8000},
}

// ParseFrameHeader parses the 4-byte frame header at the start of b and
// computes the frame length. It rejects a missing sync, the reserved version
// and layer codes, bitrate index 15, sample rate index 3 and the free-format
// bitrate (ErrFreeFormat). It does not enforce the Layer II bitrate/mode
// restrictions of ISO 11172-3 2.4.2.3, which decoders do not enforce either.
//
// Specification: ISO 11172-3, 2.4.1.3 and 2.4.2.3. b is only read.
func ParseFrameHeader(b []byte) (FrameHeader, error) {
	if len(b) < 4 {
		return FrameHeader{}, ErrShortBuffer
	}
	if b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return FrameHeader{}, ErrNoSync
	}
	var h FrameHeader
	switch b[1] >> 3 & 3 {
	case 0:
		h.Version = MPEG25
	case 2:
		h.Version = MPEG2
	case 3:
		h.Version = MPEG1
	default:
		return FrameHeader{}, fmt.Errorf("%w: reserved version", ErrInvalidHeader)
	}
	layerBits := b[1] >> 1 & 3
	if layerBits == 0 {
		return FrameHeader{}, fmt.Errorf("%w: reserved layer", ErrInvalidHeader)
	}
	h.Layer = 4 - int(layerBits)
	h.Protected = b[1]&1 == 0

	bri := int(b[2] >> 4)
	sri := int(b[2] >> 2 & 3)
	if bri == 15 {
		return FrameHeader{}, fmt.Errorf("%w: bitrate index 15", ErrInvalidHeader)
	}
	if sri == 3 {
		return FrameHeader{}, fmt.Errorf("%w: sample rate index 3", ErrInvalidHeader)
	}
	if bri == 0 {
		return FrameHeader{}, ErrFreeFormat
	}
	row := h.Layer - 1
	if h.Version != MPEG1 {
		row = 3
		if h.Layer > 1 {
			row = 4
		}
	}
	h.Bitrate = bitrates[row][bri]
	srRow := 0
	switch h.Version {
	case MPEG2:
		srRow = 1
	case MPEG25:
		srRow = 2
	}
	h.SampleRate = sampleRates[srRow][sri]
	h.Padding = b[2]&0x02 != 0
	h.Private = b[2]&0x01 != 0
	h.ChannelMode = ChannelMode(b[3] >> 6)
	h.ModeExtension = int(b[3] >> 4 & 3)
	h.Copyright = b[3]&0x08 != 0
	h.Original = b[3]&0x04 != 0
	h.Emphasis = int(b[3] & 3)

	pad := 0
	if h.Padding {
		pad = 1
	}
	switch {
	case h.Layer == 1:
		// Slots of 4 bytes: 12 * bitrate / fs slots per 384 samples.
		h.Samples = 384
		h.FrameLength = (12*h.Bitrate*1000/h.SampleRate + pad) * 4
	case h.Layer == 3 && h.Version != MPEG1:
		// 576 samples per frame: 72 * bitrate / fs bytes.
		h.Samples = 576
		h.FrameLength = 72*h.Bitrate*1000/h.SampleRate + pad
	default:
		// 1152 samples per frame: 144 * bitrate / fs bytes.
		h.Samples = 1152
		h.FrameLength = 144*h.Bitrate*1000/h.SampleRate + pad
	}
	return h, nil
}
