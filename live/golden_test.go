package live

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden: the FLV, TS, ADTS and MP3 bytes served for the first seconds of
// a committed fixture match committed golden files byte for byte (gofmt's
// input/golden pattern). Run with -update after an intended change.
func TestGolden(t *testing.T) {
	cases := []struct {
		fixture string
		tags    int
		ext     string
	}{
		{"h264_aac.flv", 120, ".flv"},
		{"h264_aac.flv", 120, ".ts"},
		{"h264_aac.flv", 120, ".aac"},
		{"h264_mp3.flv", 120, ".mp3"},
		{"aac_only.flv", 120, ".ts"},
	}
	for _, c := range cases {
		name := fmt.Sprintf("%s.%d%s.golden", c.fixture, c.tags, c.ext)
		t.Run(name, func(t *testing.T) {
			got := serveFirst(t, c.fixture, c.tags, c.ext)
			file := filepath.Join("testdata", name)
			if *update {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./live -run Golden -update)", err)
			}
			if !bytes.Equal(got, want) {
				n := 0
				for n < len(got) && n < len(want) && got[n] == want[n] {
					n++
				}
				t.Fatalf("%d bytes, golden %d; first difference at byte %d", len(got), len(want), n)
			}
		})
	}
}

// serveFirst publishes the first n tags of a fixture to a waiting consumer
// and returns the bytes its encoder produces.
func serveFirst(t *testing.T, fixture string, n int, ext string) []byte {
	t.Helper()
	f := testFormats[ext]
	srv := NewServer(testConfig())
	vh := srv.Config().Vhost(DefaultVhost)
	st := srv.stream(StreamKey{DefaultVhost, "live", "g"}, vh, true)
	c := subscribeFormat(st, f)
	defer c.Close()
	st.startPublish(1)
	tags := readFixture(t, fixture)
	if n > len(tags) {
		n = len(tags)
	}
	for _, tag := range tags[:n] {
		st.WriteTag(tag)
	}
	enc := newEncoder(f, vh)
	var out bytes.Buffer
	var batch []*Packet
	var bufs [][]byte
	for {
		var err error
		batch, err = c.pull(batch[:0])
		if err != nil {
			t.Fatal(err)
		}
		if len(batch) == 0 {
			break
		}
		if bufs, err = enc.encode(bufs[:0], batch); err != nil {
			t.Fatal(err)
		}
		for _, b := range bufs {
			out.Write(b)
		}
	}
	return out.Bytes()
}
