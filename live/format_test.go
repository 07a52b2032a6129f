package live

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/testtool"
)

// captureWhole plays url while the whole fixture is published, and returns
// the complete response body once the stream ends.
func captureWhole(t *testing.T, fixture, ext string) ([]byte, *http.Response) {
	t.Helper()
	cfg := testConfig()
	cfg.Vhosts[0].Remux.Grace = 0
	srv, addr := startHTTP(t, cfg)

	type result struct {
		body []byte
		resp *http.Response
		err  error
	}
	res := make(chan result, 1)
	go func() {
		r, err := http.Get("http://" + addr + "/live/f" + ext)
		if err != nil {
			res <- result{err: err}
			return
		}
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		res <- result{b, r, err}
	}()
	st := waitStream(t, srv, StreamKey{DefaultVhost, "live", "f"}, 1)
	st.startPublish(1)
	for _, tag := range readFixture(t, fixture) {
		st.WriteTag(tag)
		time.Sleep(50 * time.Microsecond)
	}
	st.stopPublish(1)
	r := <-res
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.body, r.resp
}

type probe struct {
	Streams []struct {
		CodecType string `json:"codec_type"`
		CodecName string `json:"codec_name"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
	} `json:"format"`
}

func ffprobe(t *testing.T, file string) probe {
	t.Helper()
	out, err := exec.Command(testtool.Need(t, "ffprobe"), "-v", "error", "-show_streams", "-show_format", "-of", "json", file).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", file, err)
	}
	var p probe
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func decodeClean(t *testing.T, file string) {
	t.Helper()
	out, err := exec.Command(testtool.Need(t, "ffmpeg"), "-v", "error", "-xerror", "-i", file, "-f", "null", "-").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("ffmpeg decode of %s: %v\n%s", filepath.Base(file), err, out)
	}
}

func TestFormatsDecode(t *testing.T) {
	cases := []struct {
		fixture, ext, format string
		codecs               []string
	}{
		{"h264_aac.flv", ".flv", "flv", []string{"h264", "aac"}},
		{"h264_aac.flv", ".ts", "mpegts", []string{"h264", "aac"}},
		{"h264_aac.flv", ".aac", "aac", []string{"aac"}},
		{"h264_mp3.flv", ".flv", "flv", []string{"h264", "mp3"}},
		{"h264_mp3.flv", ".ts", "mpegts", []string{"h264", "mp3"}},
		{"h264_mp3.flv", ".mp3", "mp3", []string{"mp3"}},
		{"aac_only.flv", ".flv", "flv", []string{"aac"}},
		{"aac_only.flv", ".ts", "mpegts", []string{"aac"}},
		{"aac_only.flv", ".aac", "aac", []string{"aac"}},
		{"mp3_only.flv", ".mp3", "mp3", []string{"mp3"}},
		{"mp3_only.flv", ".ts", "mpegts", []string{"mp3"}},
	}
	for _, c := range cases {
		t.Run(c.fixture+c.ext, func(t *testing.T) {
			body, resp := captureWhole(t, c.fixture, c.ext)
			if len(body) < 10000 {
				t.Fatalf("only %d bytes", len(body))
			}
			if ct := resp.Header.Get("Content-Type"); ct != (map[string]string{".flv": "video/x-flv", ".ts": "video/MP2T", ".aac": "audio/x-aac", ".mp3": "audio/mpeg"})[c.ext] {
				t.Errorf("content type %q", ct)
			}
			file := filepath.Join(t.TempDir(), "out"+c.ext)
			os.WriteFile(file, body, 0o644)
			p := ffprobe(t, file)
			if p.Format.FormatName != c.format {
				t.Errorf("format %q, want %q", p.Format.FormatName, c.format)
			}
			var got []string
			for _, s := range p.Streams {
				got = append(got, s.CodecName)
			}
			if len(got) != len(c.codecs) {
				t.Fatalf("codecs %v, want %v", got, c.codecs)
			}
			for _, want := range c.codecs {
				found := false
				for _, g := range got {
					found = found || g == want
				}
				if !found {
					t.Errorf("codecs %v, want %v", got, c.codecs)
				}
			}
			decodeClean(t, file)
		})
	}
}
