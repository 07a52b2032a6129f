package access

import (
	"unicode/utf8"
)

// The little JSON the hooks need, by hand: encoding/json's decoder (and the
// reflection it brings) would add more to the binary than all of package
// access. RFC 8259 is the grammar; FuzzVerdict checks the reader against
// encoding/json.

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD, the rest
// (HTML characters included) as it is.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// maxJSONDepth bounds the nesting a hook's answer may have.
const maxJSONDepth = 1000

// jsonReader checks one JSON text; pos moves as it reads.
type jsonReader struct {
	b   []byte
	pos int
}

func (r *jsonReader) ws() {
	for r.pos < len(r.b) {
		switch r.b[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

// codeIsZero reports whether b is one valid JSON object whose member
// "code" (the last, if it repeats, as encoding/json reads it) is a number
// written as an integer equal to 0 ("0" or "-0"; not 0.0 or 0e0).
func codeIsZero(b []byte) bool {
	r := &jsonReader{b: b}
	r.ws()
	if r.pos >= len(b) || b[r.pos] != '{' {
		return false
	}
	zero := false
	ok := r.object(1, func(key []byte, val []byte) {
		if string(key) == "code" {
			zero = string(val) == "0" || string(val) == "-0"
		}
	})
	if !ok {
		return false
	}
	r.ws()
	return r.pos == len(b) && zero
}

// value reads one value at depth.
func (r *jsonReader) value(depth int) bool {
	if depth > maxJSONDepth || r.pos >= len(r.b) {
		return false
	}
	switch c := r.b[r.pos]; {
	case c == '{':
		return r.object(depth+1, nil)
	case c == '[':
		return r.array(depth + 1)
	case c == '"':
		_, ok := r.str()
		return ok
	case c == '-' || c >= '0' && c <= '9':
		return r.number()
	}
	for _, lit := range []string{"true", "false", "null"} {
		if len(r.b)-r.pos >= len(lit) && string(r.b[r.pos:r.pos+len(lit)]) == lit {
			r.pos += len(lit)
			return true
		}
	}
	return false
}

// object reads {...} at r.pos; member, when not nil, gets each top-level
// key (unescaped) and the raw text of each value.
func (r *jsonReader) object(depth int, member func(key, val []byte)) bool {
	if depth > maxJSONDepth {
		return false
	}
	r.pos++ // '{'
	r.ws()
	if r.pos < len(r.b) && r.b[r.pos] == '}' {
		r.pos++
		return true
	}
	for {
		r.ws()
		if r.pos >= len(r.b) || r.b[r.pos] != '"' {
			return false
		}
		key, ok := r.str()
		if !ok {
			return false
		}
		r.ws()
		if r.pos >= len(r.b) || r.b[r.pos] != ':' {
			return false
		}
		r.pos++
		r.ws()
		start := r.pos
		if !r.value(depth) {
			return false
		}
		if member != nil {
			member(key, r.b[start:r.pos])
		}
		r.ws()
		if r.pos >= len(r.b) {
			return false
		}
		switch r.b[r.pos] {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return true
		default:
			return false
		}
	}
}

func (r *jsonReader) array(depth int) bool {
	r.pos++ // '['
	r.ws()
	if r.pos < len(r.b) && r.b[r.pos] == ']' {
		r.pos++
		return true
	}
	for {
		r.ws()
		if !r.value(depth) {
			return false
		}
		r.ws()
		if r.pos >= len(r.b) {
			return false
		}
		switch r.b[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return true
		default:
			return false
		}
	}
}

// str reads a string at r.pos (its opening quote) and returns its value,
// unescaped as far as telling keys apart needs: escapes of ASCII characters
// decoded, others kept as U+FFFD (no key that matters holds them).
func (r *jsonReader) str() ([]byte, bool) {
	r.pos++ // '"'
	var out []byte
	for r.pos < len(r.b) {
		c := r.b[r.pos]
		switch {
		case c == '"':
			r.pos++
			return out, true
		case c < 0x20:
			return nil, false
		case c != '\\':
			out = append(out, c)
			r.pos++
			continue
		}
		// An escape.
		if r.pos+1 >= len(r.b) {
			return nil, false
		}
		e := r.b[r.pos+1]
		r.pos += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			if len(r.b)-r.pos < 4 {
				return nil, false
			}
			v := 0
			for _, h := range r.b[r.pos : r.pos+4] {
				switch {
				case h >= '0' && h <= '9':
					v = v<<4 | int(h-'0')
				case h >= 'a' && h <= 'f':
					v = v<<4 | int(h-'a'+10)
				case h >= 'A' && h <= 'F':
					v = v<<4 | int(h-'A'+10)
				default:
					return nil, false
				}
			}
			r.pos += 4
			if v < utf8.RuneSelf {
				out = append(out, byte(v))
			} else {
				out = append(out, "\ufffd"...)
			}
		default:
			return nil, false
		}
	}
	return nil, false
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *jsonReader) number() bool {
	b := r.b
	if b[r.pos] == '-' {
		r.pos++
	}
	digits := func() int {
		n := 0
		for r.pos < len(b) && b[r.pos] >= '0' && b[r.pos] <= '9' {
			r.pos++
			n++
		}
		return n
	}
	if r.pos >= len(b) {
		return false
	}
	if b[r.pos] == '0' {
		r.pos++
	} else if digits() == 0 {
		return false
	}
	if r.pos < len(b) && b[r.pos] == '.' {
		r.pos++
		if digits() == 0 {
			return false
		}
	}
	if r.pos < len(b) && (b[r.pos] == 'e' || b[r.pos] == 'E') {
		r.pos++
		if r.pos < len(b) && (b[r.pos] == '+' || b[r.pos] == '-') {
			r.pos++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}
