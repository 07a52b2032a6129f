package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestQemuRetry: tests/qemu-retry.sh runs again only the packages that
// qemu-i386 crashed, never one that reported a test failure, and never a run
// with a real failure in it. A fake `go test` plays back canned outputs.
func TestQemuRetry(t *testing.T) {
	t.Parallel()
	const (
		okFLV    = "ok  \tgithub.com/picosrs/picosrs/flv\t0.1s\n"
		okADTS   = "ok  \tgithub.com/picosrs/picosrs/adts\t0.1s\n"
		crashCfg = "fatal error: morestack on g0\n\ngoroutine 1 gp=0x1 m=0 mp=0x2 [running]:\nFAIL\tgithub.com/picosrs/picosrs/conf\t0.2s\n"
		crashMP3 = "runtime: exitsyscall: bad state\nfatal error: exitsyscall\nFAIL\tgithub.com/picosrs/picosrs/mp3\t0.2s\n"
		failADTS = "--- FAIL: TestHeader (0.00s)\n    adts_test.go:10: got 1, want 2\nFAIL\nFAIL\tgithub.com/picosrs/picosrs/adts\t0.1s\n"
		// A test failure and a qemu crash in the same test binary.
		failAndCrash = "--- FAIL: TestParse (0.00s)\nfatal error: morestack on g0\nFAIL\tgithub.com/picosrs/picosrs/conf\t0.2s\n"
		okCfg        = "ok  \tgithub.com/picosrs/picosrs/conf\t0.1s\n"
		okMP3        = "ok  \tgithub.com/picosrs/picosrs/mp3\t0.1s\n"
		pkgs         = "./flv/... ./conf/... ./adts/... ./mp3/..."
	)
	type run struct {
		out string
		rc  int
	}
	for _, c := range []struct {
		name     string
		runs     []run
		wantRC   int
		wantArgs []string // the package arguments of each run
	}{
		{"pass", []run{{okFLV + okCfg, 0}}, 0, []string{pkgs}},
		{"crash is retried alone",
			[]run{{okFLV + crashCfg + okADTS + crashMP3, 1}, {okCfg + okMP3, 0}}, 0,
			[]string{pkgs, "github.com/picosrs/picosrs/conf github.com/picosrs/picosrs/mp3"}},
		{"three crashes", []run{{crashCfg, 1}, {crashCfg, 1}, {crashCfg, 1}}, 1,
			[]string{pkgs, "github.com/picosrs/picosrs/conf", "github.com/picosrs/picosrs/conf"}},
		{"a test failure beside a crash is not retried", []run{{okFLV + crashCfg + failADTS, 1}}, 1, []string{pkgs}},
		{"a crash after a test failure in one package is not retried", []run{{failAndCrash, 1}}, 1, []string{pkgs}},
		{"a build failure is not retried", []run{{crashCfg + "FAIL\tgithub.com/picosrs/picosrs/flv [build failed]\n", 1}}, 1, []string{pkgs}},
		{"a failure after a retry is reported", []run{{crashCfg, 1}, {failAndCrash, 1}}, 1, []string{pkgs, "github.com/picosrs/picosrs/conf"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for i, r := range c.runs {
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("out.%d", i+1)), []byte(r.out), 0o644)
				os.WriteFile(filepath.Join(dir, fmt.Sprintf("rc.%d", i+1)), []byte(fmt.Sprint(r.rc)), 0o644)
			}
			fake := filepath.Join(dir, "fakego")
			script := "#!/bin/sh\nd=" + dir + "\nn=$(cat $d/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > $d/n\n" +
				"echo \"$@\" > $d/args.$n\ncat $d/out.$n\nexit $(cat $d/rc.$n)\n"
			if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			args := append([]string{fake, "test", "-count=1", "-exec", "qemu-i386-static"}, strings.Fields(pkgs)...)
			cmd := exec.Command("sh", append([]string{"qemu-retry.sh"}, args...)...)
			out, _ := cmd.CombinedOutput()
			if rc := cmd.ProcessState.ExitCode(); rc != c.wantRC {
				t.Errorf("exit %d, want %d\n%s", rc, c.wantRC, out)
			}
			for i, want := range c.wantArgs {
				b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("args.%d", i+1)))
				if err != nil {
					t.Fatalf("run %d did not happen\n%s", i+1, out)
				}
				got := strings.TrimSpace(string(b))
				if wantLine := "test -count=1 -exec qemu-i386-static " + want; got != wantLine {
					t.Errorf("run %d: %q, want %q", i+1, got, wantLine)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("args.%d", len(c.wantArgs)+1))); err == nil {
				t.Errorf("more than %d runs\n%s", len(c.wantArgs), out)
			}
		})
	}
}
