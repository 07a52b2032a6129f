package codec

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// SPSs made by FFmpeg 5.1 with libx265 3.5 (from the hvcC box the mp4
// muxer writes), with
//
//	ffmpeg -f lavfi -i testsrc2=size=WxH:rate=25 -frames:v 1 -threads 1 -c:v libx265 \
//	  -preset ultrafast -pix_fmt F -x265-params info=0[:temporal-layers=1] -tag:v hvc1 x.mp4
var (
	hevcSPS1080  = hx("420101016000000300900000030000030078a003c0801107cb965654a4c2f0168080000003008000000c84")
	hevcSPS10    = hx("42010102200000030090000003000003003fa005020171f2b6595952930bc05a020000030002000003003210")
	hevcSPS444   = hx("4201010408000003009e0800000300003c90014101e2cb2b2a5261780b4040000003004000000642")
	hevcSPSSub   = hx("42010201600000030090000003000003003c0000a00b080485965652b2a5261780b4040000030004000003006420")
	hevcProgress = uint64(0x900000000000) // general_progressive_source_flag, general_frame_only_constraint_flag
)

// encodeH265SPS writes s as an SPS NAL unit of the base layer, followed by
// a few made-up fields: the inverse of Unmarshal. Hand-made cases and the
// fuzz round trip use it.
func encodeH265SPS(s *H265SPS) []byte {
	var w bitWriter
	w.u(4, uint64(s.VPSID))
	w.u(3, uint64(s.MaxSubLayersMinus1))
	w.flag(s.TemporalIDNesting)
	p := &s.ProfileTierLevel
	w.u(2, uint64(p.GeneralProfileSpace))
	w.flag(p.GeneralTierFlag)
	w.u(5, uint64(p.GeneralProfileIDC))
	w.u(32, uint64(p.GeneralProfileCompatibilityFlags))
	w.u(48, p.GeneralConstraintIndicatorFlags)
	w.u(8, uint64(p.GeneralLevelIDC))
	if s.MaxSubLayersMinus1 > 0 {
		for _, l := range p.SubLayers {
			w.flag(l.ProfilePresent)
			w.flag(l.LevelPresent)
		}
		w.u(2*(8-len(p.SubLayers)), 0)
		for _, l := range p.SubLayers {
			if l.ProfilePresent {
				w.u(2, uint64(l.ProfileSpace))
				w.flag(l.TierFlag)
				w.u(5, uint64(l.ProfileIDC))
				w.u(32, uint64(l.ProfileCompatibilityFlags))
				w.u(48, l.ConstraintIndicatorFlags)
			}
			if l.LevelPresent {
				w.u(8, uint64(l.LevelIDC))
			}
		}
	}
	w.ue(uint32(s.ID))
	w.ue(uint32(s.ChromaFormatIDC))
	if s.ChromaFormatIDC == 3 {
		w.flag(s.SeparateColourPlane)
	}
	w.ue(s.PicWidthInLumaSamples)
	w.ue(s.PicHeightInLumaSamples)
	w.flag(s.ConformanceWindow)
	if s.ConformanceWindow {
		w.ue(s.ConfWinLeftOffset)
		w.ue(s.ConfWinRightOffset)
		w.ue(s.ConfWinTopOffset)
		w.ue(s.ConfWinBottomOffset)
	}
	w.ue(uint32(s.BitDepthLumaMinus8))
	w.ue(uint32(s.BitDepthChromaMinus8))
	w.ue(4)       // log2_max_pic_order_cnt_lsb_minus4
	w.flag(false) // sps_sub_layer_ordering_info_present_flag
	return w.nal(0x42, 0x01)
}

// mainPTL is the profile_tier_level of libx265's Main profile streams.
func mainPTL(level uint8) H265ProfileTierLevel {
	return H265ProfileTierLevel{GeneralProfileIDC: 1, GeneralProfileCompatibilityFlags: 0x60000000,
		GeneralConstraintIndicatorFlags: hevcProgress, GeneralLevelIDC: level}
}

// casesH265SPS feed TestH265SPSUnmarshal and FuzzH265SPS. The first four are
// libx265's (above); their fields are those FFmpeg's trace_headers bitstream
// filter prints. The rest are made by encodeH265SPS.
var casesH265SPS = []struct {
	name          string
	nal           []byte
	dec           H265SPS
	width, height int
}{
	{
		"main 1920x1080, conformance window", hevcSPS1080,
		H265SPS{TemporalIDNesting: true, ProfileTierLevel: mainPTL(120), ChromaFormatIDC: 1,
			PicWidthInLumaSamples: 1920, PicHeightInLumaSamples: 1088,
			ConformanceWindow: true, ConfWinBottomOffset: 4},
		1920, 1080,
	},
	{
		"main 10 640x360, conformance window", hevcSPS10,
		H265SPS{TemporalIDNesting: true, ProfileTierLevel: H265ProfileTierLevel{GeneralProfileIDC: 2,
			GeneralProfileCompatibilityFlags: 0x20000000, GeneralConstraintIndicatorFlags: hevcProgress,
			GeneralLevelIDC: 63}, ChromaFormatIDC: 1, PicWidthInLumaSamples: 640, PicHeightInLumaSamples: 368,
			ConformanceWindow: true, ConfWinBottomOffset: 4, BitDepthLumaMinus8: 2, BitDepthChromaMinus8: 2},
		640, 360,
	},
	{
		"range extensions 4:4:4 320x240", hevcSPS444,
		H265SPS{TemporalIDNesting: true, ProfileTierLevel: H265ProfileTierLevel{GeneralProfileIDC: 4,
			GeneralProfileCompatibilityFlags: 0x08000000, GeneralConstraintIndicatorFlags: 0x9e0800000000,
			GeneralLevelIDC: 60}, ChromaFormatIDC: 3, PicWidthInLumaSamples: 320, PicHeightInLumaSamples: 240},
		320, 240,
	},
	{
		"two temporal layers 352x288", hevcSPSSub,
		H265SPS{MaxSubLayersMinus1: 1, ProfileTierLevel: H265ProfileTierLevel{GeneralProfileIDC: 1,
			GeneralProfileCompatibilityFlags: 0x60000000, GeneralConstraintIndicatorFlags: hevcProgress,
			GeneralLevelIDC: 60, SubLayers: []H265SubLayer{{}}},
			ChromaFormatIDC: 1, PicWidthInLumaSamples: 352, PicHeightInLumaSamples: 288},
		352, 288,
	},
}

func init() {
	made := []struct {
		name          string
		dec           H265SPS
		width, height int
	}{
		{"three sub-layers with profile and level",
			H265SPS{VPSID: 15, MaxSubLayersMinus1: 3, TemporalIDNesting: true,
				ProfileTierLevel: H265ProfileTierLevel{GeneralProfileSpace: 2, GeneralTierFlag: true,
					GeneralProfileIDC: 2, GeneralProfileCompatibilityFlags: 0xffffffff,
					GeneralConstraintIndicatorFlags: 0xffffffffffff, GeneralLevelIDC: 153,
					SubLayers: []H265SubLayer{
						{ProfilePresent: true, LevelPresent: true, ProfileSpace: 1, TierFlag: true, ProfileIDC: 31,
							ProfileCompatibilityFlags: 0x80000001, ConstraintIndicatorFlags: 0x800000000001, LevelIDC: 93},
						{LevelPresent: true, LevelIDC: 63},
						{ProfilePresent: true, ProfileIDC: 1, ProfileCompatibilityFlags: 0x60000000},
					}},
				ID: 15, ChromaFormatIDC: 1, PicWidthInLumaSamples: 3840, PicHeightInLumaSamples: 2160,
				BitDepthLumaMinus8: 8, BitDepthChromaMinus8: 8},
			3840, 2160},
		{"six sub-layers, levels only",
			H265SPS{MaxSubLayersMinus1: 6, ProfileTierLevel: H265ProfileTierLevel{GeneralProfileIDC: 1,
				GeneralLevelIDC: 186, SubLayers: []H265SubLayer{
					{LevelPresent: true, LevelIDC: 30}, {}, {LevelPresent: true, LevelIDC: 60}, {}, {},
					{LevelPresent: true, LevelIDC: 186}}},
				ChromaFormatIDC: 1, PicWidthInLumaSamples: 16888, PicHeightInLumaSamples: 16888},
			16888, 16888},
		{"4:2:2, window in units of 2x1",
			H265SPS{ProfileTierLevel: mainPTL(93), ChromaFormatIDC: 2, PicWidthInLumaSamples: 720,
				PicHeightInLumaSamples: 576, ConformanceWindow: true, ConfWinLeftOffset: 4, ConfWinRightOffset: 4,
				ConfWinTopOffset: 1, ConfWinBottomOffset: 3},
			704, 572},
		{"4:4:4 separate colour planes, window in luma units",
			H265SPS{ProfileTierLevel: mainPTL(93), ChromaFormatIDC: 3, SeparateColourPlane: true,
				PicWidthInLumaSamples: 64, PicHeightInLumaSamples: 64, ConformanceWindow: true,
				ConfWinLeftOffset: 1, ConfWinBottomOffset: 63},
			63, 1},
		{"monochrome, window in luma units",
			H265SPS{ProfileTierLevel: mainPTL(93), ChromaFormatIDC: 0, PicWidthInLumaSamples: 8,
				PicHeightInLumaSamples: 8, ConformanceWindow: true, ConfWinRightOffset: 7},
			1, 8},
	}
	for _, m := range made {
		casesH265SPS = append(casesH265SPS, struct {
			name          string
			nal           []byte
			dec           H265SPS
			width, height int
		}{m.name, encodeH265SPS(&m.dec), m.dec, m.width, m.height})
	}
}

// casesH265SPSErr are SPSs Unmarshal rejects.
var casesH265SPSErr = []struct {
	name string
	nal  []byte
	err  error
}{
	{"empty", nil, ErrShortBuffer},
	{"one byte", hx("42"), ErrShortBuffer},
	{"vps", hx("40010c01ffff016000000300900000030000030078959409"), ErrNALType},
	{"layer 1", hx("4209 01"), ErrUnsupported},
	{"header only", hx("4201"), ErrShortBuffer},
	{"ends in profile_tier_level", hevcSPS1080[:10], ErrShortBuffer},
	{"ends in the conformance window", hevcSPS1080[:18], ErrShortBuffer},
	{"seven sub-layers", encodeH265SPS(&H265SPS{MaxSubLayersMinus1: 7,
		ProfileTierLevel: H265ProfileTierLevel{SubLayers: make([]H265SubLayer, 7)}}), ErrOutOfRange},
	{"sps_seq_parameter_set_id 16", encodeH265SPS(&H265SPS{ID: 16, PicWidthInLumaSamples: 8,
		PicHeightInLumaSamples: 8}), ErrOutOfRange},
	{"chroma_format_idc 4", encodeH265SPS(&H265SPS{ChromaFormatIDC: 4, PicWidthInLumaSamples: 8,
		PicHeightInLumaSamples: 8}), ErrOutOfRange},
	{"width 0", encodeH265SPS(&H265SPS{PicHeightInLumaSamples: 8}), ErrOutOfRange},
	{"height 0", encodeH265SPS(&H265SPS{PicWidthInLumaSamples: 8}), ErrOutOfRange},
	{"width 16889", encodeH265SPS(&H265SPS{PicWidthInLumaSamples: 16889, PicHeightInLumaSamples: 8}), ErrOutOfRange},
	{"window takes the whole width", encodeH265SPS(&H265SPS{ChromaFormatIDC: 1, PicWidthInLumaSamples: 16,
		PicHeightInLumaSamples: 16, ConformanceWindow: true, ConfWinLeftOffset: 4, ConfWinRightOffset: 4}), ErrOutOfRange},
	{"window takes the whole height", encodeH265SPS(&H265SPS{ChromaFormatIDC: 2, PicWidthInLumaSamples: 16,
		PicHeightInLumaSamples: 16, ConformanceWindow: true, ConfWinTopOffset: 16}), ErrOutOfRange},
	{"window offsets of 2^32-2", encodeH265SPS(&H265SPS{ChromaFormatIDC: 1, PicWidthInLumaSamples: 16,
		PicHeightInLumaSamples: 16, ConformanceWindow: true, ConfWinTopOffset: 1<<32 - 2,
		ConfWinBottomOffset: 1<<32 - 2}), ErrOutOfRange},
	{"bit_depth_luma_minus8 9", encodeH265SPS(&H265SPS{PicWidthInLumaSamples: 8, PicHeightInLumaSamples: 8,
		BitDepthLumaMinus8: 9}), ErrOutOfRange},
	{"bit_depth_chroma_minus8 9", encodeH265SPS(&H265SPS{PicWidthInLumaSamples: 8, PicHeightInLumaSamples: 8,
		BitDepthChromaMinus8: 9}), ErrOutOfRange},
}

func TestH265SPSUnmarshal(t *testing.T) {
	for _, tc := range casesH265SPS {
		t.Run(tc.name, func(t *testing.T) {
			var s H265SPS
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
	for _, tc := range casesH265SPSErr {
		t.Run(tc.name, func(t *testing.T) {
			s := casesH265SPS[3].dec
			err := s.Unmarshal(tc.nal)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if !reflect.DeepEqual(s, casesH265SPS[3].dec) {
				t.Fatal("a failed Unmarshal changed the SPS")
			}
		})
	}
}

// TestH265SPSEncoder checks the test encoder against libx265: up to the bit
// depths it writes the same bits, so the made cases mean what they say.
func TestH265SPSEncoder(t *testing.T) {
	for _, tc := range casesH265SPS[:4] {
		got := encodeH265SPS(&tc.dec)
		n := 2 + 14 // header, and the PTL and following fields fit 14 bytes in all four
		if !bytes.Equal(got[:n], tc.nal[:n]) {
			t.Errorf("%s: encoder wrote %x, libx265 %x", tc.name, got, tc.nal)
		}
	}
}

// FuzzH265SPS: Unmarshal never panics, is deterministic and leaves s alone
// on error; an accepted SPS has a size the syntax allows (the conformance
// window leaves at least one sample and never more than the coded picture)
// and re-encodes to an SPS that decodes to the same value.
func FuzzH265SPS(f *testing.F) {
	for _, tc := range casesH265SPS {
		f.Add(tc.nal)
	}
	for _, tc := range casesH265SPSErr {
		f.Add(tc.nal)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s, s2 H265SPS
		err := s.Unmarshal(b)
		if err2 := s2.Unmarshal(b); (err == nil) != (err2 == nil) || !reflect.DeepEqual(s, s2) {
			t.Fatalf("not deterministic: %v, %v", err, err2)
		}
		if err != nil {
			if !reflect.DeepEqual(s, H265SPS{}) {
				t.Fatalf("failed Unmarshal changed the SPS: %+v", s)
			}
			return
		}
		codedW, codedH := int(s.PicWidthInLumaSamples), int(s.PicHeightInLumaSamples)
		if w, h := s.Width(), s.Height(); w < 1 || w > codedW || codedW > 16888 || h < 1 || h > codedH || codedH > 16888 {
			t.Fatalf("size %dx%d of a coded %dx%d", w, h, codedW, codedH)
		}
		if len(s.ProfileTierLevel.SubLayers) != int(s.MaxSubLayersMinus1) {
			t.Fatalf("%d sub-layers for sps_max_sub_layers_minus1 %d", len(s.ProfileTierLevel.SubLayers), s.MaxSubLayersMinus1)
		}
		var back H265SPS
		if err := back.Unmarshal(encodeH265SPS(&s)); err != nil || !reflect.DeepEqual(back, s) {
			t.Fatalf("re-encoded SPS decodes to %+v, %v; want %+v", back, err, s)
		}
	})
}
