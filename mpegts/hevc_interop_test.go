package mpegts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picosrs/picosrs/internal/testtool"
)

// splitAnnexB returns the NAL units of an Annex-B byte stream.
func splitAnnexB(b []byte) [][]byte {
	var nals [][]byte
	start := -1
	for i := 0; i+3 <= len(b); i++ {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				end := i
				if end > start && b[end-1] == 0 {
					end-- // 4-byte start code
				}
				nals = append(nals, b[start:end])
			}
			start = i + 3
			i += 2
		}
	}
	if start >= 0 && start < len(b) {
		nals = append(nals, b[start:])
	}
	return nals
}

// TestInteropHEVC encodes two seconds of HEVC with ffmpeg/libx265 (AUDs on,
// no B-frames), turns it into length-prefixed access units plus an hvcC
// record, strips the in-band parameter sets so the writer must insert them,
// muxes, and has ffmpeg decode the TS with -xerror.
func TestInteropHEVC(t *testing.T) {
	ffmpeg := testtool.Need(t, "ffmpeg")
	ffprobe := testtool.Need(t, "ffprobe")
	dir := t.TempDir()
	raw := filepath.Join(dir, "in.hevc")
	enc := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-t", "2", "-c:v", "libx265", "-x265-params", "aud=1:repeat-headers=1:bframes=0:keyint=25:log-level=error",
		"-f", "hevc", raw)
	if msg, err := enc.CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("libx265 encode: %v\n%s", err, msg)
		}
		t.Skipf("libx265 encode unavailable: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	var aus [][][]byte
	var vps, sps, pps []byte
	for _, nal := range splitAnnexB(b) {
		if len(nal) < 2 {
			continue
		}
		switch typ := nal[0] >> 1 & 0x3F; typ {
		case hevcNALAUD:
			aus = append(aus, nil)
			continue // the writer adds its own
		case 32:
			vps = nal
			continue
		case 33:
			sps = nal
			continue
		case 34:
			pps = nal
			continue
		}
		if len(aus) == 0 {
			t.Fatal("stream does not start with an AUD")
		}
		aus[len(aus)-1] = append(aus[len(aus)-1], nal)
	}
	if vps == nil || sps == nil || pps == nil || len(aus) != 50 {
		t.Fatalf("vps/sps/pps %v/%v/%v, %d access units", vps != nil, sps != nil, pps != nil, len(aus))
	}
	w := NewWriter()
	if err := w.SetHEVCConfig(hvcc(vps, sps, pps)); err != nil {
		t.Fatal(err)
	}
	var out []byte
	keys := 0
	for i, au := range aus {
		key := false
		for _, nal := range au {
			if typ := nal[0] >> 1 & 0x3F; typ >= 16 && typ <= 21 { // IRAP
				key = true
			}
		}
		if key {
			keys++
		}
		if out, err = w.AppendVideo(out, int64(i)*3600, int64(i)*3600, key, lp(au...)); err != nil {
			t.Fatalf("AU %d: %v", i, err)
		}
	}
	r, err := parseTS(out)
	if err != nil {
		t.Fatal(err)
	}
	if keys != 2 || r.pats != keys {
		t.Fatalf("%d keyframes, %d PATs", keys, r.pats)
	}
	if !bytes.HasPrefix(r.pes[0].data, annexB([]byte{0x46, 0x01, 0x50}, vps, sps, pps)) {
		t.Fatal("first AU lacks AUD + VPS/SPS/PPS")
	}
	ts := filepath.Join(dir, "out.ts")
	if err := os.WriteFile(ts, out, 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command(ffmpeg, "-nostdin", "-v", "error", "-xerror", "-i", ts, "-f", "null", "-").CombinedOutput(); err != nil || len(bytes.TrimSpace(msg)) > 0 {
		t.Fatalf("ffmpeg decode: %v\n%s", err, msg)
	}
	probe, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", ts).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, probe)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(probe)), "\n")
	if first != "hevc,320,240,50" {
		t.Fatalf("ffprobe %q, want hevc,320,240,50", first)
	}
	t.Logf("HEVC: %d bytes of TS, ffprobe %s", len(out), first)
}
