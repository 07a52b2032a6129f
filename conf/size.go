package conf

import (
	"errors"
	"math"
)

// ErrSize is returned by ParseSize for text that is not a size.
var ErrSize = errors.New("conf: want bytes with an optional k, m or g suffix")

// ParseSize reads a byte count as picosrs's size directives (memory_limit,
// hls_max_size) take it: decimal digits with an optional suffix k, m or g
// (either case) for KiB, MiB or GiB. "48m" is 50331648. There is no sign,
// fraction, space or "b"; a value above the int64 range is an error.
func ParseSize(s string) (int64, error) {
	unit := int64(1)
	digits := s
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			unit = 1 << 10
		case 'm', 'M':
			unit = 1 << 20
		case 'g', 'G':
			unit = 1 << 30
		}
		if unit != 1 {
			digits = s[:n-1]
		}
	}
	if digits == "" {
		return 0, ErrSize
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, ErrSize
		}
		if n > (math.MaxInt64-int64(c-'0'))/10 {
			return 0, ErrSize
		}
		n = n*10 + int64(c-'0')
	}
	if n > math.MaxInt64/unit {
		return 0, ErrSize
	}
	return n * unit, nil
}
