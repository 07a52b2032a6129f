package codec

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// encodeH264SPS writes s as an SPS NAL unit with no VUI: the inverse of
// Unmarshal for the fields it keeps. Scaling lists, when present, are all
// coded, some with the default-matrix escape; offset_for_ref_frame values are
// made up. Hand-made cases and the fuzz round trip use it.
func encodeH264SPS(s *H264SPS) []byte {
	var w bitWriter
	w.u(8, uint64(s.ProfileIDC))
	w.u(8, uint64(s.ConstraintFlags))
	w.u(8, uint64(s.LevelIDC))
	w.ue(uint32(s.ID))
	switch s.ProfileIDC {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		w.ue(uint32(s.ChromaFormatIDC))
		if s.ChromaFormatIDC == 3 {
			w.flag(s.SeparateColourPlane)
		}
		w.ue(uint32(s.BitDepthLumaMinus8))
		w.ue(uint32(s.BitDepthChromaMinus8))
		w.flag(s.QPPrimeYZeroTransformBypass)
		w.flag(s.ScalingMatrixPresent)
		if s.ScalingMatrixPresent {
			lists := 8
			if s.ChromaFormatIDC == 3 {
				lists = 12
			}
			for i := range lists {
				w.flag(true)
				size := 16
				if i >= 6 {
					size = 64
				}
				last, next := int32(8), int32(8)
				for j := range size {
					if next != 0 {
						delta := int32(j%3) - 1
						if i == 2 && j == 0 {
							delta = -8 // next 0: the default matrix, no more deltas
						}
						if i == 7 && j == 5 {
							delta = 127
						}
						w.se(delta)
						next = (last + delta + 256) % 256
					}
					if next != 0 {
						last = next
					}
				}
			}
		}
	}
	w.ue(uint32(s.Log2MaxFrameNumMinus4))
	w.ue(uint32(s.PicOrderCntType))
	switch s.PicOrderCntType {
	case 0:
		w.ue(uint32(s.Log2MaxPicOrderCntLsbMinus4))
	case 1:
		w.flag(s.DeltaPicOrderAlwaysZero)
		w.se(s.OffsetForNonRefPic)
		w.se(s.OffsetForTopToBottomField)
		w.ue(uint32(s.NumRefFramesInPicOrderCntCycle))
		for i := range int(s.NumRefFramesInPicOrderCntCycle) {
			w.se(int32(i%3) - 1)
		}
	}
	w.ue(s.MaxNumRefFrames)
	w.flag(s.GapsInFrameNumAllowed)
	w.ue(s.PicWidthInMbsMinus1)
	w.ue(s.PicHeightInMapUnitsMinus1)
	w.flag(s.FrameMbsOnly)
	if !s.FrameMbsOnly {
		w.flag(s.MbAdaptiveFrameField)
	}
	w.flag(s.Direct8x8Inference)
	w.flag(s.FrameCropping)
	if s.FrameCropping {
		w.ue(s.FrameCropLeftOffset)
		w.ue(s.FrameCropRightOffset)
		w.ue(s.FrameCropTopOffset)
		w.ue(s.FrameCropBottomOffset)
	}
	w.flag(false) // vui_parameters_present_flag
	return w.nal(0x67)
}

// casesH264SPS feed TestH264SPSUnmarshal and FuzzH264SPS. The first five are
// libx264's (see avc_config_test.go); their fields are those FFmpeg's
// trace_headers bitstream filter prints. The rest are made by encodeH264SPS.
var casesH264SPS = []struct {
	name          string
	nal           []byte
	dec           H264SPS
	width, height int
}{
	{
		"h264_aac.flv: main 640x360, cropped", avcFixtureSPS,
		H264SPS{ProfileIDC: 77, ConstraintFlags: 0x40, LevelIDC: 30, ChromaFormatIDC: 1,
			PicOrderCntType: 2, MaxNumRefFrames: 1, PicWidthInMbsMinus1: 39, PicHeightInMapUnitsMinus1: 22,
			FrameMbsOnly: true, Direct8x8Inference: true, FrameCropping: true, FrameCropBottomOffset: 4},
		640, 360,
	},
	{
		"high 1920x1080, cropped", avcHighSPS,
		H264SPS{ProfileIDC: 100, LevelIDC: 40, ChromaFormatIDC: 1, Log2MaxPicOrderCntLsbMinus4: 2,
			MaxNumRefFrames: 4, PicWidthInMbsMinus1: 119, PicHeightInMapUnitsMinus1: 67,
			FrameMbsOnly: true, Direct8x8Inference: true, FrameCropping: true, FrameCropBottomOffset: 4},
		1920, 1080,
	},
	{
		"high 4:2:2 10-bit interlaced 720x576", avc422SPS,
		H264SPS{ProfileIDC: 122, LevelIDC: 30, ChromaFormatIDC: 2, BitDepthLumaMinus8: 2, BitDepthChromaMinus8: 2,
			MaxNumRefFrames: 1, PicWidthInMbsMinus1: 44, PicHeightInMapUnitsMinus1: 17,
			MbAdaptiveFrameField: true, Direct8x8Inference: true},
		720, 576,
	},
	{
		"high 4:4:4 predictive 352x288", avc444SPS,
		H264SPS{ProfileIDC: 244, LevelIDC: 13, ChromaFormatIDC: 3, PicOrderCntType: 2, MaxNumRefFrames: 1,
			PicWidthInMbsMinus1: 21, PicHeightInMapUnitsMinus1: 17, FrameMbsOnly: true, Direct8x8Inference: true},
		352, 288,
	},
	{
		"constrained baseline 176x144", avcBaseSPS,
		H264SPS{ProfileIDC: 66, ConstraintFlags: 0xC0, LevelIDC: 11, ChromaFormatIDC: 1, PicOrderCntType: 2,
			MaxNumRefFrames: 1, PicWidthInMbsMinus1: 10, PicHeightInMapUnitsMinus1: 8,
			FrameMbsOnly: true, Direct8x8Inference: true},
		176, 144,
	},
}

func init() {
	made := []struct {
		name          string
		dec           H264SPS
		width, height int
	}{
		{"poc type 1, three offsets",
			H264SPS{ProfileIDC: 77, LevelIDC: 31, ID: 31, ChromaFormatIDC: 1, Log2MaxFrameNumMinus4: 12,
				PicOrderCntType: 1, DeltaPicOrderAlwaysZero: true, OffsetForNonRefPic: -7,
				OffsetForTopToBottomField: 1 << 20, NumRefFramesInPicOrderCntCycle: 3, MaxNumRefFrames: 16,
				GapsInFrameNumAllowed: true, PicWidthInMbsMinus1: 79, PicHeightInMapUnitsMinus1: 44,
				FrameMbsOnly: true}, 1280, 720},
		{"scaling lists 4:4:4, separate colour planes, cropped in luma units",
			H264SPS{ProfileIDC: 244, LevelIDC: 51, ChromaFormatIDC: 3, SeparateColourPlane: true,
				BitDepthLumaMinus8: 6, BitDepthChromaMinus8: 6, QPPrimeYZeroTransformBypass: true,
				ScalingMatrixPresent: true, Log2MaxPicOrderCntLsbMinus4: 12, PicWidthInMbsMinus1: 9,
				PicHeightInMapUnitsMinus1: 9, FrameMbsOnly: true, FrameCropping: true,
				FrameCropLeftOffset: 1, FrameCropRightOffset: 2, FrameCropTopOffset: 3, FrameCropBottomOffset: 4},
			157, 153},
		{"scaling lists 4:2:0",
			H264SPS{ProfileIDC: 100, LevelIDC: 41, ChromaFormatIDC: 1, ScalingMatrixPresent: true,
				PicWidthInMbsMinus1: 119, PicHeightInMapUnitsMinus1: 67, FrameMbsOnly: true}, 1920, 1088},
		{"interlaced 4:2:0, cropped in units of 2x4",
			H264SPS{ProfileIDC: 100, LevelIDC: 40, ChromaFormatIDC: 1, PicWidthInMbsMinus1: 119,
				PicHeightInMapUnitsMinus1: 33, MbAdaptiveFrameField: true, Direct8x8Inference: true,
				FrameCropping: true, FrameCropRightOffset: 1, FrameCropBottomOffset: 2}, 1918, 1080},
		{"interlaced monochrome, cropped in units of 1x2",
			H264SPS{ProfileIDC: 100, LevelIDC: 40, ChromaFormatIDC: 0, PicWidthInMbsMinus1: 9,
				PicHeightInMapUnitsMinus1: 4, FrameCropping: true, FrameCropLeftOffset: 3,
				FrameCropTopOffset: 1, FrameCropBottomOffset: 1}, 157, 156},
		{"4:2:2, cropped in units of 2x1",
			H264SPS{ProfileIDC: 122, LevelIDC: 40, ChromaFormatIDC: 2, PicWidthInMbsMinus1: 9,
				PicHeightInMapUnitsMinus1: 9, FrameMbsOnly: true, FrameCropping: true,
				FrameCropLeftOffset: 1, FrameCropBottomOffset: 5}, 158, 155},
		{"crop leaves one sample",
			H264SPS{ProfileIDC: 66, LevelIDC: 10, ChromaFormatIDC: 1, FrameMbsOnly: true, FrameCropping: true,
				FrameCropLeftOffset: 7, FrameCropBottomOffset: 7}, 2, 2},
		{"largest picture, interlaced",
			H264SPS{ProfileIDC: 77, LevelIDC: 62, ChromaFormatIDC: 1, PicWidthInMbsMinus1: 1023,
				PicHeightInMapUnitsMinus1: 1023}, 16384, 32768},
		{"profile 0, level 0: emulation prevention before the size",
			H264SPS{ChromaFormatIDC: 1, MaxNumRefFrames: 1 << 20, PicWidthInMbsMinus1: 1,
				PicHeightInMapUnitsMinus1: 1, FrameMbsOnly: true}, 32, 32},
	}
	for _, m := range made {
		casesH264SPS = append(casesH264SPS, struct {
			name          string
			nal           []byte
			dec           H264SPS
			width, height int
		}{m.name, encodeH264SPS(&m.dec), m.dec, m.width, m.height})
	}
}

// casesH264SPSErr are SPSs Unmarshal rejects.
var casesH264SPSErr = []struct {
	name string
	nal  []byte
	err  error
}{
	{"empty", nil, ErrShortBuffer},
	{"pps", hx("68ef3c80"), ErrNALType},
	{"header only", hx("67"), ErrShortBuffer},
	{"ends after the level", hx("67640028"), ErrShortBuffer},
	{"ends in the crop offsets", avcHighSPS[:10], ErrShortBuffer},
	{"exp-Golomb code of 32 zeros", hx("674d401e 00000000 80"), ErrOutOfRange},
	{"seq_parameter_set_id 32", encodeH264SPS(&H264SPS{ProfileIDC: 77, ID: 32}), ErrOutOfRange},
	{"chroma_format_idc 4", encodeH264SPS(&H264SPS{ProfileIDC: 100, ChromaFormatIDC: 4}), ErrOutOfRange},
	{"bit_depth_luma_minus8 7", encodeH264SPS(&H264SPS{ProfileIDC: 110, ChromaFormatIDC: 1, BitDepthLumaMinus8: 7}), ErrOutOfRange},
	{"log2_max_frame_num_minus4 13", encodeH264SPS(&H264SPS{ProfileIDC: 77, Log2MaxFrameNumMinus4: 13}), ErrOutOfRange},
	{"pic_order_cnt_type 3", encodeH264SPS(&H264SPS{ProfileIDC: 77, PicOrderCntType: 3}), ErrOutOfRange},
	{"log2_max_pic_order_cnt_lsb_minus4 13", encodeH264SPS(&H264SPS{ProfileIDC: 77, Log2MaxPicOrderCntLsbMinus4: 13}), ErrOutOfRange},
	{"1025 macroblocks wide", encodeH264SPS(&H264SPS{ProfileIDC: 77, PicWidthInMbsMinus1: 1024}), ErrOutOfRange},
	{"1025 map units high", encodeH264SPS(&H264SPS{ProfileIDC: 77, PicHeightInMapUnitsMinus1: 1024}), ErrOutOfRange},
	{"crop takes the whole width", encodeH264SPS(&H264SPS{ProfileIDC: 77, FrameMbsOnly: true, FrameCropping: true,
		FrameCropLeftOffset: 4, FrameCropRightOffset: 4}), ErrOutOfRange},
	{"interlaced crop takes the whole height", encodeH264SPS(&H264SPS{ProfileIDC: 77, FrameCropping: true,
		FrameCropBottomOffset: 8}), ErrOutOfRange},
	{"crop offsets of 2^32-2", encodeH264SPS(&H264SPS{ProfileIDC: 77, FrameCropping: true,
		FrameCropLeftOffset: 1<<32 - 2, FrameCropRightOffset: 1<<32 - 2}), ErrOutOfRange},
}

func init() {
	// num_ref_frames_in_pic_order_cnt_cycle is u8 in H264SPS: write 256 by hand.
	var w bitWriter
	w.u(24, 0x4d001e)
	w.ue(0) // seq_parameter_set_id
	w.ue(0) // log2_max_frame_num_minus4
	w.ue(1) // pic_order_cnt_type
	w.flag(false)
	w.se(0)
	w.se(0)
	w.ue(256)
	casesH264SPSErr = append(casesH264SPSErr, struct {
		name string
		nal  []byte
		err  error
	}{"num_ref_frames_in_pic_order_cnt_cycle 256", w.nal(0x67), ErrOutOfRange})

	// delta_scale 128 in the first scaling list.
	w = bitWriter{}
	w.u(24, 0x640028)
	w.ue(0)       // seq_parameter_set_id
	w.ue(1)       // chroma_format_idc
	w.ue(0)       // bit_depth_luma_minus8
	w.ue(0)       // bit_depth_chroma_minus8
	w.flag(false) // qpprime_y_zero_transform_bypass_flag
	w.flag(true)  // seq_scaling_matrix_present_flag
	w.flag(true)  // seq_scaling_list_present_flag[0]
	w.se(128)
	casesH264SPSErr = append(casesH264SPSErr, struct {
		name string
		nal  []byte
		err  error
	}{"delta_scale 128", w.nal(0x67), ErrOutOfRange})

	// Only the first 1024 bytes are read: 255 offsets of 61 bits push the
	// picture size past them.
	w = bitWriter{}
	w.u(24, 0x4d001e)
	w.ue(0)
	w.ue(0)
	w.ue(1)
	w.flag(false)
	w.se(0)
	w.se(0)
	w.ue(255)
	for range 255 {
		w.se(-1 << 30)
	}
	w.ue(1)
	w.flag(false)
	w.ue(39)
	w.ue(22)
	w.flag(true)
	w.flag(true)
	w.flag(false)
	w.flag(false)
	long := w.nal(0x67)
	casesH264SPSErr = append(casesH264SPSErr, struct {
		name string
		nal  []byte
		err  error
	}{"fields past byte 1024", long, ErrShortBuffer})
}

func TestH264SPSUnmarshal(t *testing.T) {
	for _, tc := range casesH264SPS {
		t.Run(tc.name, func(t *testing.T) {
			var s H264SPS
			if err := s.Unmarshal(tc.nal); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s, tc.dec) {
				t.Fatalf("got %+v\nwant %+v", s, tc.dec)
			}
			if s.Width() != tc.width || s.Height() != tc.height {
				t.Fatalf("size %dx%d, want %dx%d", s.Width(), s.Height(), tc.width, tc.height)
			}
		})
	}
	for _, tc := range casesH264SPSErr {
		t.Run(tc.name, func(t *testing.T) {
			s := casesH264SPS[0].dec
			err := s.Unmarshal(tc.nal)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if !reflect.DeepEqual(s, casesH264SPS[0].dec) {
				t.Fatal("a failed Unmarshal changed the SPS")
			}
		})
	}
}

// TestH264SPSEncoder checks the test encoder against libx264 and the
// emulation prevention case: the made cases mean what they say.
func TestH264SPSEncoder(t *testing.T) {
	for _, tc := range casesH264SPS[:5] {
		got := encodeH264SPS(&tc.dec)
		// Up to the VUI flag, the encoder must write libx264's bits: compare
		// all whole bytes but the last the encoder wrote.
		if n := len(got) - 1; !bytes.Equal(got[:n], tc.nal[:n]) {
			t.Errorf("%s: encoder wrote %x, libx264 %x", tc.name, got, tc.nal)
		}
	}
	ep := casesH264SPS[len(casesH264SPS)-1]
	if !bytes.HasPrefix(ep.nal, hx("6700000300")) {
		t.Errorf("%s: %x has no emulation prevention byte where expected", ep.name, ep.nal)
	}
}

// FuzzH264SPS: Unmarshal never panics, is deterministic and leaves s alone
// on error; an accepted SPS has a size the syntax allows (the crop leaves at
// least one sample and never more than the coded picture) and re-encodes to
// an SPS that decodes to the same value.
func FuzzH264SPS(f *testing.F) {
	for _, tc := range casesH264SPS {
		f.Add(tc.nal)
	}
	for _, tc := range casesH264SPSErr {
		f.Add(tc.nal)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s, s2 H264SPS
		err := s.Unmarshal(b)
		if err2 := s2.Unmarshal(b); (err == nil) != (err2 == nil) || !reflect.DeepEqual(s, s2) {
			t.Fatalf("not deterministic: %v, %v", err, err2)
		}
		if err != nil {
			if !reflect.DeepEqual(s, H264SPS{}) {
				t.Fatalf("failed Unmarshal changed the SPS: %+v", s)
			}
			return
		}
		codedW := 16 * (int(s.PicWidthInMbsMinus1) + 1)
		codedH := 16 * (int(s.PicHeightInMapUnitsMinus1) + 1)
		if !s.FrameMbsOnly {
			codedH *= 2
		}
		if w, h := s.Width(), s.Height(); w < 1 || w > codedW || codedW > 16384 || h < 1 || h > codedH || codedH > 32768 {
			t.Fatalf("size %dx%d of a coded %dx%d", w, h, codedW, codedH)
		}
		var back H264SPS
		if err := back.Unmarshal(encodeH264SPS(&s)); err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("re-encoded SPS decodes to %+v, %v; want %+v", back, err, s)
		}
	})
}

// TestH264SPSSizes: the SPSs the HTTP API's tests used before this package
// existed (x264's 640x360 Main@3.0 cropped by 8 rows, 1280x720 High@3.1) give
// the profile, level and size the API reported.
func TestH264SPSSizes(t *testing.T) {
	cases := []struct {
		name          string
		sps           []byte
		profile, lvl  uint8
		width, height int
	}{
		{"main-640x360", []byte{0x67, 0x4d, 0x40, 0x1e, 0xec, 0xa0, 0x50, 0x17, 0xfc, 0xb8, 0x08, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x19, 0x07, 0x8b, 0x16, 0xcb}, 77, 30, 640, 360},
		{"high-1280x720", []byte{0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x83, 0x19, 0x60}, 100, 31, 1280, 720},
	}
	for _, c := range cases {
		var s H264SPS
		if err := s.Unmarshal(c.sps); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if s.ProfileIDC != c.profile || s.LevelIDC != c.lvl || s.Width() != c.width || s.Height() != c.height {
			t.Fatalf("%s: profile %d level %d %dx%d, want %d %d %dx%d", c.name, s.ProfileIDC, s.LevelIDC, s.Width(), s.Height(), c.profile, c.lvl, c.width, c.height)
		}
	}
}
