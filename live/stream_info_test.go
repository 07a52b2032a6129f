package live

import (
	"io"
	"os"
	"testing"

	"github.com/picosrs/picosrs/flv"
)

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
