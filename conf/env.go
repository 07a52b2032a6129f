package conf

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// environ reads SRS_* overrides through an injected lookup function.
type environ struct {
	lookup func(string) (string, bool)
}

// envName returns SRS's environment variable for a dotted directive path:
// "vhost.http_remux.enabled" -> "SRS_VHOST_HTTP_REMUX_ENABLED" (srs_getenv).
func envName(path string) string {
	return "SRS_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// raw returns the variable name as set; like SRS, an empty value counts as unset.
func (e *environ) raw(name string) (string, bool) {
	if e == nil || e.lookup == nil {
		return "", false
	}
	v, ok := e.lookup(name)
	if !ok || v == "" {
		return "", false
	}
	return v, true
}

// get returns the override for a dotted directive path.
func (e *environ) get(path string) (string, bool) {
	return e.raw(envName(path))
}

// envBool reads a boolean the way SRS does: the environment first, then the
// directive's first argument. A default-off flag (def false) is on only for
// exactly "on"; a default-on flag is off only for exactly "off".
func envBool(e *environ, path string, d *Directive, def bool) bool {
	v, ok := e.get(path)
	if !ok {
		if d == nil || d.Arg0() == "" {
			return def
		}
		v = d.Arg0()
	}
	if def {
		return v != "off"
	}
	return v == "on"
}

// atoi is C's atoi: leading spaces, an optional sign and the longest run of
// digits; anything else reads as 0. The result saturates at the int32 range,
// as every SRS integer is an int.
func atoi(s string) int {
	n, _ := atoiClean(s)
	return n
}

// atoiClean is atoi that also reports whether s was a clean integer.
func atoiClean(s string) (int, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	i, neg := 0, false
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		neg = t[i] == '-'
		i++
	}
	start := i
	var n int64
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		if n < math.MaxInt32+1 {
			n = n*10 + int64(t[i]-'0')
		}
		i++
	}
	if neg {
		n = -n
	}
	n = max(math.MinInt32, min(math.MaxInt32, n))
	return int(n), i > start && i == len(t) && len(t) == len(s)
}

// atof is C's atof for decimal input: the longest prefix that is a decimal
// number, 0 when there is none. Infinities and NaN read as 0.
func atof(s string) float64 {
	f, _ := atofClean(s)
	return f
}

// atofClean is atof that also reports whether s was a clean decimal number.
func atofClean(s string) (float64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	i := 0
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		i++
	}
	digits := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
		digits++
	}
	if i < len(t) && t[i] == '.' {
		i++
		for i < len(t) && t[i] >= '0' && t[i] <= '9' {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		j := i + 1
		if j < len(t) && (t[j] == '+' || t[j] == '-') {
			j++
		}
		k := j
		for k < len(t) && t[k] >= '0' && t[k] <= '9' {
			k++
		}
		if k > j {
			i = k
		}
	}
	f, err := strconv.ParseFloat(t[:i], 64)
	if err != nil && f == 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, i == len(t) && len(t) == len(s)
}

// seconds converts float seconds to a Duration, saturating instead of
// overflowing.
func seconds(f float64) time.Duration {
	return scaled(f, float64(time.Second))
}

func scaled(f, unit float64) time.Duration {
	v := f * unit
	switch {
	case v >= math.MaxInt64:
		return math.MaxInt64
	case v <= math.MinInt64:
		return math.MinInt64
	}
	return time.Duration(v)
}
