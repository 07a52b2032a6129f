package codec

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// The VPS, PPS and SEI of the libx265 records whose SPSs are in
// h265_sps_test.go (made by the same commands).
var (
	hevcVPS1080 = hx("40010c01ffff016000000300900000030000030078959409")
	hevcPPS     = hx("4401c073c189")
	hevcVPS10   = hx("40010c01ffff02200000030090000003000003003f959409")
	hevcVPS444  = hx("40010c01ffff0408000003009e0800000300003c959409")
	hevcPPS444  = hx("4401c07318301890")
	hevcVPSSub  = hx("40010c02ffff01600000030090000003000003003c00009594aca048")
	hevcSEI     = hx("4e0105ffffffef2ca2de09b51747dbbb55a4fe7fc2fc4e78")
)

// paramArrays is the VPS, SPS and PPS arrays libx265 records carry, all
// complete.
func paramArrays(vps, sps, pps []byte) []HEVCArray {
	return []HEVCArray{
		{Complete: true, NALType: 32, NALUs: [][]byte{vps}},
		{Complete: true, NALType: 33, NALUs: [][]byte{sps}},
		{Complete: true, NALType: 34, NALUs: [][]byte{pps}},
	}
}

// casesHEVCConfig are records that decode to dec and encode back to enc
// byte for byte. They feed TestHEVCConfigUnmarshal, TestHEVCConfigMarshal
// and FuzzHEVCConfig.
var casesHEVCConfig = []struct {
	name string
	enc  []byte
	dec  HEVCConfig
}{
	{
		"x265 main 1920x1080",
		hx("0101600000009000000000007 8f000fcfdf8f800000f03" +
			"a00001 0018 40010c01ffff016000000300900000030000030078959409" +
			"a10001 002b 420101016000000300900000030000030078a003c0801107cb965654a4c2f0168080000003008000000c84" +
			"a20001 0006 4401c073c189"),
		HEVCConfig{GeneralProfileIDC: 1, GeneralProfileCompatibilityFlags: 0x60000000,
			GeneralConstraintIndicatorFlags: hevcProgress, GeneralLevelIDC: 120, ChromaFormat: 1,
			NumTemporalLayers: 1, TemporalIDNested: true, NALLengthSize: 4,
			Arrays: paramArrays(hevcVPS1080, hevcSPS1080, hevcPPS)},
	},
	{
		"x265 main 10 640x360",
		hx("0102200000009000000000003ff000fcfdfafa00000f03" +
			"a00001 0018 40010c01ffff02200000030090000003000003003f959409" +
			"a10001 002c 42010102200000030090000003000003003fa005020171f2b6595952930bc05a020000030002000003003210" +
			"a20001 0006 4401c073c189"),
		HEVCConfig{GeneralProfileIDC: 2, GeneralProfileCompatibilityFlags: 0x20000000,
			GeneralConstraintIndicatorFlags: hevcProgress, GeneralLevelIDC: 63, ChromaFormat: 1,
			BitDepthLumaMinus8: 2, BitDepthChromaMinus8: 2,
			NumTemporalLayers: 1, TemporalIDNested: true, NALLengthSize: 4,
			Arrays: paramArrays(hevcVPS10, hevcSPS10, hevcPPS)},
	},
	{
		"x265 range extensions 4:4:4 320x240",
		hx("0104080000009e08000000003cf000fcfff8f800000f03" +
			"a00001 0017 40010c01ffff0408000003009e0800000300003c959409" +
			"a10001 0028 4201010408000003009e0800000300003c90014101e2cb2b2a5261780b4040000003004000000642" +
			"a20001 0008 4401c07318301890"),
		HEVCConfig{GeneralProfileIDC: 4, GeneralProfileCompatibilityFlags: 0x08000000,
			GeneralConstraintIndicatorFlags: 0x9e0800000000, GeneralLevelIDC: 60, ChromaFormat: 3,
			NumTemporalLayers: 1, TemporalIDNested: true, NALLengthSize: 4,
			Arrays: paramArrays(hevcVPS444, hevcSPS444, hevcPPS444)},
	},
	{
		"x265 two temporal layers 352x288",
		hx("0101600000009000000000003cf000fcfdf8f800001303" +
			"a00001 001c 40010c02ffff01600000030090000003000003003c00009594aca048" +
			"a10001 002e 42010201600000030090000003000003003c0000a00b080485965652b2a5261780b4040000030004000003006420" +
			"a20001 0006 4401c073c189"),
		HEVCConfig{GeneralProfileIDC: 1, GeneralProfileCompatibilityFlags: 0x60000000,
			GeneralConstraintIndicatorFlags: hevcProgress, GeneralLevelIDC: 60, ChromaFormat: 1,
			NumTemporalLayers: 2, NALLengthSize: 4,
			Arrays: paramArrays(hevcVPSSub, hevcSPSSub, hevcPPS)},
	},
	{
		"prefix sei array, not complete, as x265 writes its info sei",
		hx("01016000000090000000000078f000fcfdf8f800000f04" +
			"a00001 0018 40010c01ffff016000000300900000030000030078959409" +
			"a10001 002b 420101016000000300900000030000030078a003c0801107cb965654a4c2f0168080000003008000000c84" +
			"a20001 0006 4401c073c189" +
			"270001 0018 4e0105ffffffef2ca2de09b51747dbbb55a4fe7fc2fc4e78"),
		HEVCConfig{GeneralProfileIDC: 1, GeneralProfileCompatibilityFlags: 0x60000000,
			GeneralConstraintIndicatorFlags: hevcProgress, GeneralLevelIDC: 120, ChromaFormat: 1,
			NumTemporalLayers: 1, TemporalIDNested: true, NALLengthSize: 4,
			Arrays: append(paramArrays(hevcVPS1080, hevcSPS1080, hevcPPS),
				HEVCArray{NALType: 39, NALUs: [][]byte{hevcSEI}})},
	},
	{
		"every header field set",
		hx("01 f5 80000001 800000000001 ba fabc fd fe ff f9 ffff ef 00"),
		HEVCConfig{GeneralProfileSpace: 3, GeneralTierFlag: true, GeneralProfileIDC: 21,
			GeneralProfileCompatibilityFlags: 0x80000001, GeneralConstraintIndicatorFlags: 0x800000000001,
			GeneralLevelIDC: 186, MinSpatialSegmentationIDC: 0xabc, ParallelismType: 1, ChromaFormat: 2,
			BitDepthLumaMinus8: 7, BitDepthChromaMinus8: 1, AvgFrameRate: 0xffff, ConstantFrameRate: 3,
			NumTemporalLayers: 5, TemporalIDNested: true, NALLengthSize: 4},
	},
	{
		"empty array, two sps in one array, an empty unit, 2-byte lengths",
		hx("01016000000090000000000078f000fcfdf8f8000009 03" +
			"a00000" +
			"210002 0002 4201 0003 420102" +
			"220001 0000"),
		HEVCConfig{GeneralProfileIDC: 1, GeneralProfileCompatibilityFlags: 0x60000000,
			GeneralConstraintIndicatorFlags: hevcProgress, GeneralLevelIDC: 120, ChromaFormat: 1,
			NumTemporalLayers: 1, NALLengthSize: 2,
			Arrays: []HEVCArray{
				{Complete: true, NALType: 32},
				{NALType: 33, NALUs: [][]byte{{0x42, 1}, {0x42, 1, 2}}},
				{NALType: 34, NALUs: [][]byte{{}}},
			}},
	},
}

// casesHEVCConfigLenient are records Unmarshal accepts that do not re-encode
// byte for byte: enc is what Marshal makes of dec.
var casesHEVCConfigLenient = []struct {
	name    string
	in, enc []byte
	dec     HEVCConfig
}{
	{
		// The record mpegts's tests build: every reserved bit zero.
		"reserved bits zero",
		hx("0100000000000000000000000000000000000000000f03" +
			"a00001 0002 4001 a10001 0002 4201 a20001 0002 4401"),
		hx("01000000000000000000000000f000fcfcf8f80000 0f03" +
			"a00001 0002 4001 a10001 0002 4201 a20001 0002 4401"),
		HEVCConfig{NumTemporalLayers: 1, TemporalIDNested: true, NALLengthSize: 4,
			Arrays: paramArrays([]byte{0x40, 1}, []byte{0x42, 1}, []byte{0x44, 1})},
	},
	{
		"reserved bit after array_completeness set, bytes after the last array",
		hx("01016000000090000000000078f000fcfdf8f800000f01 e00001 0002 4001 beef"),
		hx("01016000000090000000000078f000fcfdf8f800000f01 a00001 0002 4001"),
		HEVCConfig{GeneralProfileIDC: 1, GeneralProfileCompatibilityFlags: 0x60000000,
			GeneralConstraintIndicatorFlags: hevcProgress, GeneralLevelIDC: 120, ChromaFormat: 1,
			NumTemporalLayers: 1, TemporalIDNested: true, NALLengthSize: 4,
			Arrays: []HEVCArray{{Complete: true, NALType: 32, NALUs: [][]byte{{0x40, 1}}}}},
	},
}

// casesHEVCConfigErr are records Unmarshal rejects.
var casesHEVCConfigErr = []struct {
	name string
	in   []byte
	err  error
}{
	{"empty", nil, ErrShortBuffer},
	{"22 bytes", make([]byte, 22), ErrShortBuffer},
	{"version 0", make([]byte, 23), ErrVersion},
	{"array header cut short", hx("0101600000009000000000007 8f000fcfdf8f800000f01 a000"), ErrShortBuffer},
	{"no unit length", hx("01016000000090000000000078f000fcfdf8f800000f01 a00001 00"), ErrShortBuffer},
	{"unit past the end", hx("01016000000090000000000078f000fcfdf8f800000f01 a00001 0003 4001"), ErrShortBuffer},
	{"second array missing", hx("01016000000090000000000078f000fcfdf8f800000f02 a00001 0002 4001"), ErrShortBuffer},
	{"65535 units counted", hx("01016000000090000000000078f000fcfdf8f800000f01 a0ffff 0002 4001"), ErrShortBuffer},
}

func TestHEVCConfigUnmarshal(t *testing.T) {
	for _, tc := range casesHEVCConfig {
		t.Run(tc.name, func(t *testing.T) {
			var c HEVCConfig
			if err := c.Unmarshal(tc.enc); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, tc.dec) {
				t.Fatalf("got %+v, want %+v", c, tc.dec)
			}
		})
	}
	for _, tc := range casesHEVCConfigLenient {
		t.Run(tc.name, func(t *testing.T) {
			var c HEVCConfig
			if err := c.Unmarshal(tc.in); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, tc.dec) {
				t.Fatalf("got %+v, want %+v", c, tc.dec)
			}
		})
	}
	for _, tc := range casesHEVCConfigErr {
		t.Run(tc.name, func(t *testing.T) {
			c := casesHEVCConfig[0].dec
			err := c.Unmarshal(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if !reflect.DeepEqual(c, casesHEVCConfig[0].dec) {
				t.Fatal("a failed Unmarshal changed the record")
			}
		})
	}
}

func TestHEVCConfigMarshal(t *testing.T) {
	for _, tc := range casesHEVCConfig {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.dec.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, tc.enc) {
				t.Fatalf("got %x, want %x", b, tc.enc)
			}
			b, err = tc.dec.Append([]byte("prefix"))
			if err != nil || string(b[:6]) != "prefix" || !bytes.Equal(b[6:], tc.enc) {
				t.Fatalf("Append: %x, %v", b, err)
			}
		})
	}
	for _, tc := range casesHEVCConfigLenient {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.dec.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, tc.enc) {
				t.Fatalf("got %x, want %x", b, tc.enc)
			}
		})
	}
}

func TestHEVCConfigMarshalErrors(t *testing.T) {
	cases := []struct {
		name   string
		modify func(c *HEVCConfig)
	}{
		{"profile space 4", func(c *HEVCConfig) { c.GeneralProfileSpace = 4 }},
		{"profile idc 32", func(c *HEVCConfig) { c.GeneralProfileIDC = 32 }},
		{"constraint flags of 49 bits", func(c *HEVCConfig) { c.GeneralConstraintIndicatorFlags = 1 << 48 }},
		{"min spatial segmentation 4096", func(c *HEVCConfig) { c.MinSpatialSegmentationIDC = 4096 }},
		{"parallelism 4", func(c *HEVCConfig) { c.ParallelismType = 4 }},
		{"chroma 4", func(c *HEVCConfig) { c.ChromaFormat = 4 }},
		{"luma depth 8+8", func(c *HEVCConfig) { c.BitDepthLumaMinus8 = 8 }},
		{"chroma depth 8+8", func(c *HEVCConfig) { c.BitDepthChromaMinus8 = 8 }},
		{"constant frame rate 4", func(c *HEVCConfig) { c.ConstantFrameRate = 4 }},
		{"8 temporal layers", func(c *HEVCConfig) { c.NumTemporalLayers = 8 }},
		{"nal length size 0", func(c *HEVCConfig) { c.NALLengthSize = 0 }},
		{"nal length size 5", func(c *HEVCConfig) { c.NALLengthSize = 5 }},
		{"256 arrays", func(c *HEVCConfig) { c.Arrays = make([]HEVCArray, 256) }},
		{"nal type 64", func(c *HEVCConfig) { c.Arrays[0].NALType = 64 }},
		{"unit of 64 KiB", func(c *HEVCConfig) { c.Arrays[1].NALUs = [][]byte{make([]byte, 1<<16)} }},
		{"65536 units", func(c *HEVCConfig) { c.Arrays[2].NALUs = make([][]byte, 1<<16) }},
	}
	for _, tc := range cases {
		c := casesHEVCConfig[0].dec
		c.Arrays = paramArrays(hevcVPS1080, hevcSPS1080, hevcPPS)
		tc.modify(&c)
		if b, err := c.Marshal(); !errors.Is(err, ErrOutOfRange) || b != nil {
			t.Errorf("%s: Marshal %x, %v", tc.name, b, err)
		}
		if b, err := c.Append([]byte("x")); !errors.Is(err, ErrOutOfRange) || string(b) != "x" {
			t.Errorf("%s: Append %x, %v", tc.name, b, err)
		}
	}
}

func TestHEVCConfigAppendAnnexB(t *testing.T) {
	c := casesHEVCConfig[4].dec // VPS, SPS, PPS, SEI
	want := bytes.Join([][]byte{nil, hevcVPS1080, hevcSPS1080, hevcPPS, hevcSEI}, startCode)
	if got := c.AppendAnnexB(nil); !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	c = casesHEVCConfig[6].dec // an empty array, two SPS, an empty PPS
	if got, want := c.AppendAnnexB([]byte{9}), hx("09 00000001 4201 00000001 420102"); !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	c = casesHEVCConfig[5].dec // no arrays
	if got := c.AppendAnnexB(nil); got != nil {
		t.Fatalf("no arrays: got %x, want nil", got)
	}
}

func TestHEVCConfigSPS(t *testing.T) {
	c := casesHEVCConfig[0].dec
	if got := c.SPS(); !bytes.Equal(got, hevcSPS1080) {
		t.Fatalf("got %x", got)
	}
	c = HEVCConfig{Arrays: []HEVCArray{{NALType: 33, NALUs: [][]byte{{}, {0x42, 1}}}}}
	if got := c.SPS(); !bytes.Equal(got, []byte{0x42, 1}) {
		t.Fatalf("empty first unit: got %x", got)
	}
	c = casesHEVCConfig[5].dec
	if got := c.SPS(); got != nil {
		t.Fatalf("no arrays: got %x", got)
	}
}

// TestHEVCConfigMatchesSPS checks that each libx265 record repeats its SPS's
// profile_tier_level in its general_ fields, as 8.3.3.1.2 requires: the API
// may take profile and level from either.
func TestHEVCConfigMatchesSPS(t *testing.T) {
	for i, tc := range casesHEVCConfig[:4] {
		var s H265SPS
		if err := s.Unmarshal(tc.dec.SPS()); err != nil {
			t.Fatal(err)
		}
		p, c := s.ProfileTierLevel, tc.dec
		if p.GeneralProfileSpace != c.GeneralProfileSpace || p.GeneralTierFlag != c.GeneralTierFlag ||
			p.GeneralProfileIDC != c.GeneralProfileIDC ||
			p.GeneralProfileCompatibilityFlags != c.GeneralProfileCompatibilityFlags ||
			p.GeneralConstraintIndicatorFlags != c.GeneralConstraintIndicatorFlags ||
			p.GeneralLevelIDC != c.GeneralLevelIDC || s.ChromaFormatIDC != c.ChromaFormat ||
			s.BitDepthLumaMinus8 != c.BitDepthLumaMinus8 || s.BitDepthChromaMinus8 != c.BitDepthChromaMinus8 {
			t.Errorf("%s: SPS %+v, record %+v", tc.name, s, c)
		}
		if want := casesH265SPS[i].dec; !reflect.DeepEqual(s, want) {
			t.Errorf("%s: SPS %+v, want %+v", tc.name, s, want)
		}
	}
}

// FuzzHEVCConfig: Unmarshal never panics, is deterministic and leaves c
// alone on error; a record it accepts re-encodes, without growing, to bytes
// that decode to the same value and re-encode to themselves; AppendAnnexB
// writes a start code and the unit for each non-empty unit.
func FuzzHEVCConfig(f *testing.F) {
	for _, tc := range casesHEVCConfig {
		f.Add(tc.enc)
	}
	for _, tc := range casesHEVCConfigLenient {
		f.Add(tc.in)
	}
	for _, tc := range casesHEVCConfigErr {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c, c2 HEVCConfig
		err := c.Unmarshal(b)
		if err2 := c2.Unmarshal(b); (err == nil) != (err2 == nil) || !reflect.DeepEqual(c, c2) {
			t.Fatalf("not deterministic: %v, %v", err, err2)
		}
		if err != nil {
			if !reflect.DeepEqual(c, HEVCConfig{}) {
				t.Fatalf("failed Unmarshal changed the record: %+v", c)
			}
			return
		}
		m, err := c.Marshal()
		if err != nil {
			t.Fatalf("accepted record does not marshal: %v", err)
		}
		if len(m) > len(b) {
			t.Fatalf("re-encoded record grew from %d to %d bytes", len(b), len(m))
		}
		var back HEVCConfig
		if err := back.Unmarshal(m); err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("re-encoded record decodes to %+v, %v; want %+v", back, err, c)
		}
		if m2, _ := back.Marshal(); !bytes.Equal(m2, m) {
			t.Fatalf("encoding is not stable: %x then %x", m, m2)
		}
		want := 0
		for _, a := range c.Arrays {
			for _, u := range a.NALUs {
				if len(u) > 0 {
					want += 4 + len(u)
				}
			}
		}
		if ab := c.AppendAnnexB(nil); len(ab) != want {
			t.Fatalf("annex-b of %d bytes, want %d", len(ab), want)
		}
		if sps := c.SPS(); sps != nil {
			var s H265SPS
			_ = s.Unmarshal(sps) // must not panic on whatever the record holds
		}
	})
}
