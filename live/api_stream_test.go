package live

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/picosrs/picosrs/flv"
)

// TestParseSPS checks the SPS parser on hand-built and real sequence headers.
func TestParseSPS(t *testing.T) {
	cases := []struct {
		name          string
		sps           []byte
		profile, lvl  int
		width, height int
	}{
		// x264 640x360 Main@3.0 (cropping 8 rows) and 1280x720 High@3.1.
		{"main-640x360", []byte{0x67, 0x4d, 0x40, 0x1e, 0xec, 0xa0, 0x50, 0x17, 0xfc, 0xb8, 0x08, 0x80, 0x00, 0x00, 0x03, 0x00, 0x80, 0x00, 0x00, 0x19, 0x07, 0x8b, 0x16, 0xcb}, 77, 30, 640, 360},
		{"high-1280x720", []byte{0x67, 0x64, 0x00, 0x1f, 0xac, 0xd9, 0x40, 0x50, 0x05, 0xbb, 0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, 0x20, 0xf1, 0x83, 0x19, 0x60}, 100, 31, 1280, 720},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := parseSPS(c.sps)
			if err != nil {
				t.Fatal(err)
			}
			if s.profile != c.profile || s.level != c.lvl || s.width != c.width || s.height != c.height {
				t.Fatalf("got %+v, want profile %d level %d %dx%d", s, c.profile, c.lvl, c.width, c.height)
			}
		})
	}
}

// FuzzSPS: the API's SPS parser never panics, and what it accepts obeys the
// syntax's bounds: profile and level are bytes; the picture is at least one
// pixel and at most 1024 macroblocks (16384 pixels) wide and 1024 map units
// (32768 pixel rows, field-coded) high, so the cropping never takes away
// the whole picture or adds to it. Parsing is deterministic, leaves its
// input alone, and ignores bytes after the fields it reads (appended
// bytes change nothing); an AVCDecoderConfigurationRecord carrying the SPS
// gives the same picture, with the record's profile and level.
func FuzzSPS(f *testing.F) {
	f.Add([]byte{0x67, 0x4d, 0x40, 0x1e, 0xec, 0xa0, 0x50, 0x17, 0xfc, 0xb8, 0x08, 0x80})
	f.Add([]byte{1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f})
	f.Add(spsFields{profile: 100, level: 40, chroma: 2, mbW: 120, mbH: 34, crop: true, cl: 1, cr: 1, ct: 2, cb: 2}.encode())
	f.Fuzz(func(t *testing.T, b []byte) {
		in := append([]byte(nil), b...)
		s, err := parseSPS(b)
		if !bytes.Equal(b, in) {
			t.Fatal("parseSPS wrote to its input")
		}
		s2, err2 := parseSPS(b)
		if s != s2 || (err == nil) != (err2 == nil) {
			t.Fatalf("parsed twice: %+v %v, then %+v %v", s, err, s2, err2)
		}
		parseAVCRecord(b)
		if err != nil {
			return
		}
		checkSPSBounds(t, s)
		if s3, err := parseSPS(append(in, 0xff, 0, 0, 3, 1)); err != nil || s3 != s {
			t.Fatalf("appended bytes changed the result: %+v %v, was %+v", s3, err, s)
		}
		if len(b) <= 0xffff {
			rec := append([]byte{1, 0x42, 0xc0, 0x15, 0xff, 0xe1, byte(len(b) >> 8), byte(len(b))}, b...)
			r, err := parseAVCRecord(rec)
			if err != nil || r.width != s.width || r.height != s.height || r.profile != 0x42 || r.level != 0x15 {
				t.Fatalf("in a record: %+v %v; alone: %+v", r, err, s)
			}
		}
	})
}

// checkSPSBounds fails when s is outside what the SPS syntax (and the
// parser's 1024-macroblock limit) allows.
func checkSPSBounds(t testing.TB, s spsInfo) {
	t.Helper()
	if s.profile < 0 || s.profile > 255 || s.level < 0 || s.level > 255 {
		t.Fatalf("profile %d level %d: not bytes", s.profile, s.level)
	}
	if s.width < 1 || s.width > 1024*16 || s.height < 1 || s.height > 2*1024*16 {
		t.Fatalf("picture %dx%d: outside 1..16384 x 1..32768", s.width, s.height)
	}
}

// TestStreamInfoFixture feeds a fixture into a stream and checks what the API
// would report: the codecs and picture size ffprobe finds in the same file.
func TestStreamInfoFixture(t *testing.T) {
	f, err := os.Open("../tests/testdata/h264_aac.flv")
	if err != nil {
		t.Fatal(err) // a committed fixture
	}
	defer f.Close()
	srv := NewServer(&Config{Vhosts: []*VhostConfig{NewVhostConfig(DefaultVhost)}})
	vh := srv.Config().resolveVhost(DefaultVhost)
	st := srv.stream(streamKey{DefaultVhost, "live", "x"}, vh, true)
	r := flv.NewReader(f)
	if _, err := r.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	for range 200 {
		tag, err := r.ReadTag()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		st.WriteTag(tag)
	}
	i := st.Info()
	if i.Video == nil || i.Audio == nil {
		t.Fatalf("info %+v: no video or audio", i)
	}
	want := VideoInfo{Codec: "H264", Profile: "Main", Level: "3", Width: 640, Height: 360}
	if *i.Video != want {
		t.Errorf("video %+v, want %+v", *i.Video, want)
	}
	wantA := AudioInfo{Codec: "AAC", SampleRate: 44100, Channels: 2, Profile: "LC"}
	if *i.Audio != wantA {
		t.Errorf("audio %+v, want %+v", *i.Audio, wantA)
	}
	if i.VideoFrames == 0 || i.AudioFrames == 0 || i.BytesIn == 0 {
		t.Errorf("counters %+v", i)
	}
}
