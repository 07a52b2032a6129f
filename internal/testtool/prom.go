package testtool

import (
	"bufio"
	"strconv"
	"strings"
	"testing"
)

// ParseProm parses the Prometheus text format strictly enough for a test:
// HELP and TYPE (gauge or counter) before each metric's samples, counters
// named *_total, every sample "name{label="value",...} number". It returns
// the samples by metric name and by series (name with its labels).
func ParseProm(t testing.TB, body string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	typ, help := map[string]string{}, map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			continue
		case strings.HasPrefix(line, "# HELP "):
			f := strings.SplitN(line, " ", 4)
			if len(f) != 4 {
				t.Fatalf("bad HELP %q", line)
			}
			help[f[2]] = true
			continue
		case strings.HasPrefix(line, "# TYPE "):
			f := strings.Fields(line)
			if len(f) != 4 || (f[3] != "counter" && f[3] != "gauge") {
				t.Fatalf("bad TYPE %q", line)
			}
			typ[f[2]] = f[3]
			continue
		case strings.HasPrefix(line, "#"):
			t.Fatalf("stray comment %q", line)
		}
		i := strings.LastIndexByte(line, ' ')
		if i <= 0 {
			t.Fatalf("bad sample %q", line)
		}
		series, val := line[:i], line[i+1:]
		name := series
		if j := strings.IndexByte(series, '{'); j >= 0 {
			if !strings.HasSuffix(series, "}") {
				t.Fatalf("bad labels %q", line)
			}
			name = series[:j]
			for _, kv := range strings.Split(series[j+1:len(series)-1], ",") {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || k == "" || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
					t.Fatalf("bad label %q in %q", kv, line)
				}
			}
		}
		if typ[name] == "" || !help[name] {
			t.Fatalf("sample %s without HELP/TYPE", name)
		}
		if typ[name] == "counter" && !strings.HasSuffix(name, "_total") {
			t.Errorf("counter %s not named *_total", name)
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			t.Fatalf("bad value %q", line)
		}
		out[name] = v
		out[series] = v
	}
	return out
}
