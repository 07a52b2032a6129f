package mpegts

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/picosrs/picosrs/internal/testtool"
)

// flvTag is one tag of a test fixture.
type flvTag struct {
	typ  byte
	ts   uint32 // ms
	data []byte
}

// readFLV is a minimal FLV file reader for the fixtures (test-only; the real
// one lives in package flv, which mpegts must not import).
func readFLV(b []byte) ([]flvTag, error) {
	if len(b) < 13 || string(b[:3]) != "FLV" {
		return nil, errors.New("not an FLV file")
	}
	pos := int(binary.BigEndian.Uint32(b[5:9])) + 4
	var tags []flvTag
	for pos+11 <= len(b) {
		h := b[pos : pos+11]
		size := int(h[1])<<16 | int(h[2])<<8 | int(h[3])
		ts := uint32(h[4])<<16 | uint32(h[5])<<8 | uint32(h[6]) | uint32(h[7])<<24
		if pos+11+size+4 > len(b) {
			return nil, fmt.Errorf("tag at %d truncated", pos)
		}
		tags = append(tags, flvTag{h[0] & 0x1F, ts, b[pos+11 : pos+11+size]})
		pos += 11 + size + 4
	}
	return tags, nil
}

type muxCounts struct{ video, audio, keyframes int }

// muxFLV feeds FLV tags through a Writer, the way live/remux_ts.go would.
func muxFLV(t testing.TB, tags []flvTag, w *Writer, dst []byte) ([]byte, muxCounts) {
	t.Helper()
	var n muxCounts
	var err error
	for _, tag := range tags {
		d := tag.data
		switch tag.typ {
		case 9:
			if len(d) < 5 || d[0]&0x0F != 7 {
				continue
			}
			if d[1] == 0 {
				if err := w.SetH264Config(d[5:]); err != nil {
					t.Fatalf("SetH264Config: %v", err)
				}
				continue
			}
			if d[1] != 1 {
				continue
			}
			cts := int32(uint32(d[2])<<16|uint32(d[3])<<8|uint32(d[4])) << 8 >> 8
			dts := int64(tag.ts) * 90
			key := d[0]>>4 == 1
			dst, err = w.AppendVideo(dst, dts, dts+int64(cts)*90, key, d[5:])
			if err != nil {
				t.Fatalf("AppendVideo at %d ms: %v", tag.ts, err)
			}
			n.video++
			if key {
				n.keyframes++
			}
		case 8:
			if len(d) < 2 {
				continue
			}
			switch d[0] >> 4 {
			case 10:
				if d[1] == 0 {
					if err := w.SetAACConfig(d[2:]); err != nil {
						t.Fatalf("SetAACConfig: %v", err)
					}
					continue
				}
				dst, err = w.AppendAudio(dst, int64(tag.ts)*90, d[2:])
			case 2:
				w.SetAudio(AudioMP3)
				dst, err = w.AppendAudio(dst, int64(tag.ts)*90, d[1:])
			default:
				continue
			}
			if err != nil {
				t.Fatalf("AppendAudio at %d ms: %v", tag.ts, err)
			}
			n.audio++
		}
	}
	return dst, n
}

func loadFixture(t testing.TB, name string) []flvTag {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "tests", "testdata", name))
	if err != nil {
		t.Fatalf("fixture (committed under tests/testdata): %v", err)
	}
	tags, err := readFLV(b)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tags
}

// TestInteropFFmpeg muxes each fixture to TS, validates it with our parser,
// then has ffmpeg decode it with -xerror and ffprobe count its packets.
func TestInteropFFmpeg(t *testing.T) {
	cases := []struct {
		file   string
		codecs string // ffprobe codec_name list, in PMT order
	}{
		{"h264_aac.flv", "h264,aac"},
		{"h264_mp3.flv", "h264,mp3"},
		{"aac_only.flv", "aac"},
		{"mp3_only.flv", "mp3"},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			tags := loadFixture(t, tc.file)
			ts, n := muxFLV(t, tags, NewWriter(), nil)
			r, err := parseTS(ts)
			if err != nil {
				t.Fatalf("parseTS: %v", err)
			}
			var vPES, aPES int
			for _, p := range r.pes {
				if p.pid == PIDVideo {
					vPES++
				} else {
					aPES++
				}
			}
			if vPES != n.video || aPES != n.audio {
				t.Fatalf("PES video %d audio %d, fed %d/%d", vPES, aPES, n.video, n.audio)
			}
			if n.video > 0 && r.pats < n.keyframes {
				t.Fatalf("%d PATs for %d keyframes", r.pats, n.keyframes)
			}

			if d := os.Getenv("TS_DUMP"); d != "" {
				_ = os.WriteFile(filepath.Join(d, tc.file+".ts"), ts, 0o644)
			}
			ffmpeg := testtool.Need(t, "ffmpeg")
			ffprobe := testtool.Need(t, "ffprobe")
			out := filepath.Join(t.TempDir(), "out.ts")
			if err := os.WriteFile(out, ts, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-xerror", "-i", out, "-f", "null", "-")
			if msg, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(msg)) > 0 {
				t.Fatalf("ffmpeg decode: %v\n%s", err, msg)
			}
			probe, err := exec.Command(ffprobe, "-v", "error", "-count_packets",
				"-show_entries", "stream=codec_name,nb_read_packets", "-of", "csv=p=0", out).CombinedOutput()
			if err != nil {
				t.Fatalf("ffprobe: %v\n%s", err, probe)
			}
			// ffprobe lists the program's streams, a blank line, then the streams again.
			first, _, _ := strings.Cut(strings.TrimSpace(string(probe)), "\n\n")
			var codecs []string
			var counts []int
			for _, line := range strings.Split(first, "\n") {
				f := strings.Split(line, ",")
				if len(f) != 2 {
					t.Fatalf("ffprobe line %q", line)
				}
				codecs = append(codecs, f[0])
				c, _ := strconv.Atoi(f[1])
				counts = append(counts, c)
			}
			if got := strings.Join(codecs, ","); got != tc.codecs {
				t.Fatalf("ffprobe codecs %q, want %q", got, tc.codecs)
			}
			want := []int{n.audio}
			if n.video > 0 {
				want = []int{n.video, n.audio}
			}
			if fmt.Sprint(counts) != fmt.Sprint(want) {
				t.Fatalf("ffprobe packet counts %v, fed %v", counts, want)
			}
			t.Logf("%s: %d bytes of TS; ffmpeg -xerror decoded it cleanly; ffprobe: %s %v packets = frames fed",
				tc.file, len(ts), strings.Join(codecs, ","), counts)
		})
	}
}
