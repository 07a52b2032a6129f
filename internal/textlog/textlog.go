// Package textlog writes the servers' log lines (live, httpd, api, main,
// and rtmp's optional debug detail) in log/slog's text format, byte for
// byte what slog.NewTextHandler writes:
//
//	time=2026-11-30T20:47:35.262Z level=INFO msg="rtmp publish" stream=/live/a
//
// It covers the subset picosrs uses: a Logger with Debug, Info, Warn and
// Error(msg, key, value, ...), With(key, value, ...) for attributes every
// line of a connection carries, a minimum level, and StdLogger for
// http.Server's ErrorLog. Importing log/slog at all links its default
// handler and through it encoding/json: the binary was 266 KB larger on amd64;
// this package is a few KB. The tests and FuzzText compare its output with
// slog's.
//
// It sits beside the servers, at the end of every event: a disabled level
// costs one comparison and formats nothing; an enabled line is built in a
// pooled buffer and written with one Write call under the output's mutex,
// so lines from concurrent goroutines never interleave.
package textlog

import (
	"encoding"
	"fmt"
	"io"
	"log"
	"reflect"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Level is a line's importance; the values are slog's.
type Level int

const (
	LevelDebug Level = -4
	LevelInfo  Level = 0
	LevelWarn  Level = 4
	LevelError Level = 8
)

// String returns the level's name as slog writes it: DEBUG, INFO, WARN,
// ERROR, or the nearest one below with an offset (INFO+2).
func (l Level) String() string {
	name := func(base string, off Level) string {
		if off == 0 {
			return base
		}
		s := strconv.Itoa(int(off))
		if off > 0 {
			s = "+" + s
		}
		return base + s
	}
	switch {
	case l < LevelInfo:
		return name("DEBUG", l-LevelDebug)
	case l < LevelWarn:
		return name("INFO", l-LevelInfo)
	case l < LevelError:
		return name("WARN", l-LevelWarn)
	default:
		return name("ERROR", l-LevelError)
	}
}

// badKey is the key slog gives a value without one.
const badKey = "!BADKEY"

// output is where a Logger and all the Loggers derived from it by With
// write.
type output struct {
	mu    sync.Mutex
	w     io.Writer
	level Level
	now   func() time.Time // time.Now; tests fix it
}

// Logger writes lines at or above its output's level. A nil Logger and
// Discard() write nothing. A Logger is safe for concurrent use.
type Logger struct {
	out   *output // nil: discard
	attrs []byte  // With's attributes, formatted, each after a space
}

var discard Logger

// Discard returns a Logger that writes nothing.
func Discard() *Logger { return &discard }

// New returns a Logger writing lines at level and above to w, each with one
// w.Write call.
func New(w io.Writer, level Level) *Logger {
	return &Logger{out: &output{w: w, level: level, now: time.Now}}
}

// Enabled reports whether a line at level would be written.
func (l *Logger) Enabled(level Level) bool {
	return l != nil && l.out != nil && level >= l.out.level
}

// Debug writes msg and the key-value pairs in args at LevelDebug.
func (l *Logger) Debug(msg string, args ...any) {
	if l.Enabled(LevelDebug) {
		l.write(LevelDebug, msg, args)
	}
}

// Info writes msg and the key-value pairs in args at LevelInfo.
func (l *Logger) Info(msg string, args ...any) {
	if l.Enabled(LevelInfo) {
		l.write(LevelInfo, msg, args)
	}
}

// Warn writes msg and the key-value pairs in args at LevelWarn.
func (l *Logger) Warn(msg string, args ...any) {
	if l.Enabled(LevelWarn) {
		l.write(LevelWarn, msg, args)
	}
}

// Error writes msg and the key-value pairs in args at LevelError.
func (l *Logger) Error(msg string, args ...any) {
	if l.Enabled(LevelError) {
		l.write(LevelError, msg, args)
	}
}

// With returns a Logger whose lines carry the key-value pairs in args after
// the message, before each call's own. They are formatted now, once.
func (l *Logger) With(args ...any) *Logger {
	if len(args) == 0 || l == nil || l.out == nil {
		return l
	}
	attrs := appendArgs(append([]byte(nil), l.attrs...), args)
	return &Logger{out: l.out, attrs: attrs}
}

// StdLogger returns a *log.Logger (for http.Server's ErrorLog) each of whose
// lines becomes one line of l at level, its text the message, as
// slog.NewLogLogger does.
func (l *Logger) StdLogger(level Level) *log.Logger {
	return log.New(lineWriter{l, level}, "", 0)
}

type lineWriter struct {
	l     *Logger
	level Level
}

func (w lineWriter) Write(p []byte) (int, error) {
	if !w.l.Enabled(w.level) {
		return 0, nil
	}
	n := len(p)
	if n > 0 && p[n-1] == '\n' {
		p = p[:n-1]
	}
	w.l.write(w.level, string(p), nil)
	return n, nil
}

// maxPooled bounds the buffers kept for reuse: a rare huge line does not
// pin its buffer.
const maxPooled = 16 << 10

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func (l *Logger) write(level Level, msg string, args []any) {
	bp := bufPool.Get().(*[]byte)
	b := append((*bp)[:0], "time="...)
	b = appendTime(b, l.out.now().Round(0))
	b = append(b, " level="...)
	b = append(b, level.String()...)
	b = append(b, " msg="...)
	b = appendString(b, msg)
	b = append(b, l.attrs...)
	b = appendArgs(b, args)
	b = append(b, '\n')
	l.out.mu.Lock()
	l.out.w.Write(b)
	l.out.mu.Unlock()
	if cap(b) <= maxPooled {
		*bp = b
		bufPool.Put(bp)
	}
}

// appendArgs appends " key=value" for each pair in args, as slog pairs
// them: a string is a key and takes the next argument as its value (or,
// last, is itself the value of !BADKEY); anything else is a value of
// !BADKEY. A pair with an empty key and a nil value is left out.
func appendArgs(b []byte, args []any) []byte {
	for len(args) > 0 {
		key, val := badKey, args[0]
		if k, ok := args[0].(string); ok && len(args) > 1 {
			key, val = k, args[1]
			args = args[2:]
		} else {
			args = args[1:]
		}
		if key == "" && val == nil {
			continue
		}
		b = append(b, ' ')
		b = appendString(b, key)
		b = append(b, '=')
		b = appendValue(b, val)
	}
	return b
}

// appendValue appends v as slog's text handler does for slog.AnyValue(v).
func appendValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendString(b, v)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case int8:
		return strconv.AppendInt(b, int64(v), 10)
	case int16:
		return strconv.AppendInt(b, int64(v), 10)
	case int32:
		return strconv.AppendInt(b, int64(v), 10)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case uint:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint8:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10)
	case uint64:
		return strconv.AppendUint(b, v, 10)
	case uintptr:
		return strconv.AppendUint(b, uint64(v), 10)
	case bool:
		return strconv.AppendBool(b, v)
	case float64:
		return strconv.AppendFloat(b, v, 'g', -1, 64)
	case float32:
		return strconv.AppendFloat(b, float64(v), 'g', -1, 64)
	case time.Duration:
		return append(b, v.String()...)
	case time.Time:
		return appendTime(b, v.Round(0))
	}
	return appendAny(b, v)
}

// appendAny appends any other value: its MarshalText if it has one, a byte
// slice quoted, else fmt's %+v (an error's Error, a Stringer's String).
// A panic in MarshalText writes <nil> for a nil pointer, !PANIC otherwise.
func appendAny(b []byte, v any) (out []byte) {
	defer func() {
		if r := recover(); r != nil {
			if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
				out = appendString(b, "<nil>")
				return
			}
			out = appendString(b, fmt.Sprintf("!PANIC: %v", r))
		}
	}()
	if tm, ok := v.(encoding.TextMarshaler); ok {
		data, err := tm.MarshalText()
		if err != nil {
			return appendString(b, fmt.Sprintf("!ERROR:%v", err))
		}
		return appendString(b, string(data))
	}
	if bs, ok := v.([]byte); ok {
		return strconv.AppendQuote(b, string(bs))
	}
	if t := reflect.TypeOf(v); t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
		return strconv.AppendQuote(b, string(reflect.ValueOf(v).Bytes()))
	}
	return appendString(b, fmt.Sprintf("%+v", v))
}

// appendTime appends t as RFC 3339 with exactly three digits of
// milliseconds, truncated, as slog does.
func appendTime(b []byte, t time.Time) []byte {
	const prefixLen = len("2006-01-02T15:04:05.000")
	n := len(b)
	// RFC3339Nano trims trailing zeros: adding a tenth of a millisecond
	// keeps four digits, and the fourth is dropped.
	t = t.Truncate(time.Millisecond).Add(time.Millisecond / 10)
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b[:n+prefixLen], b[n+prefixLen+1:]...)
}

// appendString appends s, quoted with strconv.Quote when needsQuoting.
func appendString(b []byte, s string) []byte {
	if needsQuoting(s) {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// needsQuoting is slog's rule: an empty string, or one holding a space,
// '=', '"', a byte JSON would escape (other than '\\'), a Unicode space,
// a non-printing rune or invalid UTF-8.
func needsQuoting(s string) bool {
	if len(s) == 0 {
		return true
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			// Control bytes and '"' need quoting, DEL does not; '\\'
			// alone does not either (slog's JSON-safe set, less '\\').
			if c < 0x20 || c == ' ' || c == '=' || c == '"' {
				return true
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return true
		}
		i += size
	}
	return false
}
