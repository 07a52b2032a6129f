package mp3

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

// casesHeader feeds TestParseFrameHeader and FuzzFrameHeader. Frame lengths
// were worked by hand from ISO 11172-3 2.4.3.1 (Layer I: (12*br/fs + pad)*4;
// II/III: 144*br/fs + pad; MPEG-2/2.5 Layer III: 72*br/fs + pad).
var casesHeader = []struct {
	name string
	b    []byte
	h    FrameHeader
	err  error
}{
	{"lame 128k 44.1 joint", unhex("fffb9064"), FrameHeader{Version: MPEG1, Layer: 3, Bitrate: 128, SampleRate: 44100,
		ChannelMode: JointStereo, ModeExtension: 2, Original: true, FrameLength: 417, Samples: 1152}, nil},
	{"padded", unhex("fffb9264"), FrameHeader{Version: MPEG1, Layer: 3, Bitrate: 128, SampleRate: 44100, Padding: true,
		ChannelMode: JointStereo, ModeExtension: 2, Original: true, FrameLength: 418, Samples: 1152}, nil},
	{"with crc", unhex("fffa9064"), FrameHeader{Version: MPEG1, Layer: 3, Protected: true, Bitrate: 128, SampleRate: 44100,
		ChannelMode: JointStereo, ModeExtension: 2, Original: true, FrameLength: 417, Samples: 1152}, nil},
	{"mpeg-2 l3 64k 22.05 mono", unhex("fff380c0"), FrameHeader{Version: MPEG2, Layer: 3, Bitrate: 64, SampleRate: 22050,
		ChannelMode: Mono, FrameLength: 208, Samples: 576}, nil},
	{"mpeg-2.5 l3 8k 8000", unhex("ffe318c0"), FrameHeader{Version: MPEG25, Layer: 3, Bitrate: 8, SampleRate: 8000,
		ChannelMode: Mono, FrameLength: 72, Samples: 576}, nil},
	{"mpeg-1 l2 192k 48", unhex("fffda400"), FrameHeader{Version: MPEG1, Layer: 2, Bitrate: 192, SampleRate: 48000,
		FrameLength: 576, Samples: 1152}, nil},
	{"mpeg-1 l1 384k 32 padded", unhex("ffffca00"), FrameHeader{Version: MPEG1, Layer: 1, Bitrate: 384, SampleRate: 32000,
		Padding: true, FrameLength: 580, Samples: 384}, nil},
	{"mpeg-2 l1 256k 16", unhex("fff7e800"), FrameHeader{Version: MPEG2, Layer: 1, Bitrate: 256, SampleRate: 16000,
		FrameLength: 768, Samples: 384}, nil},
	{"short", unhex("fffb90"), FrameHeader{}, ErrShortBuffer},
	{"no sync", unhex("ff7b9064"), FrameHeader{}, ErrNoSync},
	{"id3", []byte("ID3\x03"), FrameHeader{}, ErrNoSync},
	{"reserved version", unhex("ffeb9064"), FrameHeader{}, ErrInvalidHeader},
	{"reserved layer", unhex("fff99064"), FrameHeader{}, ErrInvalidHeader},
	{"bitrate index 15", unhex("fffbf064"), FrameHeader{}, ErrInvalidHeader},
	{"sample rate index 3", unhex("fffb9c64"), FrameHeader{}, ErrInvalidHeader},
	{"free format", unhex("fffb0064"), FrameHeader{}, ErrFreeFormat},
}

func TestParseFrameHeader(t *testing.T) {
	for _, tc := range casesHeader {
		h, err := ParseFrameHeader(tc.b)
		if !errors.Is(err, tc.err) || h != tc.h {
			t.Errorf("%s: got %+v, %v; want %+v, %v", tc.name, h, err, tc.h, tc.err)
		}
	}
}

func TestID3v2Preamble(t *testing.T) {
	want := unhex("494433030000000000" + "0a" + "00000000000000000000")
	got := ID3v2Preamble()
	if !bytes.Equal(got, want) || len(got) != ID3v2PreambleLen {
		t.Fatalf("got %x, want %x", got, want)
	}
	got[0] = 'X' // the caller owns its copy
	if !bytes.Equal(ID3v2Preamble(), want) {
		t.Fatal("preamble mutated through a returned slice")
	}
	if a := AppendID3v2Preamble([]byte{1}); !bytes.Equal(a, append([]byte{1}, want...)) {
		t.Fatalf("append: %x", a)
	}
}

func FuzzFrameHeader(f *testing.F) {
	for _, tc := range casesHeader {
		f.Add(tc.b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseFrameHeader(b)
		if err != nil {
			if h != (FrameHeader{}) {
				t.Fatalf("error %v with non-zero header", err)
			}
			return
		}
		if h.Bitrate <= 0 || h.SampleRate < 8000 || h.SampleRate > 48000 || h.Layer < 1 || h.Layer > 3 {
			t.Fatalf("implausible header %+v", h)
		}
		if h.FrameLength < 24 || h.FrameLength > 2881 {
			t.Fatalf("frame length %d out of range for %+v", h.FrameLength, h)
		}
		if h.Samples != 384 && h.Samples != 576 && h.Samples != 1152 {
			t.Fatalf("samples %d", h.Samples)
		}
		// Only the first 4 bytes matter.
		if h2, err := ParseFrameHeader(b[:4]); err != nil || h2 != h {
			t.Fatalf("first 4 bytes parse to %+v, %v", h2, err)
		}
	})
}
