package adts

import (
	"errors"
	"fmt"
)

// Sentinel errors. Callers branch with errors.Is.
var (
	// ErrShortBuffer means the input ended before the structure did.
	ErrShortBuffer = errors.New("adts: short buffer")
	// ErrInvalidObjectType means an audio object type of 0 (null) or one ADTS
	// cannot carry.
	ErrInvalidObjectType = errors.New("adts: invalid audio object type")
	// ErrInvalidSampleRate means a reserved sampling frequency index, or an
	// explicit frequency ADTS cannot express.
	ErrInvalidSampleRate = errors.New("adts: invalid sampling frequency")
	// ErrInvalidChannels means a channel configuration ADTS cannot carry.
	ErrInvalidChannels = errors.New("adts: invalid channel configuration")
	// ErrFrameTooLarge means header plus payload exceed the 13-bit
	// aac_frame_length field (8191 bytes).
	ErrFrameTooLarge = errors.New("adts: frame too large")
	// ErrInvalidHeader means bytes that are not an ADTS header.
	ErrInvalidHeader = errors.New("adts: invalid header")
)

// Audio object types that matter here.
// Specification: ISO 14496-3, 1.5.1.1, Table 1.1 (Audio Object Types).
const (
	ObjectTypeMain = 1  // AAC Main
	ObjectTypeLC   = 2  // AAC LC
	ObjectTypeSSR  = 3  // AAC SSR
	ObjectTypeLTP  = 4  // AAC LTP
	ObjectTypeSBR  = 5  // SBR (HE-AAC v1)
	ObjectTypePS   = 29 // PS (HE-AAC v2)
)

// sampleRates maps samplingFrequencyIndex to Hz.
// Specification: ISO 14496-3, 1.6.3.4, Table 1.18 (0xd and 0xe reserved, 0xf escape).
var sampleRates = [13]int{
	96000, 88200, 64000, 48000, 44100, 32000,
	24000, 22050, 16000, 12000, 11025, 8000, 7350,
}

// SampleRateIndexOf returns the samplingFrequencyIndex for a rate in Hz, or
// false when the rate has no index (it then needs the explicit escape 15).
func SampleRateIndexOf(hz int) (int, bool) {
	for i, r := range sampleRates {
		if r == hz {
			return i, true
		}
	}
	return 0, false
}

// Config is the part of an AudioSpecificConfig that an ADTS header needs.
//
// Specification: ISO 14496-3, 1.6.2.1, Table 1.15 (AudioSpecificConfig).
type Config struct {
	ObjectType      int // audioObjectType, 1..95 (escape 31 already resolved)
	SampleRateIndex int // samplingFrequencyIndex, 0..12, or 15 for explicit
	ChannelConfig   int // channelConfiguration, 0..15 (0: defined in a PCE)
	SampleRate      int // sampling frequency in Hz: from the table, or explicit when SampleRateIndex is 15
}

// bitReader reads big-endian bit fields with a bounds check on every read.
type bitReader struct {
	b   []byte
	pos int // in bits
}

func (r *bitReader) read(n int) (int, error) {
	if r.pos+n > len(r.b)*8 {
		return 0, ErrShortBuffer
	}
	v := 0
	for i := 0; i < n; i++ {
		bit := (r.b[r.pos>>3] >> (7 - uint(r.pos&7))) & 1
		v = v<<1 | int(bit)
		r.pos++
	}
	return v, nil
}

// ParseASC parses the leading fields of an AudioSpecificConfig: the audio
// object type (with the 5-bit escape 31 -> 32 + 6 bits, GetAudioObjectType()),
// the sampling frequency index (with the escape 15 -> 24-bit explicit
// frequency) and the channel configuration. Trailing fields (GASpecificConfig,
// SBR extension) are not needed for ADTS and are ignored, as SRS does.
//
// Specification: ISO 14496-3, 1.6.2.1, Table 1.15 and Table 1.16.
// b is only read; the result does not refer to it.
func ParseASC(b []byte) (Config, error) {
	r := bitReader{b: b}
	var c Config
	ot, err := r.read(5)
	if err != nil {
		return Config{}, fmt.Errorf("adts: asc object type: %w", err)
	}
	if ot == 31 {
		ext, err := r.read(6)
		if err != nil {
			return Config{}, fmt.Errorf("adts: asc object type escape: %w", err)
		}
		ot = 32 + ext
	}
	if ot == 0 {
		return Config{}, ErrInvalidObjectType
	}
	c.ObjectType = ot
	if c.SampleRateIndex, err = r.read(4); err != nil {
		return Config{}, fmt.Errorf("adts: asc sampling index: %w", err)
	}
	switch {
	case c.SampleRateIndex == 15:
		if c.SampleRate, err = r.read(24); err != nil {
			return Config{}, fmt.Errorf("adts: asc sampling frequency: %w", err)
		}
		if c.SampleRate == 0 {
			return Config{}, ErrInvalidSampleRate
		}
	case c.SampleRateIndex < len(sampleRates):
		c.SampleRate = sampleRates[c.SampleRateIndex]
	default:
		return Config{}, ErrInvalidSampleRate
	}
	if c.ChannelConfig, err = r.read(4); err != nil {
		return Config{}, fmt.Errorf("adts: asc channel configuration: %w", err)
	}
	return c, nil
}

// AppendASC appends a minimal AudioSpecificConfig for c to dst: object type
// (escaped when >= 31), sampling frequency index (explicit 24-bit frequency
// when the index is 15) and channel configuration, zero-padded to a byte
// boundary (so the GASpecificConfig flags read as 0). It is the inverse of
// ParseASC for the fields Config holds.
//
// Specification: ISO 14496-3, 1.6.2.1, Table 1.15.
func AppendASC(dst []byte, c Config) ([]byte, error) {
	if c.ObjectType <= 0 || c.ObjectType > 95 {
		return dst, ErrInvalidObjectType
	}
	if c.ChannelConfig < 0 || c.ChannelConfig > 15 {
		return dst, ErrInvalidChannels
	}
	var acc uint64
	n := 0
	put := func(v, bits int) {
		acc = acc<<uint(bits) | uint64(v)&(1<<uint(bits)-1)
		n += bits
	}
	if c.ObjectType >= 31 {
		put(31, 5)
		put(c.ObjectType-32, 6)
	} else {
		put(c.ObjectType, 5)
	}
	switch {
	case c.SampleRateIndex == 15:
		if c.SampleRate <= 0 || c.SampleRate >= 1<<24 {
			return dst, ErrInvalidSampleRate
		}
		put(15, 4)
		put(c.SampleRate, 24)
	case c.SampleRateIndex >= 0 && c.SampleRateIndex < len(sampleRates):
		put(c.SampleRateIndex, 4)
	default:
		return dst, ErrInvalidSampleRate
	}
	put(c.ChannelConfig, 4)
	if pad := (8 - n%8) % 8; pad > 0 {
		put(0, pad)
	}
	for i := n - 8; i >= 0; i -= 8 {
		dst = append(dst, byte(acc>>uint(i)))
	}
	return dst, nil
}
