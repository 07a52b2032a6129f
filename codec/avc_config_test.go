package codec

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/picosrs/picosrs/flv"
)

// Records made by FFmpeg 5.1 with libx264 (the mp4 muxer's avcC box, which
// is the FLV sequence header body), from
//
//	ffmpeg -f lavfi -i testsrc2=size=WxH:rate=25 -frames:v 1 -threads 1 -c:v libx264 \
//	  -profile:v P -preset veryfast|ultrafast -pix_fmt F [-x264-params tff=1] x.mp4
//
// and the first video tag of tests/testdata/h264_aac.flv.
var (
	avcFixtureSPS = hx("674d401eda0280bfe5c044000003000400000300c83c58ba80")
	avcFixturePPS = hx("68ef3c80")
	avcHighSPS    = hx("67640028acd940780227e5c044000003000400000300c83c60c658")
	avcHighPPS    = hx("68ef8fcb")
	avc422SPS     = hx("677a001eb6ce80b424d8088000000300800000190f8a1550")
	avc444SPS     = hx("67f4000d9196816096c044000003000400000300c83c50aa80")
	avcBaseSPS    = hx("6742c00bda0b13b011000003000100000300320f142aa0")
	avcShortPPS   = hx("68ce0fc8")
)

// casesAVCConfig are records that decode to dec and encode back to enc byte
// for byte. They feed TestAVCConfigUnmarshal, TestAVCConfigMarshal and
// FuzzAVCConfig.
var casesAVCConfig = []struct {
	name string
	enc  []byte
	dec  AVCConfig
}{
	{
		"h264_aac.flv: main 640x360",
		hx("014d401effe10019 674d401eda0280bfe5c044000003000400000300c83c58ba80 01 0004 68ef3c80"),
		AVCConfig{ProfileIndication: 77, ProfileCompatibility: 0x40, LevelIndication: 30, NALLengthSize: 4,
			SPS: [][]byte{avcFixtureSPS}, PPS: [][]byte{avcFixturePPS}},
	},
	{
		"x264 high 1920x1080 with trailer",
		hx("01640028ffe1001b 67640028acd940780227e5c044000003000400000300c83c60c658 01 0004 68ef8fcb fdf8f800"),
		AVCConfig{ProfileIndication: 100, LevelIndication: 40, NALLengthSize: 4,
			SPS: [][]byte{avcHighSPS}, PPS: [][]byte{avcHighPPS},
			Ext: &AVCConfigExt{ChromaFormat: 1}},
	},
	{
		"x264 high 4:2:2 10-bit interlaced",
		hx("017a001effe10018 677a001eb6ce80b424d8088000000300800000190f8a1550 01 0004 68de0fc8 fefafa00"),
		AVCConfig{ProfileIndication: 122, LevelIndication: 30, NALLengthSize: 4,
			SPS: [][]byte{avc422SPS}, PPS: [][]byte{hx("68de0fc8")},
			Ext: &AVCConfigExt{ChromaFormat: 2, BitDepthLumaMinus8: 2, BitDepthChromaMinus8: 2}},
	},
	{
		"x264 high 4:4:4 predictive",
		hx("01f4000dffe10019 67f4000d9196816096c044000003000400000300c83c50aa80 01 0005 68ce0f1920 fff8f800"),
		AVCConfig{ProfileIndication: 244, LevelIndication: 13, NALLengthSize: 4,
			SPS: [][]byte{avc444SPS}, PPS: [][]byte{hx("68ce0f1920")},
			Ext: &AVCConfigExt{ChromaFormat: 3}},
	},
	{
		"x264 constrained baseline 176x144",
		hx("0142c00bffe10017 6742c00bda0b13b011000003000100000300320f142aa0 01 0004 68ce0fc8"),
		AVCConfig{ProfileIndication: 66, ProfileCompatibility: 0xC0, LevelIndication: 11, NALLengthSize: 4,
			SPS: [][]byte{avcBaseSPS}, PPS: [][]byte{avcShortPPS}},
	},
	{
		"high without trailer, as older encoders write it",
		hx("01640028ffe1001b 67640028acd940780227e5c044000003000400000300c83c60c658 01 0004 68ef8fcb"),
		AVCConfig{ProfileIndication: 100, LevelIndication: 40, NALLengthSize: 4,
			SPS: [][]byte{avcHighSPS}, PPS: [][]byte{avcHighPPS}},
	},
	{
		"two sps, three pps, 2-byte lengths",
		hx("014d401efde2 0002 6701 0003 670203 03 0002 6801 0001 68 0002 6803"),
		AVCConfig{ProfileIndication: 77, ProfileCompatibility: 0x40, LevelIndication: 30, NALLengthSize: 2,
			SPS: [][]byte{{0x67, 1}, {0x67, 2, 3}}, PPS: [][]byte{{0x68, 1}, {0x68}, {0x68, 3}}},
	},
	{
		"no parameter sets, 1-byte lengths",
		hx("0142c01efce0 00"),
		AVCConfig{ProfileIndication: 66, ProfileCompatibility: 0xC0, LevelIndication: 30, NALLengthSize: 1},
	},
	{
		"empty parameter sets kept",
		hx("014d401efee1 0000 01 0000"),
		AVCConfig{ProfileIndication: 77, ProfileCompatibility: 0x40, LevelIndication: 30, NALLengthSize: 3,
			SPS: [][]byte{{}}, PPS: [][]byte{{}}},
	},
	{
		"high 10 trailer with two sps ext",
		hx("016e0032ffe1 0002 676e 01 0002 68aa fcf9f902 0002 6d01 0003 6d0203"),
		AVCConfig{ProfileIndication: 110, LevelIndication: 50, NALLengthSize: 4,
			SPS: [][]byte{{0x67, 0x6e}}, PPS: [][]byte{{0x68, 0xaa}},
			Ext: &AVCConfigExt{ChromaFormat: 0, BitDepthLumaMinus8: 1, BitDepthChromaMinus8: 1,
				SPSExt: [][]byte{{0x6d, 1}, {0x6d, 2, 3}}}},
	},
}

// casesAVCConfigLenient are records Unmarshal accepts that do not re-encode
// byte for byte: enc is what Marshal makes of dec.
var casesAVCConfigLenient = []struct {
	name    string
	in, enc []byte
	dec     AVCConfig
}{
	{
		"reserved bits zero",
		hx("014d401e03 01 0002 6701 01 0002 6801"),
		hx("014d401eff e1 0002 6701 01 0002 6801"),
		AVCConfig{ProfileIndication: 77, ProfileCompatibility: 0x40, LevelIndication: 30, NALLengthSize: 4,
			SPS: [][]byte{{0x67, 1}}, PPS: [][]byte{{0x68, 1}}},
	},
	{
		"bytes after a main profile record",
		hx("014d401effe1 0002 6701 01 0002 6801 fdf8f800"),
		hx("014d401effe1 0002 6701 01 0002 6801"),
		AVCConfig{ProfileIndication: 77, ProfileCompatibility: 0x40, LevelIndication: 30, NALLengthSize: 4,
			SPS: [][]byte{{0x67, 1}}, PPS: [][]byte{{0x68, 1}}},
	},
	{
		"high trailer cut short",
		hx("01640028ffe1 0002 6701 01 0002 6801 fdf8"),
		hx("01640028ffe1 0002 6701 01 0002 6801"),
		AVCConfig{ProfileIndication: 100, LevelIndication: 40, NALLengthSize: 4,
			SPS: [][]byte{{0x67, 1}}, PPS: [][]byte{{0x68, 1}}},
	},
	{
		"high trailer whose sps ext runs past the end",
		hx("01640028ffe1 0002 6701 01 0002 6801 fdf8f801 0009 6d"),
		hx("01640028ffe1 0002 6701 01 0002 6801"),
		AVCConfig{ProfileIndication: 100, LevelIndication: 40, NALLengthSize: 4,
			SPS: [][]byte{{0x67, 1}}, PPS: [][]byte{{0x68, 1}}},
	},
	{
		"trailer with reserved bits zero and bytes after it",
		hx("01640028ffe1 0002 6701 01 0002 6801 01000000 beef"),
		hx("01640028ffe1 0002 6701 01 0002 6801 fdf8f800"),
		AVCConfig{ProfileIndication: 100, LevelIndication: 40, NALLengthSize: 4,
			SPS: [][]byte{{0x67, 1}}, PPS: [][]byte{{0x68, 1}}, Ext: &AVCConfigExt{ChromaFormat: 1}},
	},
}

// casesAVCConfigErr are records Unmarshal rejects.
var casesAVCConfigErr = []struct {
	name string
	in   []byte
	err  error
}{
	{"empty", nil, ErrShortBuffer},
	{"three bytes", hx("010203"), ErrShortBuffer},
	{"version 0", hx("004d0000ffe1 0001 67 0100"), ErrVersion},
	{"sps past the end", hx("014d0000ffe1 0009 67"), ErrShortBuffer},
	{"no pps count", hx("014d0000ffe0"), ErrShortBuffer},
	{"no pps count after the sps", hx("014d0000ffe1 0001 67"), ErrShortBuffer},
	{"second sps without its length", hx("014d0000ffe2 0001 67 00"), ErrShortBuffer},
	{"pps past the end", hx("014d0000ffe1 0001 67 01 0003 6801"), ErrShortBuffer},
	{"31 sps counted, one there", hx("014d0000ffff 0001 67 00"), ErrShortBuffer},
}

func TestAVCConfigUnmarshal(t *testing.T) {
	for _, tc := range casesAVCConfig {
		t.Run(tc.name, func(t *testing.T) {
			var c AVCConfig
			if err := c.Unmarshal(tc.enc); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, tc.dec) {
				t.Fatalf("got %+v, want %+v", c, tc.dec)
			}
		})
	}
	for _, tc := range casesAVCConfigLenient {
		t.Run(tc.name, func(t *testing.T) {
			var c AVCConfig
			if err := c.Unmarshal(tc.in); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c, tc.dec) {
				t.Fatalf("got %+v, want %+v", c, tc.dec)
			}
		})
	}
	for _, tc := range casesAVCConfigErr {
		t.Run(tc.name, func(t *testing.T) {
			c := casesAVCConfig[0].dec
			err := c.Unmarshal(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if !reflect.DeepEqual(c, casesAVCConfig[0].dec) {
				t.Fatal("a failed Unmarshal changed the record")
			}
		})
	}
}

func TestAVCConfigMarshal(t *testing.T) {
	for _, tc := range casesAVCConfig {
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
	for _, tc := range casesAVCConfigLenient {
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

func TestAVCConfigMarshalErrors(t *testing.T) {
	ok := func() AVCConfig {
		return AVCConfig{ProfileIndication: 100, NALLengthSize: 4, SPS: [][]byte{{0x67}}, PPS: [][]byte{{0x68}}}
	}
	cases := []struct {
		name   string
		modify func(c *AVCConfig)
	}{
		{"nal length size 0", func(c *AVCConfig) { c.NALLengthSize = 0 }},
		{"nal length size 5", func(c *AVCConfig) { c.NALLengthSize = 5 }},
		{"32 sps", func(c *AVCConfig) { c.SPS = make([][]byte, 32) }},
		{"256 pps", func(c *AVCConfig) { c.PPS = make([][]byte, 256) }},
		{"sps of 64 KiB", func(c *AVCConfig) { c.SPS[0] = make([]byte, 1<<16) }},
		{"trailer with main profile", func(c *AVCConfig) { c.ProfileIndication = 77; c.Ext = &AVCConfigExt{} }},
		{"chroma format 4", func(c *AVCConfig) { c.Ext = &AVCConfigExt{ChromaFormat: 4} }},
		{"bit depth 8+8", func(c *AVCConfig) { c.Ext = &AVCConfigExt{BitDepthLumaMinus8: 8} }},
		{"256 sps ext", func(c *AVCConfig) { c.Ext = &AVCConfigExt{SPSExt: make([][]byte, 256)} }},
	}
	for _, tc := range cases {
		c := ok()
		tc.modify(&c)
		if b, err := c.Marshal(); !errors.Is(err, ErrOutOfRange) || b != nil {
			t.Errorf("%s: Marshal %x, %v", tc.name, b, err)
		}
		if b, err := c.Append([]byte("x")); !errors.Is(err, ErrOutOfRange) || string(b) != "x" {
			t.Errorf("%s: Append %x, %v", tc.name, b, err)
		}
	}
	c := ok()
	if _, err := c.Marshal(); err != nil {
		t.Fatal(err)
	}
}

func TestAVCConfigAppendAnnexB(t *testing.T) {
	c := casesAVCConfig[6].dec // two SPS, three PPS
	want := hx("00000001 6701 00000001 670203 00000001 6801 00000001 68 00000001 6803")
	if got := c.AppendAnnexB(nil); !bytes.Equal(got, want) {
		t.Fatalf("got %x, want %x", got, want)
	}
	if got := c.AppendAnnexB([]byte{9}); !bytes.Equal(got, append([]byte{9}, want...)) {
		t.Fatalf("append: got %x", got)
	}
	empty := casesAVCConfig[8].dec // empty SPS and PPS
	if got := empty.AppendAnnexB(nil); got != nil {
		t.Fatalf("empty parameter sets: got %x, want nil", got)
	}
	ext := casesAVCConfig[9].dec // SPS ext are not parameter sets a decoder needs up front
	if got, want := ext.AppendAnnexB(nil), hx("00000001 676e 00000001 68aa"); !bytes.Equal(got, want) {
		t.Fatalf("with sps ext: got %x, want %x", got, want)
	}
}

// TestAVCConfigFixture checks that the first case is what the committed
// fixture carries: the record of a real libx264 stream, read with package flv.
func TestAVCConfigFixture(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "tests", "testdata", "h264_aac.flv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, tags, _, err := flv.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags {
		if tag.IsVideo() {
			if !tag.IsSequenceHeader() || tag.VideoCodec() != flv.CodecH264 {
				t.Fatal("first video tag is not an AVC sequence header")
			}
			if got := tag.VideoPayload(); !bytes.Equal(got, casesAVCConfig[0].enc) {
				t.Fatalf("fixture record %x, case table has %x", got, casesAVCConfig[0].enc)
			}
			return
		}
	}
	t.Fatal("no video tag")
}

// FuzzAVCConfig: Unmarshal never panics, is deterministic and leaves c alone
// on error; a record it accepts re-encodes, without growing, to bytes that
// decode to the same value and re-encode to themselves; AppendAnnexB writes
// a start code and the unit for each non-empty SPS and PPS.
func FuzzAVCConfig(f *testing.F) {
	for _, tc := range casesAVCConfig {
		f.Add(tc.enc)
	}
	for _, tc := range casesAVCConfigLenient {
		f.Add(tc.in)
	}
	for _, tc := range casesAVCConfigErr {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c, c2 AVCConfig
		err := c.Unmarshal(b)
		if err2 := c2.Unmarshal(b); (err == nil) != (err2 == nil) || !reflect.DeepEqual(c, c2) {
			t.Fatalf("not deterministic: %v, %v", err, err2)
		}
		if err != nil {
			if !reflect.DeepEqual(c, AVCConfig{}) {
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
		var back AVCConfig
		if err := back.Unmarshal(m); err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("re-encoded record decodes to %+v, %v; want %+v", back, err, c)
		}
		if m2, _ := back.Marshal(); !bytes.Equal(m2, m) {
			t.Fatalf("encoding is not stable: %x then %x", m, m2)
		}
		want := 0
		for _, u := range append(append([][]byte(nil), c.SPS...), c.PPS...) {
			if len(u) > 0 {
				want += 4 + len(u)
			}
		}
		if ab := c.AppendAnnexB(nil); len(ab) != want || (want > 0 && !bytes.HasPrefix(ab, startCode)) {
			t.Fatalf("annex-b of %d bytes, want %d", len(ab), want)
		}
	})
}
