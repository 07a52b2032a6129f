// Package testtool finds the external programs the tests drive (ffmpeg,
// ffprobe, rtmpdump): in CI a missing one fails the test, elsewhere it skips
// it, so a checkout without them can still run the rest.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of the program name, or ends the test as
// Unavailable does: t.Fatal when the CI environment variable is set, t.Skip
// otherwise.
func Need(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Unavailable(t, "%s not installed (apt-get install ffmpeg rtmpdump): %v", name, err)
	}
	return p
}

// Unavailable ends a test whose prerequisite is missing (a program, the npm
// registry, an encoder ffmpeg was built without): t.Fatal when the CI
// environment variable is set, since CI must run every test, t.Skip
// otherwise.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("required in CI: "+format, args...)
	}
	t.Skipf(format, args...)
}
