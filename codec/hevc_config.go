package codec

import (
	"fmt"
	"slices"
)

// hevcConfigHeaderSize is the size of the fixed part of an
// HEVCDecoderConfigurationRecord, numOfArrays included.
const hevcConfigHeaderSize = 23

// HEVCConfig is an HEVCDecoderConfigurationRecord: the body of an FLV/RTMP
// HEVC sequence header after its prefix, and of an MP4 hvcC box. The general_
// fields repeat the profile_tier_level of the SPS (ITU-T H.265 7.3.3).
//
// Specification: ISO 14496-15, 8.3.3.1.2.
//
// Unmarshal stores the NAL units as sub-slices of its input, not copies:
// they are valid while the input is, and must not be written. Marshal,
// Append and AppendAnnexB only read them.
type HEVCConfig struct {
	GeneralProfileSpace              uint8  // 0..3
	GeneralTierFlag                  bool   // false Main tier, true High tier
	GeneralProfileIDC                uint8  // 0..31: 1 Main, 2 Main 10, 3 Main Still Picture, 4 range extensions
	GeneralProfileCompatibilityFlags uint32 // flag j is bit 31-j
	GeneralConstraintIndicatorFlags  uint64 // 48 bits: general_progressive_source_flag is bit 47
	GeneralLevelIDC                  uint8  // 30 times the level: 93 is level 3.1
	MinSpatialSegmentationIDC        uint16 // 0..4095
	ParallelismType                  uint8  // 0..3
	ChromaFormat                     uint8  // chroma_format_idc, 0..3
	BitDepthLumaMinus8               uint8  // 0..7
	BitDepthChromaMinus8             uint8  // 0..7
	AvgFrameRate                     uint16 // frames per 256 seconds, 0 when unspecified
	ConstantFrameRate                uint8  // 0..3
	NumTemporalLayers                uint8  // 0..7
	TemporalIDNested                 bool
	NALLengthSize                    uint8 // lengthSizeMinusOne+1: bytes before each NAL unit of a frame, 1..4

	Arrays []HEVCArray // at most 255, in record order
}

// HEVCArray is one array of an HEVCDecoderConfigurationRecord: the NAL units
// of one type (VPS, SPS, PPS, SEI).
type HEVCArray struct {
	Complete bool     // array_completeness: every unit of this type is here, none in the stream
	NALType  uint8    // NAL_unit_type, 0..63
	NALUs    [][]byte // at most 65535
}

// Unmarshal decodes a record from b. The NAL units alias b. Reserved bits
// and bytes after the last array are ignored. On error c is unchanged.
func (c *HEVCConfig) Unmarshal(b []byte) error {
	if len(b) < hevcConfigHeaderSize {
		return fmt.Errorf("%w: hvcC of %d bytes", ErrShortBuffer, len(b))
	}
	if b[0] != 1 {
		return fmt.Errorf("%w: hvcC version %d", ErrVersion, b[0])
	}
	v := HEVCConfig{
		GeneralProfileSpace:              b[1] >> 6,
		GeneralTierFlag:                  b[1]&0x20 != 0,
		GeneralProfileIDC:                b[1] & 0x1F,
		GeneralProfileCompatibilityFlags: uint32(b[2])<<24 | uint32(b[3])<<16 | uint32(b[4])<<8 | uint32(b[5]),
		GeneralConstraintIndicatorFlags: uint64(b[6])<<40 | uint64(b[7])<<32 | uint64(b[8])<<24 |
			uint64(b[9])<<16 | uint64(b[10])<<8 | uint64(b[11]),
		GeneralLevelIDC:           b[12],
		MinSpatialSegmentationIDC: uint16(b[13]&0x0F)<<8 | uint16(b[14]),
		ParallelismType:           b[15] & 3,
		ChromaFormat:              b[16] & 3,
		BitDepthLumaMinus8:        b[17] & 7,
		BitDepthChromaMinus8:      b[18] & 7,
		AvgFrameRate:              uint16(b[19])<<8 | uint16(b[20]),
		ConstantFrameRate:         b[21] >> 6,
		NumTemporalLayers:         b[21] >> 3 & 7,
		TemporalIDNested:          b[21]&4 != 0,
		NALLengthSize:             b[21]&3 + 1,
	}
	n := int(b[22])
	pos := hevcConfigHeaderSize
	if n > 0 {
		v.Arrays = make([]HEVCArray, 0, min(n, (len(b)-pos)/3))
	}
	for i := range n {
		if len(b)-pos < 3 {
			return fmt.Errorf("%w: hvcC array %d of %d: no header", ErrShortBuffer, i+1, n)
		}
		a := HEVCArray{Complete: b[pos]&0x80 != 0, NALType: b[pos] & 0x3F}
		var err error
		if a.NALUs, pos, err = readNALUs(b, pos+3, int(b[pos+1])<<8|int(b[pos+2]), "hvcC nal unit"); err != nil {
			return err
		}
		v.Arrays = append(v.Arrays, a)
	}
	*c = v
	return nil
}

// Marshal encodes the record into a new slice. Reserved bits are written as
// the specification has them (ones, and a zero after array_completeness), so
// a record that Unmarshal read comes back byte for byte unless its reserved
// bits differed or it had bytes after the last array.
func (c *HEVCConfig) Marshal() ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return c.append(make([]byte, 0, c.size())), nil
}

// Append appends the encoded record to dst and returns the extended slice.
// On error dst is returned unchanged.
func (c *HEVCConfig) Append(dst []byte) ([]byte, error) {
	if err := c.check(); err != nil {
		return dst, err
	}
	return c.append(slices.Grow(dst, c.size())), nil
}

// check fails with ErrOutOfRange on a record that cannot be encoded.
func (c *HEVCConfig) check() error {
	switch {
	case c.GeneralProfileSpace > 3, c.GeneralProfileIDC > 31, c.GeneralConstraintIndicatorFlags >= 1<<48,
		c.MinSpatialSegmentationIDC > 4095, c.ParallelismType > 3, c.ChromaFormat > 3,
		c.BitDepthLumaMinus8 > 7, c.BitDepthChromaMinus8 > 7, c.ConstantFrameRate > 3, c.NumTemporalLayers > 7:
		return fmt.Errorf("%w: hvcC field too wide for its bits", ErrOutOfRange)
	case c.NALLengthSize < 1 || c.NALLengthSize > 4:
		return fmt.Errorf("%w: hvcC NAL length size %d", ErrOutOfRange, c.NALLengthSize)
	case len(c.Arrays) > 255:
		return fmt.Errorf("%w: %d hvcC arrays, at most 255", ErrOutOfRange, len(c.Arrays))
	}
	for i, a := range c.Arrays {
		if a.NALType > 63 {
			return fmt.Errorf("%w: hvcC array %d NAL type %d", ErrOutOfRange, i+1, a.NALType)
		}
		if err := checkNALUs(a.NALUs, 1<<16-1, "hvcC nal units in an array"); err != nil {
			return err
		}
	}
	return nil
}

// size is the encoded size of a checked record.
func (c *HEVCConfig) size() int {
	n := hevcConfigHeaderSize
	for _, a := range c.Arrays {
		n += 3 + 2*len(a.NALUs)
		for _, u := range a.NALUs {
			n += len(u)
		}
	}
	return n
}

// append encodes a checked record.
func (c *HEVCConfig) append(dst []byte) []byte {
	b1 := c.GeneralProfileSpace<<6 | c.GeneralProfileIDC
	if c.GeneralTierFlag {
		b1 |= 0x20
	}
	b21 := c.ConstantFrameRate<<6 | c.NumTemporalLayers<<3 | (c.NALLengthSize - 1)
	if c.TemporalIDNested {
		b21 |= 4
	}
	p, k := c.GeneralProfileCompatibilityFlags, c.GeneralConstraintIndicatorFlags
	dst = append(dst, 1, b1,
		byte(p>>24), byte(p>>16), byte(p>>8), byte(p),
		byte(k>>40), byte(k>>32), byte(k>>24), byte(k>>16), byte(k>>8), byte(k),
		c.GeneralLevelIDC,
		0xF0|byte(c.MinSpatialSegmentationIDC>>8), byte(c.MinSpatialSegmentationIDC),
		0xFC|c.ParallelismType, 0xFC|c.ChromaFormat,
		0xF8|c.BitDepthLumaMinus8, 0xF8|c.BitDepthChromaMinus8,
		byte(c.AvgFrameRate>>8), byte(c.AvgFrameRate),
		b21, byte(len(c.Arrays)))
	for _, a := range c.Arrays {
		t := a.NALType
		if a.Complete {
			t |= 0x80
		}
		dst = append(dst, t, byte(len(a.NALUs)>>8), byte(len(a.NALUs)))
		dst = appendNALUs(dst, a.NALUs)
	}
	return dst
}

// AppendAnnexB appends every NAL unit of every array, in record order (VPS,
// SPS, PPS, then any SEI, as encoders write them), each behind a 4-byte
// start code, to dst and returns the extended slice. Empty units are left
// out. The result does not alias c.
func (c *HEVCConfig) AppendAnnexB(dst []byte) []byte {
	size := 0
	for _, a := range c.Arrays {
		size += annexBSize(a.NALUs)
	}
	if size == 0 {
		return dst
	}
	dst = slices.Grow(dst, size)
	for _, a := range c.Arrays {
		dst = appendAnnexB(dst, a.NALUs)
	}
	return dst
}

// SPS returns the first non-empty NAL unit of the record's SPS arrays, for
// H265SPS.Unmarshal, or nil. It aliases the record's units.
func (c *HEVCConfig) SPS() []byte {
	for _, a := range c.Arrays {
		if a.NALType != hevcNALSPS {
			continue
		}
		for _, u := range a.NALUs {
			if len(u) > 0 {
				return u
			}
		}
	}
	return nil
}
