package conf

import (
	"errors"
	"testing"
)

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1", 1, true},
		{"4096", 4096, true},
		{"1k", 1 << 10, true},
		{"1K", 1 << 10, true},
		{"48m", 48 << 20, true},
		{"48M", 48 << 20, true},
		{"2g", 2 << 30, true},
		{"2G", 2 << 30, true},
		{"9223372036854775807", 1<<63 - 1, true},
		{"8589934591g", 8589934591 << 30, true},
		{"8589934592g", 0, false}, // 2^63 overflows
		{"9223372036854775808", 0, false},
		{"", 0, false},
		{"m", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{"1.5m", 0, false},
		{"48mb", 0, false},
		{"48 m", 0, false},
		{" 48m", 0, false},
		{"1t", 0, false},
		{"0x10", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseSize(tc.in)
		if tc.ok != (err == nil) || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrSize) {
			t.Errorf("ParseSize(%q): error %v is not ErrSize", tc.in, err)
		}
	}
}
