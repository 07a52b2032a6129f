package codec

import (
	"strconv"
	"testing"
)

// spsWriter writes the bits of an H.264 SPS for the tests: fixed-width
// fields, exp-Golomb codes (ITU-T H.264 9.1) and the RBSP trailing bits,
// then the NAL header and emulation prevention bytes (7.4.1).
type spsWriter struct {
	bits []byte // one bit per byte
}

func (w *spsWriter) u(v uint64, n int) {
	for i := n - 1; i >= 0; i-- {
		w.bits = append(w.bits, byte(v>>uint(i)&1))
	}
}

// ue writes v as an unsigned exp-Golomb code: as many zeros as v+1 has bits
// after its leading one, then v+1.
func (w *spsWriter) ue(v uint64) {
	n := len(strconv.FormatUint(v+1, 2))
	w.u(0, n-1)
	w.u(v+1, n)
}

// nal returns the SPS NAL unit: header 0x67, the RBSP with its trailing
// bits, 00 00 0x escaped as 00 00 03 0x.
func (w *spsWriter) nal() []byte {
	bits := append(w.bits, 1)
	for len(bits)%8 != 0 {
		bits = append(bits, 0)
	}
	out := []byte{0x67}
	zeros := 0
	for i := 0; i < len(bits); i += 8 {
		var c byte
		for _, b := range bits[i : i+8] {
			c = c<<1 | b
		}
		if zeros >= 2 && c <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}

// spsFields is what the tests put in an SPS.
type spsFields struct {
	profile, level byte
	chroma         uint64 // chroma_format_idc (high profiles only; 1 otherwise)
	separate       bool   // separate_colour_plane_flag (chroma 3)
	mbW, mbH       uint64 // pic_width_in_mbs_minus1 + 1, pic_height_in_map_units_minus1 + 1
	frameMbsOnly   bool
	crop           bool
	cl, cr, ct, cb uint64
}

// encode writes f as an SPS (7.3.2.1.1) with no scaling matrices, POC type
// 0 and no VUI.
func (f spsFields) encode() []byte {
	var w spsWriter
	w.u(uint64(f.profile), 8)
	w.u(0, 8) // constraint flags
	w.u(uint64(f.level), 8)
	w.ue(0) // seq_parameter_set_id
	if f.profile == 100 {
		w.ue(f.chroma)
		if f.chroma == 3 {
			w.u(b2u(f.separate), 1)
		}
		w.ue(0)   // bit_depth_luma_minus8
		w.ue(0)   // bit_depth_chroma_minus8
		w.u(0, 1) // qpprime_y_zero_transform_bypass_flag
		w.u(0, 1) // seq_scaling_matrix_present_flag
	}
	w.ue(0)   // log2_max_frame_num_minus4
	w.ue(0)   // pic_order_cnt_type
	w.ue(0)   // log2_max_pic_order_cnt_lsb_minus4
	w.ue(1)   // max_num_ref_frames
	w.u(0, 1) // gaps_in_frame_num_value_allowed_flag
	w.ue(f.mbW - 1)
	w.ue(f.mbH - 1)
	w.u(b2u(f.frameMbsOnly), 1)
	if !f.frameMbsOnly {
		w.u(0, 1) // mb_adaptive_frame_field_flag
	}
	w.u(1, 1) // direct_8x8_inference_flag
	w.u(b2u(f.crop), 1)
	if f.crop {
		w.ue(f.cl)
		w.ue(f.cr)
		w.ue(f.ct)
		w.ue(f.cb)
	}
	w.u(0, 1) // vui_parameters_present_flag
	return w.nal()
}

// size is the cropped picture size the SPS describes (7.4.2.1.1, Table
// 6-1), or ok false when the cropping leaves nothing (or the picture is
// larger than the parser's 1024 macroblocks).
func (f spsFields) size() (w, h int64, ok bool) {
	chroma := uint64(1)
	if f.profile == 100 {
		chroma = f.chroma
	}
	fmo := int64(2)
	if f.frameMbsOnly {
		fmo = 1
	}
	cropX, cropY := int64(1), fmo
	if chroma != 0 && !(chroma == 3 && f.separate) {
		subW, subH := int64(2), int64(2)
		switch chroma {
		case 2:
			subH = 1
		case 3:
			subW, subH = 1, 1
		}
		cropX, cropY = subW, subH*fmo
	}
	var cl, cr, ct, cb int64
	if f.crop {
		cl, cr, ct, cb = int64(f.cl), int64(f.cr), int64(f.ct), int64(f.cb)
	}
	w = int64(f.mbW)*16 - cropX*(cl+cr)
	h = fmo*int64(f.mbH)*16 - cropY*(ct+cb)
	return w, h, f.mbW <= 1024 && f.mbH <= 1024 && w > 0 && h > 0
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// spsSeedHugeCrop is a 16x16 SPS whose frame_crop_left_offset is
// 4294957296 (an exp-Golomb code with 31 leading zeros, the longest the
// parser reads): the crop is far larger than the picture. On 64-bit the
// parser refuses it; where int is 32 bits, the parser's ue
// ((1<<31 - 1) + v) wraps to -10000, and the crop ADDS 20000 pixels: a
// 20016x16 picture (see TestSPSCropOverflow).
var spsSeedHugeCrop = spsFields{profile: 66, level: 30, mbW: 1, mbH: 1, frameMbsOnly: true, crop: true, cl: 1<<32 - 10000}.encode()

// TestSPSFields: SPSs written field by field parse to the size the syntax
// gives, across chroma formats, field coding and cropping, and one whose
// cropping takes the whole picture is refused.
func TestSPSFields(t *testing.T) {
	for _, f := range []spsFields{
		{profile: 66, level: 30, mbW: 40, mbH: 23, frameMbsOnly: true, crop: true, cb: 4}, // 640x360
		{profile: 100, level: 40, chroma: 1, mbW: 120, mbH: 68, frameMbsOnly: true, crop: true, cb: 4},
		{profile: 100, level: 40, chroma: 2, mbW: 120, mbH: 34, crop: true, cl: 1, cr: 1, ct: 2, cb: 2}, // 4:2:2, fields
		{profile: 100, level: 40, chroma: 3, separate: true, mbW: 2, mbH: 2, frameMbsOnly: true, crop: true, cl: 3, cb: 5},
		{profile: 100, level: 40, chroma: 0, mbW: 1, mbH: 1, frameMbsOnly: true, crop: true, cl: 15},
		{profile: 66, level: 30, mbW: 1024, mbH: 1024},
		{profile: 66, level: 30, mbW: 1, mbH: 1, frameMbsOnly: true, crop: true, cl: 4, cr: 4}, // crops all 16 columns
		{profile: 66, level: 30, mbW: 1025, mbH: 1, frameMbsOnly: true},
	} {
		checkSPSFields(t, f)
	}
}

func checkSPSFields(t testing.TB, f spsFields) {
	t.Helper()
	var s H264SPS
	err := s.Unmarshal(f.encode())
	w, h, ok := f.size()
	if !ok {
		if err == nil {
			t.Fatalf("%+v: parsed as %dx%d, want a refusal (the syntax gives %dx%d)", f, s.Width(), s.Height(), w, h)
		}
		return
	}
	if err != nil {
		t.Fatalf("%+v: %v, want %dx%d", f, err, w, h)
	}
	if int64(s.Width()) != w || int64(s.Height()) != h || s.ProfileIDC != f.profile || s.LevelIDC != f.level {
		t.Fatalf("%+v: parsed %+v (%dx%d), want %dx%d", f, s, s.Width(), s.Height(), w, h)
	}
}

// FuzzSPSFields: any SPS written field by field parses to exactly the
// cropped size the syntax gives, or is refused when the cropping leaves
// nothing of the picture or it is over 1024 macroblocks: the crop never
// exceeds the size, and never adds to it.
func FuzzSPSFields(f *testing.F) {
	f.Add(byte(66), byte(0), false, uint16(40), uint16(23), true, uint32(0), uint32(0), uint32(0), uint32(4))
	f.Add(byte(100), byte(2), false, uint16(120), uint16(34), false, uint32(1), uint32(1), uint32(2), uint32(2))
	f.Add(byte(101), byte(3), true, uint16(1), uint16(1), true, uint32(16), uint32(0), uint32(0), uint32(0))
	f.Fuzz(func(t *testing.T, profile, chroma byte, separate bool, mbW, mbH uint16, fmo bool, cl, cr, ct, cb uint32) {
		sf := spsFields{profile: 66, level: 30, mbW: uint64(mbW) + 1, mbH: uint64(mbH) + 1, frameMbsOnly: fmo,
			crop: cl|cr|ct|cb != 0, cl: uint64(cl), cr: uint64(cr), ct: uint64(ct), cb: uint64(cb)}
		if profile%2 == 1 {
			sf.profile, sf.chroma, sf.separate = 100, uint64(chroma%4), separate
		}
		checkSPSFields(t, sf)
	})
}

// TestSPSCropOverflow: a 16x16 SPS with a crop of 4294957296 columns is
// refused on every platform. live's former parser computed the exp-Golomb
// value in int, which wrapped where int is 32 bits (386, arm, mips: make
// test runs this package on arm), and reported the picture as 20016x16.
func TestSPSCropOverflow(t *testing.T) {
	var s H264SPS
	if err := s.Unmarshal(spsSeedHugeCrop); err == nil {
		t.Fatalf("a 16x16 SPS with a crop of 4294957296 columns parsed as %dx%d, want a refusal", s.Width(), s.Height())
	}
}
