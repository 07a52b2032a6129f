package textlog

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// fixed is the time both loggers give their lines in these tests.
var fixed = time.Date(2026, 11, 30, 20, 47, 35, 262_999_999, time.UTC)

// newPair returns our logger and slog's text logger at level, writing to
// separate buffers, both stamping lines with fixed.
func newPair(level Level) (*Logger, *bytes.Buffer, *slog.Logger, *bytes.Buffer) {
	var ours, theirs bytes.Buffer
	l := New(&ours, level)
	l.out.now = func() time.Time { return fixed }
	h := slog.NewTextHandler(&theirs, &slog.HandlerOptions{
		Level: slog.Level(level),
		// Only the record's own time is recent: the table's time values
		// are from other years.
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && a.Value.Kind() == slog.KindTime && time.Since(a.Value.Time()) < time.Hour {
				return slog.Time(slog.TimeKey, fixed)
			}
			return a
		},
	})
	return l, &ours, slog.New(h), &theirs
}

type stringer struct{ s string }

func (s stringer) String() string { return s.s }

type textOK struct{}

func (textOK) MarshalText() ([]byte, error) { return []byte("has space"), nil }

type textErr struct{}

func (textErr) MarshalText() ([]byte, error) { return nil, errors.New("no text") }

type textPtr struct{ s string }

func (t *textPtr) MarshalText() ([]byte, error) { return []byte(t.s), nil }

type namedBytes []byte

type named string

type point struct {
	X, Y int
	Name string
}

type panicky struct{}

func (panicky) MarshalText() ([]byte, error) { panic("boom") }

var strs = []string{
	"", "plain", "a b", "a=b", `a"b`, `a\b`, `\`, "a\tb", "a\nb", "\x00", "\x1f", "\x7f",
	"é", "日本語", "\u00a0", "\u2028", "\u200b", "\xff", "a\xc3", "<>&", "'", "`",
	"/live/stream?token=x", "rtmp://127.0.0.1:1935/live", "-", "!", "{}", "[1 2]",
}

func TestSameAsSlog(t *testing.T) {
	var nilTCP *net.TCPAddr
	var nilText *textPtr
	var nilErr error
	tcp := &net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1935}
	zone := time.FixedZone("IST", 5*3600+1800)
	west := time.FixedZone("", -3*3600)
	cases := [][]any{
		{},
		{"int", 42, "neg", -7, "i8", int8(-128), "i16", int16(32767), "i32", int32(math.MinInt32), "i64", int64(math.MaxInt64)},
		{"uint", uint(7), "u8", uint8(255), "u16", uint16(65535), "u32", uint32(math.MaxUint32), "u64", uint64(math.MaxUint64), "uptr", uintptr(12)},
		{"t", true, "f", false},
		{"f64", 1.5, "f0", 0.0, "neg0", math.Copysign(0, -1), "big", 1e21, "small", 1e-7, "nan", math.NaN(), "inf", math.Inf(1), "ninf", math.Inf(-1), "f32", float32(0.1)},
		{"d", 1500 * time.Millisecond, "d0", time.Duration(0), "dus", 1500 * time.Nanosecond, "dneg", -time.Hour},
		{"at", time.Date(2001, 2, 3, 4, 5, 6, 7_000_000, time.UTC), "ist", time.Date(2001, 2, 3, 4, 5, 6, 999_999_999, zone),
			"west", time.Date(1999, 12, 31, 23, 59, 59, 0, west), "zero", time.Time{}, "ms0", time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"err", errors.New("read tcp: connection reset by peer"), "wrapped", fmt.Errorf("live: %w", io.EOF), "nilerr", nilErr},
		{"nil", nil, "addr", tcp, "nilTCP", nilTCP, "ip", net.IPv4(192, 168, 1, 1), "ip6", net.ParseIP("::1"), "netip", netip.MustParseAddr("fe80::1%eth0")},
		{"stringer", stringer{"two words"}, "stringer1", stringer{"one"}, "named", named("x y"), "pt", point{1, 2, "p"}, "ppt", &point{3, 4, ""}},
		{"map", map[string]int{"a": 1}, "slice", []int{1, 2}, "strs", []string{"a", "b c"}},
		{"bytes", []byte("a\x00b"), "nilbytes", []byte(nil), "named", namedBytes("x"), "str", "", "b", []byte{}},
		{"text", textOK{}, "texterr", textErr{}, "nilText", nilText, "textptr", &textPtr{"q"}, "panic", panicky{}},
		{"odd"},
		{"k", 1, "trailing"},
		{1, "two", 3.5},
		{"", nil, "after", 1},
		{"", 0, "", "", "", errors.New("e")},
		{"dup", 1, "dup", 2},
	}
	for _, s := range strs {
		cases = append(cases, []any{"v", s}, []any{s, "k"}, []any{s})
	}
	for i, args := range cases {
		for _, msg := range []string{"msg", "two words", ""} {
			l, ours, sl, theirs := newPair(LevelDebug)
			l.Info(msg, args...)
			sl.Info(msg, args...)
			l.With(args...).Warn(msg, "x", 1)
			sl.With(args...).Warn(msg, "x", 1)
			l.With("c", 1).With(args...).Error(msg, args...)
			sl.With("c", 1).With(args...).Error(msg, args...)
			l.Debug(msg, args...)
			sl.Debug(msg, args...)
			if ours.String() != theirs.String() {
				t.Errorf("case %d %q:\nours:   %s\ntheirs: %s", i, msg, ours, theirs)
			}
		}
	}
}

func TestLevels(t *testing.T) {
	for _, level := range []Level{LevelDebug, LevelInfo, LevelWarn, LevelError, LevelInfo + 2, LevelError + 1, LevelDebug - 1} {
		if got, want := level.String(), slog.Level(level).String(); got != want {
			t.Errorf("Level(%d) = %q, slog %q", level, got, want)
		}
		l, ours, sl, theirs := newPair(level)
		l.Debug("d", "n", 1)
		sl.Debug("d", "n", 1)
		l.Info("i")
		sl.Info("i")
		l.Warn("w")
		sl.Warn("w")
		l.Error("e")
		sl.Error("e")
		if ours.String() != theirs.String() {
			t.Errorf("level %v:\nours:   %s\ntheirs: %s", level, ours, theirs)
		}
		if n := strings.Count(ours.String(), "\n"); level == LevelInfo && n != 3 {
			t.Errorf("level info wrote %d lines, want 3", n)
		}
	}
}

func TestStdLogger(t *testing.T) {
	for _, level := range []Level{LevelDebug, LevelInfo, LevelError} {
		l, ours, sl, theirs := newPair(LevelInfo)
		l.StdLogger(level).Printf("http: TLS handshake error from %s: EOF", "1.2.3.4:5")
		slog.NewLogLogger(sl.Handler(), slog.Level(level)).Printf("http: TLS handshake error from %s: EOF", "1.2.3.4:5")
		l.StdLogger(level).Print("two\nlines\n\n")
		slog.NewLogLogger(sl.Handler(), slog.Level(level)).Print("two\nlines\n\n")
		if ours.String() != theirs.String() {
			t.Errorf("level %v:\nours:   %s\ntheirs: %s", level, ours, theirs)
		}
	}
}

// TestRealClock compares a line stamped by the clock with slog's, after the
// time field, and the time field's shape.
func TestRealClock(t *testing.T) {
	var ours, theirs bytes.Buffer
	New(&ours, LevelInfo).Info("m", "k", "v")
	slog.New(slog.NewTextHandler(&theirs, nil)).Info("m", "k", "v")
	o, s := ours.String(), theirs.String()
	if len(o) < 30 || len(s) < 30 || o[:5] != "time=" || o[29:] != s[29:] {
		t.Fatalf("ours %q, slog %q", o, s)
	}
	if _, err := time.Parse(time.RFC3339, o[5:29]); err != nil {
		t.Errorf("time field %q: %v", o[5:29], err)
	}
}

func TestDiscard(t *testing.T) {
	var nilLogger *Logger
	for _, l := range []*Logger{Discard(), nilLogger, Discard().With("a", 1)} {
		l.Error("e", "k", 1)
		l.With("x", 2).Info("i")
		l.StdLogger(LevelError).Print("p")
		if l.Enabled(LevelError) {
			t.Errorf("%v enabled", l)
		}
	}
}

// lineChecker fails when a Write holds anything but one whole line.
type lineChecker struct {
	t     *testing.T
	mu    sync.Mutex
	lines int
}

func (c *lineChecker) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if bytes.IndexByte(p, '\n') != len(p)-1 {
		c.t.Errorf("write of %q is not one line", p)
	}
	c.lines++
	return len(p), nil
}

func TestConcurrentOneWritePerLine(t *testing.T) {
	c := &lineChecker{t: t}
	l := New(c, LevelInfo).With("conn", 1)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				l.Info("event", "g", g, "i", i, "text", strings.Repeat("x", i*10))
			}
		}()
	}
	wg.Wait()
	if c.lines != 1600 {
		t.Errorf("%d lines, want 1600", c.lines)
	}
}

func TestAllocs(t *testing.T) {
	l := New(io.Discard, LevelInfo).With("conn", 7)
	err := errors.New("x")
	if n := testing.AllocsPerRun(100, func() { l.Debug("rtmp: command", "name", "play", "txid", 3, "err", err) }); n != 0 {
		t.Errorf("disabled level: %v allocs, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { l.Info("rtmp publish", "stream", "/live/a", "n", 3, "ok", true) }); n != 0 {
		t.Errorf("enabled line: %v allocs, want 0", n)
	}
}

func BenchmarkDisabled(b *testing.B) {
	l := New(io.Discard, LevelInfo)
	b.ReportAllocs()
	for range b.N {
		l.Debug("rtmp: command", "name", "play", "txid", 3)
	}
}

func BenchmarkInfo(b *testing.B) {
	l := New(io.Discard, LevelInfo).With("conn", 7, "remote", "10.0.0.1:5000")
	b.ReportAllocs()
	for range b.N {
		l.Info("http play stop", "stream", "/live/a", "bytes", 123456, "duration", 1500*time.Millisecond)
	}
}

func BenchmarkSlogInfo(b *testing.B) {
	l := slog.New(slog.NewTextHandler(io.Discard, nil)).With("conn", 7, "remote", "10.0.0.1:5000")
	b.ReportAllocs()
	for range b.N {
		l.Info("http play stop", "stream", "/live/a", "bytes", 123456, "duration", 1500*time.Millisecond)
	}
}

// FuzzText compares arbitrary messages, keys and values, as strings and as
// byte slices, with slog's output.
func FuzzText(f *testing.F) {
	for _, s := range strs {
		f.Add(s, s, s)
	}
	f.Fuzz(func(t *testing.T, msg, key, val string) {
		l, ours, sl, theirs := newPair(LevelInfo)
		l.Info(msg, key, val, "b", []byte(val), val, key)
		sl.Info(msg, key, val, "b", []byte(val), val, key)
		odd := []any{val} // a value without a key: !BADKEY
		l.With(key, val).Warn(msg, odd...)
		sl.With(key, val).Warn(msg, odd...)
		if ours.String() != theirs.String() {
			t.Fatalf("msg %q key %q val %q:\nours:   %s\ntheirs: %s", msg, key, val, ours, theirs)
		}
		if n := strings.Count(ours.String(), "\n"); n != 2 {
			t.Fatalf("%d newlines in %q, want 2: a string broke the line", n, ours)
		}
	})
}
