package live

import (
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

// FuzzSPS: the API's SPS parser never panics.
func FuzzSPS(f *testing.F) {
	f.Add([]byte{0x67, 0x4d, 0x40, 0x1e, 0xec, 0xa0, 0x50, 0x17, 0xfc, 0xb8, 0x08, 0x80})
	f.Add([]byte{1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 4, 0x67, 0x64, 0, 0x1f})
	f.Fuzz(func(t *testing.T, b []byte) {
		parseSPS(b)
		parseAVCRecord(b)
	})
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
	vh := srv.Config().ResolveVhost(DefaultVhost)
	st := srv.stream(StreamKey{DefaultVhost, "live", "x"}, vh, true)
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
