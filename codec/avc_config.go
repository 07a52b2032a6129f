package codec

import (
	"fmt"
	"slices"
)

// AVCConfig is an AVCDecoderConfigurationRecord: the body of an FLV/RTMP AVC
// sequence header after its 5-byte prefix, and of an MP4 avcC box.
//
// Specification: ISO 14496-15, 5.3.3.1.2.
//
// Unmarshal stores SPS, PPS and Ext.SPSExt as sub-slices of its input, not
// copies: they are valid while the input is, and must not be written. A
// published sequence header is immutable, so the server can keep an
// AVCConfig next to its tag for free; copy the units to keep them longer.
// Marshal, Append and AppendAnnexB only read the slices.
type AVCConfig struct {
	ProfileIndication    uint8 // AVCProfileIndication: profile_idc of the SPS
	ProfileCompatibility uint8 // profile_compatibility: the constraint_set flags byte of the SPS
	LevelIndication      uint8 // AVCLevelIndication: level_idc of the SPS
	NALLengthSize        uint8 // lengthSizeMinusOne+1: bytes before each NAL unit of a frame, 1..4

	SPS [][]byte // sequence parameter set NAL units, at most 31
	PPS [][]byte // picture parameter set NAL units, at most 255

	// Ext is the trailer that records for profiles other than Baseline (66),
	// Main (77) and Extended (88) carry; nil when the record has none.
	Ext *AVCConfigExt
}

// AVCConfigExt is the trailer of an AVCDecoderConfigurationRecord for the
// High profiles and their kin: what the SPS says of chroma and bit depth,
// and the SPS extensions.
//
// Specification: ISO 14496-15, 5.3.3.1.2 (the fields after the PPS).
type AVCConfigExt struct {
	ChromaFormat         uint8    // chroma_format_idc, 0..3
	BitDepthLumaMinus8   uint8    // 0..7
	BitDepthChromaMinus8 uint8    // 0..7
	SPSExt               [][]byte // sequence parameter set extension NAL units, at most 255
}

// hasAVCConfigExt says whether a record for this profile carries the trailer
// (the condition of ISO 14496-15:2017 and of FFmpeg's writer; the 2010
// edition listed 100, 110, 122 and 144 only).
func hasAVCConfigExt(profile uint8) bool {
	return profile != 66 && profile != 77 && profile != 88
}

// Unmarshal decodes a record from b. SPS, PPS and SPSExt alias b. Bytes
// after the record are ignored, and so is a trailer that does not parse (a
// High profile record may end after its PPS, as older encoders write it): a
// decoder needs only the parameter sets. On error c is unchanged.
func (c *AVCConfig) Unmarshal(b []byte) error {
	if len(b) < 7 {
		return fmt.Errorf("%w: avcC of %d bytes", ErrShortBuffer, len(b))
	}
	if b[0] != 1 {
		return fmt.Errorf("%w: avcC version %d", ErrVersion, b[0])
	}
	v := AVCConfig{
		ProfileIndication:    b[1],
		ProfileCompatibility: b[2],
		LevelIndication:      b[3],
		NALLengthSize:        b[4]&3 + 1,
	}
	var err error
	pos := 6
	if v.SPS, pos, err = readNALUs(b, pos, int(b[5]&0x1F), "avcC sps"); err != nil {
		return err
	}
	if pos >= len(b) {
		return fmt.Errorf("%w: avcC ends before numOfPictureParameterSets", ErrShortBuffer)
	}
	if v.PPS, pos, err = readNALUs(b, pos+1, int(b[pos]), "avcC pps"); err != nil {
		return err
	}
	if hasAVCConfigExt(v.ProfileIndication) && len(b)-pos >= 4 {
		ext := AVCConfigExt{
			ChromaFormat:         b[pos] & 3,
			BitDepthLumaMinus8:   b[pos+1] & 7,
			BitDepthChromaMinus8: b[pos+2] & 7,
		}
		if ext.SPSExt, _, err = readNALUs(b, pos+4, int(b[pos+3]), "avcC sps ext"); err == nil {
			v.Ext = &ext
		}
	}
	*c = v
	return nil
}

// Marshal encodes the record into a new slice. Reserved bits are written as
// ones, so a record that Unmarshal read comes back byte for byte unless its
// reserved bits were not ones, it had bytes after the record, or a trailer
// that did not parse.
func (c *AVCConfig) Marshal() ([]byte, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	return c.append(make([]byte, 0, c.size())), nil
}

// Append appends the encoded record to dst and returns the extended slice.
// On error dst is returned unchanged.
func (c *AVCConfig) Append(dst []byte) ([]byte, error) {
	if err := c.check(); err != nil {
		return dst, err
	}
	return c.append(slices.Grow(dst, c.size())), nil
}

// check fails with ErrOutOfRange on a record that cannot be encoded.
func (c *AVCConfig) check() error {
	if c.NALLengthSize < 1 || c.NALLengthSize > 4 {
		return fmt.Errorf("%w: avcC NAL length size %d", ErrOutOfRange, c.NALLengthSize)
	}
	if err := checkNALUs(c.SPS, 31, "avcC sps"); err != nil {
		return err
	}
	if err := checkNALUs(c.PPS, 255, "avcC pps"); err != nil {
		return err
	}
	if e := c.Ext; e != nil {
		if !hasAVCConfigExt(c.ProfileIndication) {
			return fmt.Errorf("%w: avcC trailer with profile %d", ErrOutOfRange, c.ProfileIndication)
		}
		if e.ChromaFormat > 3 || e.BitDepthLumaMinus8 > 7 || e.BitDepthChromaMinus8 > 7 {
			return fmt.Errorf("%w: avcC chroma format %d, bit depths %d+8 and %d+8",
				ErrOutOfRange, e.ChromaFormat, e.BitDepthLumaMinus8, e.BitDepthChromaMinus8)
		}
		if err := checkNALUs(e.SPSExt, 255, "avcC sps ext"); err != nil {
			return err
		}
	}
	return nil
}

// size is the encoded size of a checked record.
func (c *AVCConfig) size() int {
	n := 7 + 2*len(c.SPS) + 2*len(c.PPS)
	for _, u := range c.SPS {
		n += len(u)
	}
	for _, u := range c.PPS {
		n += len(u)
	}
	if c.Ext != nil {
		n += 4 + 2*len(c.Ext.SPSExt)
		for _, u := range c.Ext.SPSExt {
			n += len(u)
		}
	}
	return n
}

// append encodes a checked record.
func (c *AVCConfig) append(dst []byte) []byte {
	dst = append(dst, 1, c.ProfileIndication, c.ProfileCompatibility, c.LevelIndication,
		0xFC|(c.NALLengthSize-1), 0xE0|byte(len(c.SPS)))
	dst = appendNALUs(dst, c.SPS)
	dst = append(dst, byte(len(c.PPS)))
	dst = appendNALUs(dst, c.PPS)
	if e := c.Ext; e != nil {
		dst = append(dst, 0xFC|e.ChromaFormat, 0xF8|e.BitDepthLumaMinus8, 0xF8|e.BitDepthChromaMinus8, byte(len(e.SPSExt)))
		dst = appendNALUs(dst, e.SPSExt)
	}
	return dst
}

// AppendAnnexB appends the SPS and then the PPS units, each behind a 4-byte
// start code, to dst and returns the extended slice: the parameter sets a
// decoder needs in front of a keyframe. Empty units are left out, and so are
// the SPS extensions (they serve auxiliary pictures only). The result does
// not alias c.
func (c *AVCConfig) AppendAnnexB(dst []byte) []byte {
	size := annexBSize(c.SPS) + annexBSize(c.PPS)
	if size == 0 {
		return dst
	}
	dst = slices.Grow(dst, size)
	dst = appendAnnexB(dst, c.SPS)
	return appendAnnexB(dst, c.PPS)
}
