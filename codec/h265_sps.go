package codec

import "fmt"

// hevcNALSPS is the NAL unit type of an HEVC SPS (ITU-T H.265 Table 7-1).
const hevcNALSPS = 33

// h265MaxPicSize bounds pic_width_in_luma_samples and
// pic_height_in_luma_samples: sqrt(8 * MaxLumaPs) of the largest level,
// 6.2 (A.4.1, Table A.8: MaxLumaPs 35 651 584).
const h265MaxPicSize = 16888

// H265SPS is the head of an HEVC sequence parameter set of the base layer:
// the fields up to the bit depths, which give profile, tier, level, chroma
// format and picture size. What follows is not read.
//
// Specification: ITU-T H.265 7.3.2.2.1 (syntax), 7.4.3.2.1 (semantics).
type H265SPS struct {
	VPSID              uint8 // sps_video_parameter_set_id, 0..15
	MaxSubLayersMinus1 uint8 // 0..6
	TemporalIDNesting  bool
	ProfileTierLevel   H265ProfileTierLevel
	ID                 uint8 // sps_seq_parameter_set_id, 0..15

	ChromaFormatIDC        uint8  // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
	SeparateColourPlane    bool   // with 4:4:4 only
	PicWidthInLumaSamples  uint32 // coded width, 1..16888
	PicHeightInLumaSamples uint32 // coded height, 1..16888

	// The conformance window, in chroma sample units (Width and Height apply
	// it).
	ConformanceWindow    bool
	ConfWinLeftOffset    uint32
	ConfWinRightOffset   uint32
	ConfWinTopOffset     uint32
	ConfWinBottomOffset  uint32
	BitDepthLumaMinus8   uint8 // 0..8
	BitDepthChromaMinus8 uint8 // 0..8
}

// Unmarshal decodes an SPS NAL unit, 2-byte header included, emulation
// prevention bytes still in (nal_unit_type must be 33). An SPS of a layer
// other than the base layer (nuh_layer_id > 0) has other syntax and fails
// with ErrUnsupported. It looks at the first 1024 bytes at most and keeps no
// reference to nal. It fails with ErrOutOfRange when a field is beyond its
// range in 7.4.3.2.1, when the picture is larger than level 6.2 allows, or
// when the conformance window leaves no picture. On error s is unchanged.
func (s *H265SPS) Unmarshal(nal []byte) error {
	if len(nal) < 2 {
		return fmt.Errorf("%w: h265 sps of %d bytes", ErrShortBuffer, len(nal))
	}
	if t := nal[0] >> 1 & 0x3F; t != hevcNALSPS {
		return fmt.Errorf("%w: h265 sps with nal_unit_type %d", ErrNALType, t)
	}
	if layer := (nal[0]&1)<<5 | nal[1]>>3; layer != 0 {
		return fmt.Errorf("%w: h265 sps with nuh_layer_id %d", ErrUnsupported, layer)
	}
	r := newBitReader(nal[2:min(len(nal), maxSPSBytes)], "h265 sps")
	v := H265SPS{VPSID: uint8(r.u(4))}
	v.MaxSubLayersMinus1 = uint8(r.u(3))
	if v.MaxSubLayersMinus1 > 6 {
		return fmt.Errorf("%w: h265 sps sps_max_sub_layers_minus1 %d > 6", ErrOutOfRange, v.MaxSubLayersMinus1)
	}
	v.TemporalIDNesting = r.flag()
	v.ProfileTierLevel.read(&r, int(v.MaxSubLayersMinus1))
	v.ID = uint8(r.ueMax("sps_seq_parameter_set_id", 15))
	v.ChromaFormatIDC = uint8(r.ueMax("chroma_format_idc", 3))
	if v.ChromaFormatIDC == 3 {
		v.SeparateColourPlane = r.flag()
	}
	v.PicWidthInLumaSamples = r.ueMax("pic_width_in_luma_samples", h265MaxPicSize)
	v.PicHeightInLumaSamples = r.ueMax("pic_height_in_luma_samples", h265MaxPicSize)
	if v.ConformanceWindow = r.flag(); v.ConformanceWindow {
		v.ConfWinLeftOffset = r.ue()
		v.ConfWinRightOffset = r.ue()
		v.ConfWinTopOffset = r.ue()
		v.ConfWinBottomOffset = r.ue()
	}
	v.BitDepthLumaMinus8 = uint8(r.ueMax("bit_depth_luma_minus8", 8))
	v.BitDepthChromaMinus8 = uint8(r.ueMax("bit_depth_chroma_minus8", 8))
	if r.err != nil {
		return r.err
	}
	if v.PicWidthInLumaSamples == 0 || v.PicHeightInLumaSamples == 0 {
		return fmt.Errorf("%w: h265 sps picture of %dx%d", ErrOutOfRange, v.PicWidthInLumaSamples, v.PicHeightInLumaSamples)
	}
	ux, uy := v.subWH()
	if ux*(uint64(v.ConfWinLeftOffset)+uint64(v.ConfWinRightOffset)) >= uint64(v.PicWidthInLumaSamples) {
		return fmt.Errorf("%w: h265 sps conformance window crops %d+%d units of %d off a width of %d",
			ErrOutOfRange, v.ConfWinLeftOffset, v.ConfWinRightOffset, ux, v.PicWidthInLumaSamples)
	}
	if uy*(uint64(v.ConfWinTopOffset)+uint64(v.ConfWinBottomOffset)) >= uint64(v.PicHeightInLumaSamples) {
		return fmt.Errorf("%w: h265 sps conformance window crops %d+%d units of %d off a height of %d",
			ErrOutOfRange, v.ConfWinTopOffset, v.ConfWinBottomOffset, uy, v.PicHeightInLumaSamples)
	}
	*s = v
	return nil
}

// subWH returns SubWidthC and SubHeightC (Table 6-1), the conformance
// window units.
func (s *H265SPS) subWH() (x, y uint64) {
	if s.SeparateColourPlane { // ChromaArrayType 0
		return 1, 1
	}
	switch s.ChromaFormatIDC {
	case 1:
		return 2, 2
	case 2:
		return 2, 1
	}
	return 1, 1
}

// Width returns the width in luma samples of the picture inside the
// conformance window. For an SPS that Unmarshal accepted it is 1..16888.
func (s *H265SPS) Width() int {
	w := uint64(s.PicWidthInLumaSamples)
	if s.ConformanceWindow {
		ux, _ := s.subWH()
		w -= ux * (uint64(s.ConfWinLeftOffset) + uint64(s.ConfWinRightOffset))
	}
	return int(w)
}

// Height returns the height in luma samples of the picture inside the
// conformance window. For an SPS that Unmarshal accepted it is 1..16888.
func (s *H265SPS) Height() int {
	h := uint64(s.PicHeightInLumaSamples)
	if s.ConformanceWindow {
		_, uy := s.subWH()
		h -= uy * (uint64(s.ConfWinTopOffset) + uint64(s.ConfWinBottomOffset))
	}
	return int(h)
}
