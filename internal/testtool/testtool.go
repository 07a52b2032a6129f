// Package testtool finds the external programs the tests drive (ffmpeg,
// ffprobe, rtmpdump): in CI a missing one fails the test, elsewhere it skips
// it, so a checkout without them can still run the rest.
package testtool

import (
	"os"
	"os/exec"
	"testing"
)

// Need returns the path of the program name, or ends the test: t.Fatal when
// the CI environment variable is set, t.Skip otherwise.
func Need(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", name, err)
		}
		t.Skipf("%s not installed (apt-get install ffmpeg rtmpdump): %v", name, err)
	}
	return p
}
