package mpegts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/picosrs/picosrs/internal/testtool"
)

// TestContinue: a second writer that continues the first's output (the
// same stream published again) keeps every continuity counter running and
// announces its PMT with the next version; FFmpeg decodes the two outputs
// joined with -xerror. Without Continue the join is a continuity error.
func TestContinue(t *testing.T) {
	tags := loadFixture(t, "h264_aac.flv")
	first := NewWriter()
	a, _ := muxFLV(t, tags[:len(tags)/2], first, nil)
	second := NewWriter()
	second.Continue(first.Counters())
	b, _ := muxFLV(t, tags, second, nil)
	if _, err := parseTS(append(append([]byte(nil), a...), b...)); err != nil {
		t.Fatalf("joined output: %v", err)
	}
	if v1, v2 := first.Counters().pmtVersion, second.Counters().pmtVersion; v2 != (v1+1)&0x1F {
		t.Fatalf("PMT versions %d then %d", v1, v2)
	}
	fresh, _ := muxFLV(t, tags, NewWriter(), nil)
	if _, err := parseTS(append(append([]byte(nil), a...), fresh...)); err == nil {
		t.Fatal("a fresh writer's output joins without a continuity error: the test proves nothing")
	}
	out := filepath.Join(t.TempDir(), "joined.ts")
	os.WriteFile(out, append(a, b...), 0o644)
	cmd := exec.Command(testtool.Need(t, "ffmpeg"), "-nostdin", "-v", "error", "-xerror", "-i", out, "-f", "null", "-")
	if msg, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(msg)) > 0 {
		t.Fatalf("ffmpeg decode: %v\n%s", err, msg)
	}
}
