package mpegts

import "fmt"

// startCode is the 4-byte Annex-B start code. Shared, never written.
var startCode = []byte{0, 0, 0, 1}

// Access unit delimiters written in front of an access unit that lacks one.
var (
	// H.264 NAL type 9, primary_pic_type 7 (any slice type), rbsp stop bit.
	// Specification: ISO 14496-10, 7.3.2.4.
	audH264 = []byte{0, 0, 0, 1, 0x09, 0xF0}
	// HEVC NAL type 35 (nuh_layer_id 0, nuh_temporal_id_plus1 1),
	// pic_type 2 (I, P or B), rbsp stop bit. Specification: ISO 23008-2, 7.3.2.5.
	audHEVC = []byte{0, 0, 0, 1, 0x46, 0x01, 0x50}
)

// NAL unit types the writer looks at.
const (
	h264NALAUD = 9
	h264NALSPS = 7
	hevcNALVPS = 32
	hevcNALSPS = 33
	hevcNALAUD = 35
)

// appendParamSet appends a start code and the 16-bit-length-prefixed NAL unit
// at b[pos:] to ps and returns ps and the next position.
func appendParamSet(ps, b []byte, pos int) ([]byte, int, error) {
	if pos+2 > len(b) {
		return ps, pos, fmt.Errorf("%w: truncated parameter set length", ErrInvalidConfig)
	}
	n := int(b[pos])<<8 | int(b[pos+1])
	pos += 2
	if n > len(b)-pos {
		return ps, pos, fmt.Errorf("%w: parameter set of %d bytes, %d left", ErrInvalidConfig, n, len(b)-pos)
	}
	if n > 0 {
		ps = append(ps, startCode...)
		ps = append(ps, b[pos:pos+n]...)
	}
	return ps, pos + n, nil
}

// parseAVCC reads an AVCDecoderConfigurationRecord: the NAL unit length size
// and the SPS and PPS, returned as one Annex-B byte string (a new slice).
//
// Specification: ISO 14496-15, 5.3.3.1.2 (AVCDecoderConfigurationRecord).
func parseAVCC(b []byte) (nalLen int, ps []byte, err error) {
	if len(b) < 7 {
		return 0, nil, fmt.Errorf("%w: avcC of %d bytes", ErrInvalidConfig, len(b))
	}
	if b[0] != 1 {
		return 0, nil, fmt.Errorf("%w: avcC version %d", ErrInvalidConfig, b[0])
	}
	nalLen = int(b[4]&3) + 1
	nsps := int(b[5] & 0x1F)
	pos := 6
	for i := 0; i < nsps; i++ {
		if ps, pos, err = appendParamSet(ps, b, pos); err != nil {
			return 0, nil, err
		}
	}
	if pos >= len(b) {
		return 0, nil, fmt.Errorf("%w: avcC without numOfPictureParameterSets", ErrInvalidConfig)
	}
	npps := int(b[pos])
	pos++
	for i := 0; i < npps; i++ {
		if ps, pos, err = appendParamSet(ps, b, pos); err != nil {
			return 0, nil, err
		}
	}
	// Trailing fields (chroma format etc. for High profiles) are not needed.
	return nalLen, ps, nil
}

// parseHVCC reads an HEVCDecoderConfigurationRecord: the NAL unit length size
// and every NAL unit of its arrays (VPS, SPS, PPS, and any SEI), returned as
// one Annex-B byte string in record order (a new slice).
//
// Specification: ISO 14496-15, 8.3.3.1.2 (HEVCDecoderConfigurationRecord):
// 22 bytes of profile/format fields, lengthSizeMinusOne in the low 2 bits of
// byte 21, numOfArrays in byte 22.
func parseHVCC(b []byte) (nalLen int, ps []byte, err error) {
	if len(b) < 23 {
		return 0, nil, fmt.Errorf("%w: hvcC of %d bytes", ErrInvalidConfig, len(b))
	}
	if b[0] != 1 {
		return 0, nil, fmt.Errorf("%w: hvcC version %d", ErrInvalidConfig, b[0])
	}
	nalLen = int(b[21]&3) + 1
	narr := int(b[22])
	pos := 23
	for i := 0; i < narr; i++ {
		if pos+3 > len(b) {
			return 0, nil, fmt.Errorf("%w: truncated hvcC array", ErrInvalidConfig)
		}
		nnal := int(b[pos+1])<<8 | int(b[pos+2])
		pos += 3
		for j := 0; j < nnal; j++ {
			if ps, pos, err = appendParamSet(ps, b, pos); err != nil {
				return 0, nil, err
			}
		}
	}
	return nalLen, ps, nil
}
