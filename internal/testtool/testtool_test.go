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
	fatal, skip string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.fatal = format
	runtime.Goexit()
}
func (r *recorder) Skipf(format string, args ...any) {
	r.skip = format
	runtime.Goexit()
}

func need(t *testing.T, name string) (path string, r *recorder) {
	r = &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		path = Need(r, name)
	}()
	<-done
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
