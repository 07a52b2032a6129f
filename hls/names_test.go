package hls

import (
	"testing"
	"time"
)

// TestNames: templates expand as SRS's, and segment URIs are relative to
// the playlist, escaped, with hls_entry_prefix as SRS adds it.
func TestNames(t *testing.T) {
	opened := time.Date(2026, 3, 4, 5, 6, 7, 890e6, time.Local)
	cases := []struct {
		name, m3u8, ts, app, stream, prefix string
		floor                               int64
		wantPath, wantURI                   string
	}{
		{"default", "[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", "live", "s", "", 0, "live/s-7.ts", "s-7.ts"},
		{"prefixNoSlash", "[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", "live", "s", "http://cdn", 0, "live/s-7.ts", "http://cdn/live/s-7.ts"},
		{"prefixSlash", "[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", "live", "s", "http://cdn/", 0, "live/s-7.ts", "http://cdn/s-7.ts"},
		{"leadingSlash", "/[app]/[stream].m3u8", "/[app]/[stream]-[seq].ts", "live", "s", "", 0, "live/s-7.ts", "s-7.ts"},
		{"otherDir", "[app]/[stream].m3u8", "ts/[stream]/[seq].ts", "live", "s", "", 0, "ts/s/7.ts", "/ts/s/7.ts"},
		{"otherDirPrefix", "[app]/[stream].m3u8", "ts/[stream]/[seq].ts", "live", "s", "http://cdn/", 0, "ts/s/7.ts", "http://cdn/ts/s/7.ts"},
		{"root", "[stream].m3u8", "[stream]-[seq].ts", "live", "s", "", 0, "s-7.ts", "s-7.ts"},
		{"subdir", "[app]/[stream].m3u8", "[app]/[stream]/[2006][01][02]/[15][04][05]-[999]-[seq]-[duration].ts", "live", "s", "", 0,
			"live/s/20260304/050607-890-7-4000.ts", "s/20260304/050607-890-7-4000.ts"},
		{"timestamp", "[app]/[stream].m3u8", "[app]/[stream]-[timestamp].ts", "live", "s", "", 0,
			"live/s-" + itoa(uint64(opened.UnixMilli())) + ".ts", "s-" + itoa(uint64(opened.UnixMilli())) + ".ts"},
		{"floor", "[app]/[stream].m3u8", "[app]/[stream]-[timestamp].ts", "live", "s", "", 1234, "live/s-1234.ts", "s-1234.ts"},
		{"escaped", "[app]/[stream].m3u8", "[app]/[stream]-[seq].ts", "live", "a b?#%", "", 0, "live/a b?#%-7.ts", "a%20b%3F%23%25-7.ts"},
		{"vhost", "[vhost]/[app]/[stream].m3u8", "[vhost]/[app]/[stream]-[seq].ts", "live", "s", "", 0, "v.example/live/s-7.ts", "s-7.ts"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := NewNames(c.m3u8, c.ts, "v.example", c.app, c.stream)
			p := n.segmentPath(7, opened, 4*time.Second, c.floor)
			if p != c.wantPath {
				t.Errorf("path %q, want %q", p, c.wantPath)
			}
			if u := n.uri(p, c.prefix); u != c.wantURI {
				t.Errorf("uri %q, want %q", u, c.wantURI)
			}
		})
	}
}

// TestNextFloor: hls_ts_floor counts fragments from the clock, one more per
// segment, and goes back to the clock when it runs 20 ahead.
func TestNextFloor(t *testing.T) {
	now := time.UnixMilli(100_000)
	f := nextFloor(0, now, 10*time.Second)
	if f != 9 {
		t.Fatalf("first %d", f)
	}
	for i := 0; i < 21; i++ {
		f = nextFloor(f, now, 10*time.Second)
	}
	if f != 30 {
		t.Fatalf("after 21: %d", f)
	}
	if f = nextFloor(f, now, 10*time.Second); f != 9 {
		t.Fatalf("jump back: %d", f)
	}
}
