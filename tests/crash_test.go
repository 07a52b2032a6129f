package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCrashScan: the log check every server gets when its test ends finds
// each kind of crash report, and nothing in an ordinary log.
func TestCrashScan(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, log string
		want      bool
	}{
		{"clean", "time=1 level=INFO msg=\"play start\" stream=__defaultVhost__/panic/goroutine\ntime=2 level=WARN msg=\"fatal error: no\"\n", false},
		{"panic", "time=1 level=INFO msg=x\npanic: runtime error: slice bounds out of range [:-9223372036854775808]\n\ngoroutine 7 [running]:\nmain.page(...)\n", true},
		{"fatal", "fatal error: concurrent map writes\n", true},
		{"dump", "SIGQUIT: quit\nPC=0x4711 m=0 sigcode=0\n\ngoroutine 1 [chan receive]:\n", true},
		{"race", "==================\nWARNING: DATA RACE\nWrite at 0x00c0000a0 by goroutine 8:\n", true},
		{"recovered", "time=1 level=DEBUG msg=\"http: panic serving 127.0.0.1:4711: runtime error: index out of range\"\n", true},
	} {
		if got := len(crashes(c.log)) > 0; got != c.want {
			t.Errorf("%s: crash found %v, want %v", c.name, got, c.want)
		}
	}
}

// TestRaceBuild: the server binary has the race detector where the platform
// allows it (go version -m shows the build setting), and the race
// detector's real report, from a program with a data race, is what
// checkCrash looks for.
func TestRaceBuild(t *testing.T) {
	t.Parallel()
	if !raceBuilt {
		t.Skipf("no race detector on this platform (%s): see the note printed when the tests started", raceUnsupported())
	}
	out, err := exec.Command("go", "version", "-m", binary).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-race=true") {
		t.Fatalf("server binary is not race-built: %v\n%s", err, out)
	}
	if out, err := exec.Command("go", "version", "-m", plainBinary).CombinedOutput(); err != nil || strings.Contains(string(out), "-race=true") {
		t.Fatalf("plain binary is race-built: %v\n%s", err, out)
	}
	dir := t.TempDir()
	racy := "package main\n\nimport \"time\"\n\nfunc main() {\n\tn := 0\n\tgo func() { n++ }()\n\tn++\n\ttime.Sleep(100 * time.Millisecond)\n\tprintln(n)\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(racy), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "run", "-race", "main.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GO111MODULE=off")
	out, _ = cmd.CombinedOutput()
	if len(crashes(string(out))) == 0 {
		t.Fatalf("the race detector's report was not recognised:\n%s", out)
	}
}
