package codec

import "fmt"

// maxSPSBytes bounds the bytes of an SPS the parsers look at; the rest is
// ignored. The fields they read end well before it: a real SPS is a few
// dozen bytes, a few hundred with scaling lists.
const maxSPSBytes = 1024

// h264MaxMbs bounds pic_width_in_mbs and pic_height_in_map_units: 1024
// macroblocks, 16384 luma samples. Every level up to 5.2 fits (A.3.1 h:
// width and height at most sqrt(8*MaxFS) macroblocks, 543 at level 5.2);
// levels 6 to 6.2 allow 1055, for pictures eight times wider than high.
const h264MaxMbs = 1024

// H264SPS is the head of an H.264 sequence parameter set: the fields up to
// frame cropping, which give profile, level, chroma format and picture size.
// The VUI and what follows are not read; scaling lists and
// offset_for_ref_frame are read past, not kept.
//
// Specification: ITU-T H.264 7.3.2.1.1 (syntax), 7.4.2.1.1 (semantics).
type H264SPS struct {
	ProfileIDC      uint8 // 66 Baseline, 77 Main, 88 Extended, 100 High, ...
	ConstraintFlags uint8 // constraint_set0_flag (0x80) to constraint_set5_flag (0x04), then reserved_zero_2bits
	LevelIDC        uint8 // 10 times the level: 31 is level 3.1; 9 or 11 with constraint_set3 is 1b
	ID              uint8 // seq_parameter_set_id, 0..31

	// Coded for the High profiles and their kin (profile_idc 100, 110, 122,
	// 244, 44, 83, 86, 118, 128, 138, 139, 134, 135); otherwise inferred
	// as 4:2:0 with 8-bit samples.
	ChromaFormatIDC             uint8 // 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
	SeparateColourPlane         bool
	BitDepthLumaMinus8          uint8 // 0..6
	BitDepthChromaMinus8        uint8 // 0..6
	QPPrimeYZeroTransformBypass bool
	ScalingMatrixPresent        bool

	Log2MaxFrameNumMinus4       uint8 // 0..12
	PicOrderCntType             uint8 // 0..2
	Log2MaxPicOrderCntLsbMinus4 uint8 // 0..12, for PicOrderCntType 0

	// For PicOrderCntType 1.
	DeltaPicOrderAlwaysZero        bool
	OffsetForNonRefPic             int32
	OffsetForTopToBottomField      int32
	NumRefFramesInPicOrderCntCycle uint8

	MaxNumRefFrames           uint32
	GapsInFrameNumAllowed     bool
	PicWidthInMbsMinus1       uint32 // 0..1023
	PicHeightInMapUnitsMinus1 uint32 // 0..1023; map units are field macroblock pairs unless FrameMbsOnly
	FrameMbsOnly              bool   // false: the stream may code fields (interlaced)
	MbAdaptiveFrameField      bool
	Direct8x8Inference        bool

	// The crop window, in crop units (Width and Height apply them).
	FrameCropping         bool
	FrameCropLeftOffset   uint32
	FrameCropRightOffset  uint32
	FrameCropTopOffset    uint32
	FrameCropBottomOffset uint32
}

// Unmarshal decodes an SPS NAL unit, header byte included, emulation
// prevention bytes still in (nal_unit_type must be 7). It looks at the first
// 1024 bytes at most and keeps no reference to nal. It fails with
// ErrOutOfRange when a field is beyond its range in 7.4.2.1.1, when the
// picture is more than 1024 macroblocks wide or high, or when the crop
// window leaves no picture. On error s is unchanged.
func (s *H264SPS) Unmarshal(nal []byte) error {
	if len(nal) == 0 {
		return fmt.Errorf("%w: empty h264 sps", ErrShortBuffer)
	}
	if t := nal[0] & 0x1F; t != 7 {
		return fmt.Errorf("%w: h264 sps with nal_unit_type %d", ErrNALType, t)
	}
	r := newBitReader(nal[1:min(len(nal), maxSPSBytes)], "h264 sps")
	v := H264SPS{
		ProfileIDC:      uint8(r.u(8)),
		ConstraintFlags: uint8(r.u(8)),
		LevelIDC:        uint8(r.u(8)),
		ID:              uint8(r.ueMax("seq_parameter_set_id", 31)),
		ChromaFormatIDC: 1,
	}
	switch v.ProfileIDC {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		v.ChromaFormatIDC = uint8(r.ueMax("chroma_format_idc", 3))
		if v.ChromaFormatIDC == 3 {
			v.SeparateColourPlane = r.flag()
		}
		v.BitDepthLumaMinus8 = uint8(r.ueMax("bit_depth_luma_minus8", 6))
		v.BitDepthChromaMinus8 = uint8(r.ueMax("bit_depth_chroma_minus8", 6))
		v.QPPrimeYZeroTransformBypass = r.flag()
		if v.ScalingMatrixPresent = r.flag(); v.ScalingMatrixPresent {
			lists := 8
			if v.ChromaFormatIDC == 3 {
				lists = 12
			}
			for i := 0; i < lists && r.err == nil; i++ {
				if r.flag() { // seq_scaling_list_present_flag
					size := 16
					if i >= 6 {
						size = 64
					}
					skipScalingList(&r, size)
				}
			}
		}
	}
	v.Log2MaxFrameNumMinus4 = uint8(r.ueMax("log2_max_frame_num_minus4", 12))
	v.PicOrderCntType = uint8(r.ueMax("pic_order_cnt_type", 2))
	switch v.PicOrderCntType {
	case 0:
		v.Log2MaxPicOrderCntLsbMinus4 = uint8(r.ueMax("log2_max_pic_order_cnt_lsb_minus4", 12))
	case 1:
		v.DeltaPicOrderAlwaysZero = r.flag()
		v.OffsetForNonRefPic = r.se()
		v.OffsetForTopToBottomField = r.se()
		v.NumRefFramesInPicOrderCntCycle = uint8(r.ueMax("num_ref_frames_in_pic_order_cnt_cycle", 255))
		for i := 0; i < int(v.NumRefFramesInPicOrderCntCycle) && r.err == nil; i++ {
			r.se() // offset_for_ref_frame[i]
		}
	}
	v.MaxNumRefFrames = r.ue()
	v.GapsInFrameNumAllowed = r.flag()
	v.PicWidthInMbsMinus1 = r.ueMax("pic_width_in_mbs_minus1", h264MaxMbs-1)
	v.PicHeightInMapUnitsMinus1 = r.ueMax("pic_height_in_map_units_minus1", h264MaxMbs-1)
	v.FrameMbsOnly = r.flag()
	if !v.FrameMbsOnly {
		v.MbAdaptiveFrameField = r.flag()
	}
	v.Direct8x8Inference = r.flag()
	if v.FrameCropping = r.flag(); v.FrameCropping {
		v.FrameCropLeftOffset = r.ue()
		v.FrameCropRightOffset = r.ue()
		v.FrameCropTopOffset = r.ue()
		v.FrameCropBottomOffset = r.ue()
	}
	if r.err != nil {
		return r.err
	}
	ux, uy := v.cropUnits()
	if w := 16 * (uint64(v.PicWidthInMbsMinus1) + 1); ux*(uint64(v.FrameCropLeftOffset)+uint64(v.FrameCropRightOffset)) >= w {
		return fmt.Errorf("%w: h264 sps crops %d+%d units of %d off a width of %d",
			ErrOutOfRange, v.FrameCropLeftOffset, v.FrameCropRightOffset, ux, w)
	}
	if h := 16 * v.frameHeightInMbs(); uy*(uint64(v.FrameCropTopOffset)+uint64(v.FrameCropBottomOffset)) >= h {
		return fmt.Errorf("%w: h264 sps crops %d+%d units of %d off a height of %d",
			ErrOutOfRange, v.FrameCropTopOffset, v.FrameCropBottomOffset, uy, h)
	}
	*s = v
	return nil
}

// skipScalingList reads past a scaling_list( ) of size coefficients
// (7.3.2.1.1.1), checking delta_scale against its range, -128..127.
func skipScalingList(r *bitReader, size int) {
	last, next := int32(8), int32(8)
	for j := 0; j < size && r.err == nil; j++ {
		if next != 0 {
			delta := r.se()
			if delta < -128 || delta > 127 {
				r.fail(fmt.Errorf("%w: h264 sps delta_scale %d", ErrOutOfRange, delta))
				return
			}
			next = (last + delta + 256) % 256
		}
		if next != 0 {
			last = next
		}
	}
}

// cropUnits returns CropUnitX and CropUnitY (7-19 to 7-22).
func (s *H264SPS) cropUnits() (x, y uint64) {
	fields := uint64(2) // 2 - frame_mbs_only_flag
	if s.FrameMbsOnly {
		fields = 1
	}
	if s.SeparateColourPlane || s.ChromaFormatIDC == 0 { // ChromaArrayType 0
		return 1, fields
	}
	subW, subH := uint64(2), uint64(2) // Table 6-1: SubWidthC, SubHeightC for 4:2:0
	switch s.ChromaFormatIDC {
	case 2:
		subH = 1
	case 3:
		subW, subH = 1, 1
	}
	return subW, subH * fields
}

// frameHeightInMbs is FrameHeightInMbs (7-18).
func (s *H264SPS) frameHeightInMbs() uint64 {
	h := uint64(s.PicHeightInMapUnitsMinus1) + 1
	if !s.FrameMbsOnly {
		h *= 2
	}
	return h
}

// Width returns the width in luma samples of the cropped picture. For an
// SPS that Unmarshal accepted it is 1..16384.
func (s *H264SPS) Width() int {
	w := 16 * (uint64(s.PicWidthInMbsMinus1) + 1)
	if s.FrameCropping {
		ux, _ := s.cropUnits()
		w -= ux * (uint64(s.FrameCropLeftOffset) + uint64(s.FrameCropRightOffset))
	}
	return int(w)
}

// Height returns the height in luma samples of the cropped frame (both
// fields when the stream is interlaced). For an SPS that Unmarshal accepted
// it is 1..32768.
func (s *H264SPS) Height() int {
	h := 16 * s.frameHeightInMbs()
	if s.FrameCropping {
		_, uy := s.cropUnits()
		h -= uy * (uint64(s.FrameCropTopOffset) + uint64(s.FrameCropBottomOffset))
	}
	return int(h)
}
