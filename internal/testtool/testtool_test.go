package testtool

import (
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records how Need ended the test instead of
// ending this one.
type recorder struct {
	testing.TB
	fatal, skip, err string
}

func (r *recorder) Errorf(format string, args ...any) { r.err = format }

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = format
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skip = format
	runtime.Goexit()
}

// run calls f with a recorder, on a goroutine of its own so that the
// recorder's Fatalf and Skipf can end it.
func run(t *testing.T, f func(testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func need(t *testing.T, name string) (path string, r *recorder) {
	r = run(t, func(tb testing.TB) { path = Need(tb, name) })
	return path, r
}

func TestNeed(t *testing.T) {
	if p, r := need(t, "sh"); p == "" || r.fatal != "" || r.skip != "" {
		t.Fatalf("sh: path %q, fatal %q, skip %q", p, r.fatal, r.skip)
	}
	const missing = "picosrs-no-such-tool"
	t.Setenv("CI", "true")
	if _, r := need(t, missing); !strings.Contains(r.fatal, "required in CI") || r.skip != "" {
		t.Fatalf("missing tool under CI: fatal %q, skip %q", r.fatal, r.skip)
	}
	t.Setenv("CI", "")
	if _, r := need(t, missing); r.fatal != "" || r.skip == "" {
		t.Fatalf("missing tool outside CI: fatal %q, skip %q", r.fatal, r.skip)
	}
}

func TestParseProm(t *testing.T) {
	good := `# HELP srs_streams Streams.
# TYPE srs_streams gauge
srs_streams 2
# HELP srs_build_info Build.
# TYPE srs_build_info gauge
srs_build_info{version="1.0",label="cn-\"bj\""} 1
# HELP srs_send_bytes_total Bytes.
# TYPE srs_send_bytes_total counter
srs_send_bytes_total 123
`
	var m map[string]float64
	if r := run(t, func(tb testing.TB) { m = ParseProm(tb, good) }); r.fatal != "" || r.err != "" {
		t.Fatalf("good text refused: %q %q", r.fatal, r.err)
	}
	if m["srs_streams"] != 2 || m["srs_send_bytes_total"] != 123 || m["srs_build_info"] != 1 ||
		m[`srs_build_info{version="1.0",label="cn-\"bj\""}`] != 1 {
		t.Fatalf("samples %v", m)
	}
	for _, bad := range []string{
		"srs_streams 2\n", // no HELP/TYPE
		"# HELP x X.\n# TYPE x summary\nx 1\n",
		"# HELP x X.\n# TYPE x gauge\nx{a=1} 1\n",
		"# HELP x X.\n# TYPE x gauge\nx one\n",
		"# comment\n",
	} {
		if r := run(t, func(tb testing.TB) { ParseProm(tb, bad) }); r.fatal == "" {
			t.Errorf("accepted %q", bad)
		}
	}
	if r := run(t, func(tb testing.TB) { ParseProm(tb, "# HELP x X.\n# TYPE x counter\nx 1\n") }); r.err == "" {
		t.Error("a counter not named *_total passed")
	}
}

func TestUnavailable(t *testing.T) {
	t.Setenv("CI", "true")
	if r := run(t, func(tb testing.TB) { Unavailable(tb, "no %s", "x265") }); r.fatal == "" || r.skip != "" {
		t.Fatalf("under CI: fatal %q, skip %q", r.fatal, r.skip)
	}
	t.Setenv("CI", "")
	if r := run(t, func(tb testing.TB) { Unavailable(tb, "no %s", "x265") }); r.fatal != "" || r.skip == "" {
		t.Fatalf("outside CI: fatal %q, skip %q", r.fatal, r.skip)
	}
}
