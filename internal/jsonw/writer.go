// Package jsonw writes JSON documents (RFC 8259) by explicit calls, for the
// answers picosrs serves (SRS's HTTP API in api/, the player's stream list
// in httpd/). encoding/json's encoder works by reflection and costs about
// 60 KB of binary; here each answer's type writes its own fields in order,
// and the output is byte for byte what encoding/json's Marshal writes for
// the same struct: strings escaped as its default (HTML-safe) escaping,
// floats formatted as its float64 encoder. The API's tests and FuzzString
// compare the two.
//
// It sits at the end of the API's flow, after the answer is built; nothing
// here is on the media path.
package jsonw

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// Writer appends one JSON document to a byte slice. The zero Writer is
// ready to use. Callers keep the nesting right (Key before each member of an
// object, Object/EndObject and Array/EndArray in pairs); Writer adds the
// commas.
type Writer struct {
	buf   []byte
	comma bool // a value was completed at this level: the next one needs a ','
}

// Bytes returns the document written so far.
func (w *Writer) Bytes() []byte { return w.buf }

// Reset empties the Writer, keeping its buffer.
func (w *Writer) Reset() { w.buf, w.comma = w.buf[:0], false }

// sep starts a value or a member: a ',' after a previous one.
func (w *Writer) sep() {
	if w.comma {
		w.buf = append(w.buf, ',')
	}
}

// Key starts the member name of an object; the next call writes its value.
func (w *Writer) Key(name string) *Writer {
	w.sep()
	w.buf = appendString(w.buf, name)
	w.buf = append(w.buf, ':')
	w.comma = false
	return w
}

// Object opens an object.
func (w *Writer) Object() {
	w.sep()
	w.buf = append(w.buf, '{')
	w.comma = false
}

// EndObject closes an object.
func (w *Writer) EndObject() {
	w.buf = append(w.buf, '}')
	w.comma = true
}

// Array opens an array.
func (w *Writer) Array() {
	w.sep()
	w.buf = append(w.buf, '[')
	w.comma = false
}

// EndArray closes an array.
func (w *Writer) EndArray() {
	w.buf = append(w.buf, ']')
	w.comma = true
}

// Str writes a string, escaped as encoding/json does by default.
func (w *Writer) Str(s string) {
	w.sep()
	w.buf = appendString(w.buf, s)
	w.comma = true
}

// Int writes an integer.
func (w *Writer) Int(v int) { w.Int64(int64(v)) }

// Int64 writes an integer.
func (w *Writer) Int64(v int64) {
	w.sep()
	w.buf = strconv.AppendInt(w.buf, v, 10)
	w.comma = true
}

// Uint64 writes an unsigned integer.
func (w *Writer) Uint64(v uint64) {
	w.sep()
	w.buf = strconv.AppendUint(w.buf, v, 10)
	w.comma = true
}

// Strings writes a list of strings, and null for a nil list, as
// encoding/json does (an empty, non-nil list is []).
func (w *Writer) Strings(list []string) {
	if list == nil {
		w.Null()
		return
	}
	w.Array()
	for _, s := range list {
		w.Str(s)
	}
	w.EndArray()
}

// Bool writes true or false.
func (w *Writer) Bool(v bool) {
	w.sep()
	w.buf = strconv.AppendBool(w.buf, v)
	w.comma = true
}

// Null writes null.
func (w *Writer) Null() {
	w.sep()
	w.buf = append(w.buf, "null"...)
	w.comma = true
}

// Float writes a float64 as encoding/json does: the shortest decimal that
// reads back the same, in 'f' form, or 'e' form below 1e-6 and from 1e21
// up, with a one-digit negative exponent written as e-7, not e-07. JSON has
// no spelling for NaN and the infinities; encoding/json fails the whole
// document on them; Writer writes null, as JavaScript's JSON.stringify does,
// so one odd figure never costs the rest of an answer.
func (w *Writer) Float(f float64) {
	w.sep()
	w.comma = true
	if math.IsNaN(f) || math.IsInf(f, 0) {
		w.buf = append(w.buf, "null"...)
		return
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	w.buf = strconv.AppendFloat(w.buf, f, format, -1, 64)
	if format == 'e' {
		// e-09 to e-9
		if n := len(w.buf); n >= 4 && w.buf[n-4] == 'e' && w.buf[n-3] == '-' && w.buf[n-2] == '0' {
			w.buf[n-2] = w.buf[n-1]
			w.buf = w.buf[:n-1]
		}
	}
}

const hex = "0123456789abcdef"

// appendString appends s quoted as encoding/json's default does: '"' and
// '\\' and the control characters escaped (\b \f \n \r \t, the others as
// \u00XX), '<', '>' and '&' as \u003c \u003e \u0026 so the answer is safe
// inside HTML and JSONP, U+2028 and U+2029 as \u2028 \u2029 (line ends to
// JavaScript), and each byte of invalid UTF-8 as \ufffd. Names of streams,
// vhosts and URLs come from the network: this is what keeps them inside
// their string.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
