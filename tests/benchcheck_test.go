package tests

import (
	"os/exec"
	"strings"
	"testing"
)

// TestBenchCheck: tests/benchcheck.sh passes a run whose FanOut benchmarks
// all report 0 allocs/op, and fails an empty run, a failed run, a run with
// no FanOut benchmark, one without -benchmem and one that allocates.
func TestBenchCheck(t *testing.T) {
	t.Parallel()
	const (
		head = "goos: linux\ngoarch: amd64\npkg: github.com/picosrs/picosrs/live\n"
		ok1  = "BenchmarkFanOutFLV/viewers=1-2   100   1875 ns/op   2355 B/viewer-tag   0.03000 allocs/viewer-tag   0 B/op   1 allocs/op\n"
		ok2  = "BenchmarkFanOutTS/viewers=1000-2   100   111101 ns/op   3678 B/viewer-tag   0.001015 allocs/viewer-tag   6168 B/op   3 allocs/op\n"
		bad  = "BenchmarkFanOutTS/viewers=100-2   100   12645 ns/op   3678 B/viewer-tag   1.011 allocs/viewer-tag   6216 B/op   104 allocs/op\n"
		tail = "PASS\nok  \tgithub.com/picosrs/picosrs/live\t0.467s\n"
	)
	for _, c := range []struct {
		name, out string
		pass      bool
	}{
		{"zero allocs", head + ok1 + ok2 + "BenchmarkWriteTag-2   100   8925 ns/op   6346 B/op   2 allocs/op\n" + tail, true},
		{"empty", "", false},
		{"failed run", head + ok1 + "--- FAIL: BenchmarkFanOutTS\nFAIL\tgithub.com/picosrs/picosrs/live\t0.1s\n", false},
		{"no build", "# github.com/picosrs/picosrs/live\nlive/x.go:1:1: syntax error\nFAIL\tgithub.com/picosrs/picosrs/live [build failed]\n", false},
		{"no FanOut", head + "BenchmarkWriteTag-2   100   8925 ns/op   6346 B/op   0 allocs/op\n" + tail, false},
		{"no per-viewer figure", head + "BenchmarkFanOutFLV/viewers=1-2   100   1875 ns/op   0 B/op   0 allocs/op\n" + tail, false},
		{"allocates", head + ok1 + bad + tail, false},
	} {
		cmd := exec.Command("sh", "benchcheck.sh")
		cmd.Stdin = strings.NewReader(c.out)
		out, err := cmd.CombinedOutput()
		if (err == nil) != c.pass {
			t.Errorf("%s: passed %v, want %v\n%s", c.name, err == nil, c.pass, out)
		}
	}
}
