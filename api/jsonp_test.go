package api

import (
	"regexp"
	"testing"
)

func TestJSONPCallbackMatchesRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$.]{0,63}$`)
	for _, s := range []string{"", "a", "A9", "9a", "_x.y$", "a b", "a(", "x" + string(make([]byte, 0)), "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklm", ".a", "$", "é"} {
		if got, want := jsonpCallback(s), re.MatchString(s); got != want {
			t.Errorf("%q: %v, regexp %v", s, got, want)
		}
	}
}
