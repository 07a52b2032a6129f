package adts

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// casesASC feeds TestParseASC, TestAppendASC, TestAppendHeader and FuzzASC.
var casesASC = []struct {
	name    string
	asc     []byte
	cfg     Config
	payload int
	adts    []byte // header for payload bytes; nil: AppendHeader must fail
}{
	{"lc 44.1k stereo", unhex("1210"), Config{2, 4, 2, 44100}, 100, unhex("fff150800d7ffc")},
	{"main 48k mono", unhex("0988"), Config{1, 3, 1, 48000}, 0, unhex("fff10c4000fffc")},
	{"ssr 8k 5.1", unhex("1db0"), Config{3, 11, 6, 8000}, 8184, unhex("fff1ad83fffffc")},
	{"he-aac v1 as lc", unhex("2b920800"), Config{5, 7, 2, 22050}, 1, unhex("fff15c80011ffc")},
	{"he-aac v2 as lc", unhex("eb8a0800"), Config{29, 7, 1, 22050}, 1, unhex("fff15c40011ffc")},
	{"explicit 44100", unhex("1780562208"), Config{2, 15, 1, 44100}, 1, unhex("fff15040011ffc")},
	{"explicit 7000 has no index", unhex("17800dac08"), Config{2, 15, 1, 7000}, 1, nil},
	{"escape 31: usac", unhex("f94640"), Config{42, 3, 2, 48000}, 1, nil},
	{"channel config 8", unhex("1240"), Config{2, 4, 8, 44100}, 1, nil},
}

func TestParseASC(t *testing.T) {
	for _, tc := range casesASC {
		got, err := ParseASC(tc.asc)
		if err != nil || got != tc.cfg {
			t.Errorf("%s: got %+v, %v; want %+v", tc.name, got, err, tc.cfg)
		}
	}
}

func TestAppendASC(t *testing.T) {
	for _, tc := range casesASC {
		got, err := AppendASC(nil, tc.cfg)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// Only the fields Config holds round-trip; our fixtures carry
		// extra trailing bits (SBR extension) that AppendASC does not write.
		back, err := ParseASC(got)
		if err != nil || back != tc.cfg {
			t.Errorf("%s: %x parses to %+v, %v", tc.name, got, back, err)
		}
		if len(tc.asc) == len(got) && !bytes.Equal(got, tc.asc) {
			t.Errorf("%s: got %x, want %x", tc.name, got, tc.asc)
		}
	}
}

func TestAppendHeader(t *testing.T) {
	for _, tc := range casesASC {
		got, err := AppendHeader([]byte{0xAA}, tc.cfg, tc.payload)
		if tc.adts == nil {
			if err == nil {
				t.Errorf("%s: accepted, got %x", tc.name, got)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, append([]byte{0xAA}, tc.adts...)) {
			t.Errorf("%s: got %x, %v; want aa%x", tc.name, got, err, tc.adts)
			continue
		}
		h, err := ParseHeader(got[1:])
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if h.FrameLength != HeaderLen+tc.payload || !h.ProtectionAbsent || h.MPEG2 || h.BufferFullness != 0x7FF ||
			h.ChannelConfig != tc.cfg.ChannelConfig {
			t.Errorf("%s: parsed %+v", tc.name, h)
		}
	}
}

func TestASCErrors(t *testing.T) {
	cases := []struct {
		name string
		asc  []byte
		err  error
	}{
		{"empty", nil, ErrShortBuffer},
		{"one byte", unhex("12"), ErrShortBuffer},
		{"object type 0", unhex("0010"), ErrInvalidObjectType},
		{"reserved index 13", unhex("1690"), ErrInvalidSampleRate},
		{"escape truncated", unhex("f9"), ErrShortBuffer},
		{"explicit truncated", unhex("1780"), ErrShortBuffer},
		{"explicit zero", unhex("178000000080"), ErrInvalidSampleRate},
	}
	for _, tc := range cases {
		if _, err := ParseASC(tc.asc); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
}

func TestAppendHeaderErrors(t *testing.T) {
	lc := Config{2, 4, 2, 44100}
	if _, err := AppendHeader(nil, lc, 8185); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("8185-byte payload: %v", err)
	}
	if _, err := AppendHeader(nil, lc, -1); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("negative payload: %v", err)
	}
	if _, err := AppendHeader(nil, Config{2, 13, 2, 0}, 1); !errors.Is(err, ErrInvalidSampleRate) {
		t.Errorf("index 13: %v", err)
	}
	if _, err := AppendHeader(nil, Config{0, 4, 2, 44100}, 1); !errors.Is(err, ErrInvalidObjectType) {
		t.Errorf("object type 0: %v", err)
	}
}

// casesHeader feeds TestParseHeader and FuzzHeader.
var casesHeader = []struct {
	name string
	b    []byte
	h    Header
	err  error
}{
	{"ffmpeg lc stereo", unhex("fff150801a5ffc"), Header{ProtectionAbsent: true, Profile: 1, SampleRateIndex: 4,
		ChannelConfig: 2, FrameLength: 210, BufferFullness: 0x7FF}, nil},
	{"srs fullness 0x03f", unhex("fff150801a40fc"), Header{ProtectionAbsent: true, Profile: 1, SampleRateIndex: 4,
		ChannelConfig: 2, FrameLength: 210, BufferFullness: 0x3F}, nil},
	{"mpeg-2 with crc", unhex("fff8508020ffff"), Header{MPEG2: true, Profile: 1, SampleRateIndex: 4, ChannelConfig: 2,
		FrameLength: 263, BufferFullness: 0x7FF, RawDataBlocks: 3}, nil},
	{"short", unhex("fff15080"), Header{}, ErrShortBuffer},
	{"no sync", unhex("fef150801a5ffc"), Header{}, ErrInvalidHeader},
	{"layer 1", unhex("fff350801a5ffc"), Header{}, ErrInvalidHeader},
	{"index 15", unhex("fff17c801a5ffc"), Header{}, ErrInvalidSampleRate},
	{"length below header", unhex("fff15080007ffc"), Header{}, ErrInvalidHeader},
	{"crc header needs 9", unhex("fff05080011ffc"), Header{}, ErrInvalidHeader},
}

func TestParseHeader(t *testing.T) {
	for _, tc := range casesHeader {
		h, err := ParseHeader(tc.b)
		if !errors.Is(err, tc.err) || (err == nil && h != tc.h) {
			t.Errorf("%s: got %+v, %v; want %+v, %v", tc.name, h, err, tc.h, tc.err)
		}
	}
}

func FuzzASC(f *testing.F) {
	for _, tc := range casesASC {
		f.Add(tc.asc, uint16(tc.payload))
	}
	f.Fuzz(func(t *testing.T, b []byte, payload uint16) {
		c, err := ParseASC(b)
		if err != nil {
			return
		}
		enc, err := AppendASC(nil, c)
		if err != nil {
			t.Fatalf("parsed %+v does not re-encode: %v", c, err)
		}
		if back, err := ParseASC(enc); err != nil || back != c {
			t.Fatalf("round trip %+v -> %x -> %+v, %v", c, enc, back, err)
		}
		hdr, err := AppendHeader(nil, c, int(payload))
		if err != nil {
			return
		}
		h, err := ParseHeader(hdr)
		if err != nil || len(hdr) != HeaderLen || h.FrameLength != HeaderLen+int(payload) ||
			h.ChannelConfig != c.ChannelConfig || h.Config().SampleRate != c.SampleRate {
			t.Fatalf("header %x for %+v parses to %+v, %v", hdr, c, h, err)
		}
	})
}

func FuzzHeader(f *testing.F) {
	for _, tc := range casesHeader {
		f.Add(tc.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		enc, err := AppendHeader(nil, h.Config(), h.FrameLength-h.Len())
		if err != nil {
			if h.Len() == HeaderLen {
				t.Fatalf("%+v does not re-encode: %v", h, err)
			}
			return
		}
		back, err := ParseHeader(enc)
		if err != nil || back.Profile != h.Profile || back.SampleRateIndex != h.SampleRateIndex ||
			back.ChannelConfig != h.ChannelConfig || back.FrameLength != h.FrameLength-h.Len()+HeaderLen {
			t.Fatalf("%+v re-encodes to %x = %+v, %v", h, enc, back, err)
		}
	})
}
