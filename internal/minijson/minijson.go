// Package minijson parses a JSON document (RFC 8259) into a tree of values,
// for the few small answers picosrs reads from other servers (an origin
// cluster's /api/v1/clusters). encoding/json's decoder works by reflection
// and costs 130 KB of binary on MIPS, a third of what a feature may add on
// a router; this is a plain recursive parser with a depth limit, whose
// memory follows the input's size. It accepts exactly what encoding/json
// accepts and decodes strings as it does (invalid UTF-8 and lone surrogates
// become U+FFFD); FuzzParse checks both against encoding/json.
package minijson

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and objects.
const MaxDepth = 64

// Errors of Parse.
var (
	ErrSyntax   = errors.New("minijson: syntax error")
	ErrTooDeep  = errors.New("minijson: nested too deep")
	ErrNumRange = errors.New("minijson: number out of range")
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of JSON values.
const (
	Null Kind = iota
	Bool
	Number
	String
	Array
	Object
)

// Value is one JSON value. Only the fields of its Kind are set.
type Value struct {
	Kind    Kind
	Bool    bool
	Num     float64
	Str     string
	Elems   []Value  // Array
	Members []Member // Object, in document order
}

// Member is one name/value pair of an object.
type Member struct {
	Name  string
	Value Value
}

// Get returns the member name of an object (the last one, when a name
// repeats, as encoding/json does); false for a missing name or a value
// that is not an object.
func (v Value) Get(name string) (Value, bool) {
	if v.Kind != Object {
		return Value{}, false
	}
	for i := len(v.Members) - 1; i >= 0; i-- {
		if v.Members[i].Name == name {
			return v.Members[i].Value, true
		}
	}
	return Value{}, false
}

// Int returns a number that is an integer within [min, max].
func (v Value) Int(min, max int) (int, bool) {
	if v.Kind != Number || v.Num < float64(min) || v.Num > float64(max) || v.Num != math.Trunc(v.Num) {
		return 0, false
	}
	return int(v.Num), true
}

// Parse parses b, a whole JSON document.
func Parse(b []byte) (Value, error) {
	p := parser{b: b}
	p.space()
	v, err := p.value(0)
	if err != nil {
		return Value{}, err
	}
	p.space()
	if p.i != len(p.b) {
		return Value{}, p.fail("after the top-level value")
	}
	return v, nil
}

type parser struct {
	b []byte
	i int
}

func (p *parser) fail(what string) error {
	return fmt.Errorf("%w at offset %d: %s", ErrSyntax, p.i, what)
}

func (p *parser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *parser) value(depth int) (Value, error) {
	if p.i >= len(p.b) {
		return Value{}, p.fail("unexpected end")
	}
	switch c := p.b[p.i]; {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			return Value{}, ErrTooDeep
		}
		if c == '{' {
			return p.object(depth + 1)
		}
		return p.array(depth + 1)
	case c == '"':
		s, err := p.str()
		return Value{Kind: String, Str: s}, err
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	for _, lit := range []struct {
		text string
		v    Value
	}{{"true", Value{Kind: Bool, Bool: true}}, {"false", Value{Kind: Bool}}, {"null", Value{}}} {
		if len(p.b)-p.i >= len(lit.text) && string(p.b[p.i:p.i+len(lit.text)]) == lit.text {
			p.i += len(lit.text)
			return lit.v, nil
		}
	}
	return Value{}, p.fail("no value")
}

func (p *parser) object(depth int) (Value, error) {
	v := Value{Kind: Object}
	p.i++ // {
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return v, nil
	}
	for {
		if p.i >= len(p.b) || p.b[p.i] != '"' {
			return Value{}, p.fail("want a member name")
		}
		name, err := p.str()
		if err != nil {
			return Value{}, err
		}
		p.space()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return Value{}, p.fail("want ':'")
		}
		p.i++
		p.space()
		m, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		v.Members = append(v.Members, Member{name, m})
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			p.space()
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == '}' {
			p.i++
			return v, nil
		}
		return Value{}, p.fail("want ',' or '}'")
	}
}

func (p *parser) array(depth int) (Value, error) {
	v := Value{Kind: Array}
	p.i++ // [
	p.space()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return v, nil
	}
	for {
		e, err := p.value(depth)
		if err != nil {
			return Value{}, err
		}
		v.Elems = append(v.Elems, e)
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ',' {
			p.i++
			p.space()
			continue
		}
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return v, nil
		}
		return Value{}, p.fail("want ',' or ']'")
	}
}

// number reads -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?.
func (p *parser) number() (Value, error) {
	start := p.i
	digits := func() int {
		n := 0
		for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.b[p.i] == '-' {
		p.i++
	}
	if p.i < len(p.b) && p.b[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return Value{}, p.fail("bad number")
	}
	if p.i < len(p.b) && p.b[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return Value{}, p.fail("bad fraction")
		}
	}
	if p.i < len(p.b) && (p.b[p.i] == 'e' || p.b[p.i] == 'E') {
		p.i++
		if p.i < len(p.b) && (p.b[p.i] == '+' || p.b[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return Value{}, p.fail("bad exponent")
		}
	}
	f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	if err != nil {
		return Value{}, fmt.Errorf("%w: %s", ErrNumRange, p.b[start:p.i])
	}
	return Value{Kind: Number, Num: f}, nil
}

// str reads a string, decoding escapes; invalid UTF-8 and lone surrogates
// become U+FFFD, as encoding/json does.
func (p *parser) str() (string, error) {
	p.i++ // "
	var out []byte
	for {
		if p.i >= len(p.b) {
			return "", p.fail("unterminated string")
		}
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			return string(out), nil
		case c < 0x20:
			return "", p.fail("control character in string")
		case c == '\\':
			if p.i+1 >= len(p.b) {
				return "", p.fail("unterminated escape")
			}
			e := p.b[p.i+1]
			p.i += 2
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
				r, ok := p.hex4(p.i)
				if !ok {
					return "", p.fail("bad \\u escape")
				}
				p.i += 4
				if utf16.IsSurrogate(r) {
					r2, ok := rune(-1), false
					if p.i+1 < len(p.b) && p.b[p.i] == '\\' && p.b[p.i+1] == 'u' {
						r2, ok = p.hex4(p.i + 2)
					}
					if dec := utf16.DecodeRune(r, r2); ok && dec != unicode.ReplacementChar {
						p.i += 6
						r = dec
					} else {
						r = unicode.ReplacementChar
					}
				}
				out = utf8.AppendRune(out, r)
			default:
				return "", p.fail("bad escape")
			}
		case c < utf8.RuneSelf:
			out = append(out, c)
			p.i++
		default:
			r, n := utf8.DecodeRune(p.b[p.i:])
			if r == utf8.RuneError && n == 1 {
				out = utf8.AppendRune(out, unicode.ReplacementChar)
			} else {
				out = append(out, p.b[p.i:p.i+n]...)
			}
			p.i += n
		}
	}
}

// hex4 reads the 4 hex digits at i.
func (p *parser) hex4(i int) (rune, bool) {
	if i+4 > len(p.b) {
		return 0, false
	}
	var r rune
	for _, c := range p.b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
