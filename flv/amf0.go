package flv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// AMF0 codec.
// Specification: Action Message Format -- AMF 0 (amf0-file-format-specification), section 2.
//
// Values map to Go types as follows:
//
//	number        float64
//	boolean       bool
//	string        string (long strings too)
//	object        Object (ordered key/value entries)
//	null          nil
//	undefined     Undefined{}
//	ECMA array    ECMAArray (ordered key/value entries)
//	strict array  StrictArray
//	date          Date
//	XML document  string
//
// Decoding never panics, checks bounds before every read, bounds nesting
// depth, and allocates memory in proportion to the bytes present, never to a
// count read from the wire: at most 16 bytes per input byte plus size-class
// rounding (see amf0Skip). It returns whole values or an error, never a
// partial result. Decoded strings are copies; decoded values do not alias the
// input buffer.

// AMF0 type markers. Specification: AMF0 section 2.1.
const (
	amf0Number      = 0x00
	amf0Boolean     = 0x01
	amf0String      = 0x02
	amf0Object      = 0x03
	amf0MovieClip   = 0x04
	amf0Null        = 0x05
	amf0Undefined   = 0x06
	amf0Reference   = 0x07
	amf0ECMAArray   = 0x08
	amf0ObjectEnd   = 0x09
	amf0StrictArray = 0x0a
	amf0Date        = 0x0b
	amf0LongString  = 0x0c
	amf0Unsupported = 0x0d
	amf0XMLDocument = 0x0f
	amf0TypedObject = 0x10
)

// AMF0MaxDepth bounds the nesting of objects and arrays the decoder (and the
// encoder) accepts. Real payloads nest far less: a connect command object
// holds at most an object or array (depth 2), an onMetaData with per-track
// info about 5. Decoding time grows with the depth (each level is checked
// before it is allocated, see amf0Skip), hence a limit close to need.
const AMF0MaxDepth = 16

// AMF0 errors. Callers branch with errors.Is.
var (
	ErrAMF0Short       = errors.New("flv: amf0: short buffer")
	ErrAMF0Marker      = errors.New("flv: amf0: unsupported marker")
	ErrAMF0Depth       = errors.New("flv: amf0: nesting too deep")
	ErrAMF0Type        = errors.New("flv: amf0: cannot encode Go type")
	ErrAMF0StringRange = errors.New("flv: amf0: string too long")
)

// ObjectEntry is one key/value pair of an AMF0 object or ECMA array.
type ObjectEntry struct {
	Key   string
	Value any
}

// Object is an AMF0 anonymous object (AMF0 section 2.5). Key order is kept.
type Object []ObjectEntry

// ECMAArray is an AMF0 ECMA array (AMF0 section 2.10): an associative array,
// as used by onMetaData. Key order is kept.
type ECMAArray []ObjectEntry

// StrictArray is an AMF0 strict array (AMF0 section 2.12).
type StrictArray []any

// Undefined is the AMF0 undefined value (AMF0 section 2.8).
type Undefined struct{}

// Date is an AMF0 date (AMF0 section 2.13): milliseconds since the Unix epoch
// (UTC) and a time zone offset in minutes, which the specification says to
// write as 0.
type Date struct {
	Millis   float64
	TimeZone int16
}

func entriesGet(e []ObjectEntry, key string) (any, bool) {
	for i := range e {
		if e[i].Key == key {
			return e[i].Value, true
		}
	}
	return nil, false
}

// Get returns the value of the first entry named key.
func (o Object) Get(key string) (any, bool) { return entriesGet(o, key) }

// GetString returns the string value of key, if present and a string.
func (o Object) GetString(key string) (string, bool) {
	v, _ := entriesGet(o, key)
	s, ok := v.(string)
	return s, ok
}

// GetFloat64 returns the number value of key, if present and a number.
func (o Object) GetFloat64(key string) (float64, bool) {
	v, _ := entriesGet(o, key)
	f, ok := v.(float64)
	return f, ok
}

// GetObject returns the object value of key, if present and an object.
func (o Object) GetObject(key string) (Object, bool) {
	v, _ := entriesGet(o, key)
	x, ok := v.(Object)
	return x, ok
}

// Get returns the value of the first entry named key.
func (a ECMAArray) Get(key string) (any, bool) { return entriesGet(a, key) }

// GetString returns the string value of key, if present and a string.
func (a ECMAArray) GetString(key string) (string, bool) {
	v, _ := entriesGet(a, key)
	s, ok := v.(string)
	return s, ok
}

// GetFloat64 returns the number value of key, if present and a number.
func (a ECMAArray) GetFloat64(key string) (float64, bool) {
	v, _ := entriesGet(a, key)
	f, ok := v.(float64)
	return f, ok
}

// UnmarshalAMF0 decodes every AMF0 value in b. The values do not alias b.
// It returns either every value or an error, never a partial list.
func UnmarshalAMF0(b []byte) ([]any, error) {
	// Count the values first (no allocation), so that the slice is
	// allocated once, at its size, and only for input that decodes.
	n := 0
	for rest := b; len(rest) > 0; n++ {
		var err error
		if rest, err = amf0Skip(rest, 0); err != nil {
			return nil, amf0SkipErr(rest, err)
		}
	}
	if n == 0 {
		return nil, nil
	}
	vals := make([]any, n)
	for i := range vals {
		v, rest, err := amf0Decode(b, 0)
		if err != nil {
			return nil, err
		}
		vals[i] = v
		b = rest
	}
	return vals, nil
}

// UnmarshalAMF0Value decodes the first AMF0 value in b and returns it with
// the bytes that follow it. The value does not alias b; rest does. On error
// the value is nil.
func UnmarshalAMF0Value(b []byte) (v any, rest []byte, err error) {
	return amf0Decode(b, 0)
}

// Memory. The decoder allocates nothing for a value before it has checked,
// with amf0Skip (which allocates nothing), that the whole value is present
// and well formed; then it allocates each slice once, at its exact length.
// So a declared count never reserves memory that the input does not fill,
// and invalid input costs no more than the values decoded before it. Every
// decoded value starts with at least one byte of its own (its marker), and
// its slot in the enclosing slice costs 16 bytes (an interface) or, as an
// object entry, 32 bytes for at least 3 bytes (key length, marker); a
// boxed number, date or string header costs at most 16 bytes more for at
// least 3 bytes of input, and string contents are copied byte for byte.
// The worst case is a strict array of nulls, 16 bytes per input byte, plus
// the allocator's size-class rounding (at most 1/5 more). The cost is time:
// each level of nesting is scanned once more, so decoding is
// O(AMF0MaxDepth * len(b)).

// amf0SkipErr adds the offending marker to an unsupported-marker error
// from amf0Skip, which leaves rest at that marker.
func amf0SkipErr(rest []byte, err error) error {
	if err == ErrAMF0Marker && len(rest) > 0 {
		return fmt.Errorf("%w 0x%02x", ErrAMF0Marker, rest[0])
	}
	return err
}

// amf0Skip returns b after the AMF0 value at its start, checking it as
// amf0Decode does but allocating nothing, whatever the input; its errors are
// the bare sentinels. depth is the nesting level of the value. On an
// unsupported marker rest starts at that marker.
func amf0Skip(b []byte, depth int) (rest []byte, err error) {
	if len(b) < 1 {
		return b, ErrAMF0Short
	}
	m := b[0]
	p := b[1:]
	switch m {
	case amf0Number:
		return amf0SkipN(p, 8)
	case amf0Boolean:
		return amf0SkipN(p, 1)
	case amf0String:
		if len(p) < 2 {
			return p, ErrAMF0Short
		}
		return amf0SkipN(p[2:], uint64(binary.BigEndian.Uint16(p)))
	case amf0LongString, amf0XMLDocument:
		if len(p) < 4 {
			return p, ErrAMF0Short
		}
		return amf0SkipN(p[4:], uint64(binary.BigEndian.Uint32(p)))
	case amf0Null, amf0Undefined:
		return p, nil
	case amf0Object:
		if depth >= AMF0MaxDepth {
			return p, ErrAMF0Depth
		}
		rest, _, err := amf0SkipEntries(p, depth+1, false)
		return rest, err
	case amf0ECMAArray:
		if depth >= AMF0MaxDepth {
			return p, ErrAMF0Depth
		}
		if len(p) < 4 {
			return p, ErrAMF0Short
		}
		rest, _, err := amf0SkipEntries(p[4:], depth+1, true)
		return rest, err
	case amf0StrictArray:
		if depth >= AMF0MaxDepth {
			return p, ErrAMF0Depth
		}
		if len(p) < 4 {
			return p, ErrAMF0Short
		}
		n := binary.BigEndian.Uint32(p)
		p = p[4:]
		if uint64(n) > uint64(len(p)) { // every value takes at least one byte
			return p, ErrAMF0Short
		}
		for ; n > 0; n-- {
			if p, err = amf0Skip(p, depth+1); err != nil {
				return p, err
			}
		}
		return p, nil
	case amf0Date:
		return amf0SkipN(p, 10)
	}
	return b, ErrAMF0Marker
}

func amf0SkipN(b []byte, n uint64) ([]byte, error) {
	if n > uint64(len(b)) {
		return b, ErrAMF0Short
	}
	return b[n:], nil
}

// amf0IsObjectEnd reports whether b starts with the object end: an empty
// key followed by marker 0x09 (AMF0 section 2.5).
func amf0IsObjectEnd(b []byte) bool {
	return len(b) >= 3 && b[0] == 0 && b[1] == 0 && b[2] == amf0ObjectEnd
}

// amf0SkipEntries skips object properties up to and including the object
// end and counts them, allocating nothing. lenientEnd accepts the end of b
// instead of the end marker (see amf0Entries).
func amf0SkipEntries(b []byte, depth int, lenientEnd bool) (rest []byte, n int, err error) {
	for {
		if lenientEnd && len(b) == 0 {
			return b, n, nil
		}
		if amf0IsObjectEnd(b) {
			return b[3:], n, nil
		}
		if len(b) < 2 {
			return b, n, ErrAMF0Short
		}
		if b, err = amf0SkipN(b[2:], uint64(binary.BigEndian.Uint16(b))); err != nil {
			return b, n, err
		}
		if b, err = amf0Skip(b, depth); err != nil {
			return b, n, err
		}
		n++
	}
}

func amf0Decode(b []byte, depth int) (any, []byte, error) {
	if len(b) < 1 {
		return nil, b, ErrAMF0Short
	}
	m := b[0]
	b = b[1:]
	switch m {
	case amf0Number:
		if len(b) < 8 {
			return nil, b, ErrAMF0Short
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), b[8:], nil
	case amf0Boolean:
		if len(b) < 1 {
			return nil, b, ErrAMF0Short
		}
		return b[0] != 0, b[1:], nil
	case amf0String:
		s, rest, err := amf0ShortString(b)
		if err != nil {
			return nil, rest, err
		}
		return s, rest, nil
	case amf0LongString, amf0XMLDocument:
		if len(b) < 4 {
			return nil, b, ErrAMF0Short
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return nil, b, ErrAMF0Short
		}
		return string(b[:n]), b[n:], nil
	case amf0Null:
		return nil, b, nil
	case amf0Undefined:
		return Undefined{}, b, nil
	case amf0Object:
		if depth >= AMF0MaxDepth {
			return nil, b, ErrAMF0Depth
		}
		e, rest, err := amf0Entries(b, depth+1, false)
		if err != nil {
			return nil, rest, err
		}
		return Object(e), rest, nil
	case amf0ECMAArray:
		if depth >= AMF0MaxDepth {
			return nil, b, ErrAMF0Depth
		}
		if len(b) < 4 {
			return nil, b, ErrAMF0Short
		}
		// The count is a hint only (AMF0 section 2.10); entries run to the
		// end marker. It is never used to size anything.
		e, rest, err := amf0Entries(b[4:], depth+1, true)
		if err != nil {
			return nil, rest, err
		}
		return ECMAArray(e), rest, nil
	case amf0StrictArray:
		if depth >= AMF0MaxDepth {
			return nil, b, ErrAMF0Depth
		}
		if len(b) < 4 {
			return nil, b, ErrAMF0Short
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) { // every value takes at least one byte
			return nil, b, ErrAMF0Short
		}
		// Check that the n values are there before allocating for them.
		p := b
		for i := n; i > 0; i-- {
			var err error
			if p, err = amf0Skip(p, depth+1); err != nil {
				return nil, p, amf0SkipErr(p, err)
			}
		}
		arr := make(StrictArray, n)
		for i := range arr {
			v, rest, err := amf0Decode(b, depth+1)
			if err != nil {
				return nil, rest, err
			}
			arr[i] = v
			b = rest
		}
		return arr, b, nil
	case amf0Date:
		if len(b) < 10 {
			return nil, b, ErrAMF0Short
		}
		d := Date{
			Millis:   math.Float64frombits(binary.BigEndian.Uint64(b)),
			TimeZone: int16(binary.BigEndian.Uint16(b[8:])),
		}
		return d, b[10:], nil
	}
	return nil, b, fmt.Errorf("%w 0x%02x", ErrAMF0Marker, m)
}

func amf0ShortString(b []byte) (string, []byte, error) {
	if len(b) < 2 {
		return "", b, ErrAMF0Short
	}
	n := int(binary.BigEndian.Uint16(b))
	b = b[2:]
	if n > len(b) {
		return "", b, ErrAMF0Short
	}
	return string(b[:n]), b[n:], nil
}

// amf0Entries decodes object properties up to the object end marker
// (AMF0 section 2.5: an empty key followed by marker 0x09). lenientEnd accepts
// an ECMA array that ends with the buffer and has no end marker, as some
// encoders write onMetaData. The entries are counted and checked first, so
// the slice is allocated once, at its length, and only for a valid object;
// it is never nil.
func amf0Entries(b []byte, depth int, lenientEnd bool) ([]ObjectEntry, []byte, error) {
	rest, n, err := amf0SkipEntries(b, depth, lenientEnd)
	if err != nil {
		return nil, rest, amf0SkipErr(rest, err)
	}
	e := make([]ObjectEntry, n)
	for i := range e {
		k, rest, err := amf0ShortString(b)
		if err != nil {
			return nil, rest, err
		}
		v, rest, err := amf0Decode(rest, depth)
		if err != nil {
			return nil, rest, err
		}
		e[i] = ObjectEntry{Key: k, Value: v}
		b = rest
	}
	if amf0IsObjectEnd(b) {
		b = b[3:]
	}
	return e, b, nil
}

// MarshalAMF0 encodes vals into a new buffer. See AppendAMF0.
func MarshalAMF0(vals ...any) ([]byte, error) {
	return AppendAMF0(nil, vals...)
}

// AppendAMF0 appends the AMF0 encoding of vals to dst and returns it.
// Besides the decoded types it accepts the Go integer and float types
// (written as numbers), []any (a strict array), map-free values only:
// maps are refused because their order is not defined.
func AppendAMF0(dst []byte, vals ...any) ([]byte, error) {
	var err error
	for _, v := range vals {
		if dst, err = amf0Append(dst, v, 0); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func amf0AppendNumber(dst []byte, f float64) []byte {
	dst = append(dst, amf0Number)
	return binary.BigEndian.AppendUint64(dst, math.Float64bits(f))
}

func amf0Append(dst []byte, v any, depth int) ([]byte, error) {
	if depth > AMF0MaxDepth {
		return dst, ErrAMF0Depth
	}
	switch x := v.(type) {
	case nil:
		return append(dst, amf0Null), nil
	case float64:
		return amf0AppendNumber(dst, x), nil
	case float32:
		return amf0AppendNumber(dst, float64(x)), nil
	case int:
		return amf0AppendNumber(dst, float64(x)), nil
	case int8:
		return amf0AppendNumber(dst, float64(x)), nil
	case int16:
		return amf0AppendNumber(dst, float64(x)), nil
	case int32:
		return amf0AppendNumber(dst, float64(x)), nil
	case int64:
		return amf0AppendNumber(dst, float64(x)), nil
	case uint:
		return amf0AppendNumber(dst, float64(x)), nil
	case uint8:
		return amf0AppendNumber(dst, float64(x)), nil
	case uint16:
		return amf0AppendNumber(dst, float64(x)), nil
	case uint32:
		return amf0AppendNumber(dst, float64(x)), nil
	case uint64:
		return amf0AppendNumber(dst, float64(x)), nil
	case bool:
		if x {
			return append(dst, amf0Boolean, 1), nil
		}
		return append(dst, amf0Boolean, 0), nil
	case string:
		if len(x) <= math.MaxUint16 {
			dst = append(dst, amf0String)
			dst = binary.BigEndian.AppendUint16(dst, uint16(len(x)))
			return append(dst, x...), nil
		}
		if uint64(len(x)) > math.MaxUint32 {
			return dst, ErrAMF0StringRange
		}
		dst = append(dst, amf0LongString)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(x)))
		return append(dst, x...), nil
	case Undefined:
		return append(dst, amf0Undefined), nil
	case Object:
		dst = append(dst, amf0Object)
		return amf0AppendEntries(dst, x, depth+1)
	case ECMAArray:
		dst = append(dst, amf0ECMAArray)
		dst = binary.BigEndian.AppendUint32(dst, uint32(len(x)))
		return amf0AppendEntries(dst, x, depth+1)
	case StrictArray:
		return amf0AppendArray(dst, x, depth)
	case []any:
		return amf0AppendArray(dst, x, depth)
	case Date:
		dst = append(dst, amf0Date)
		dst = binary.BigEndian.AppendUint64(dst, math.Float64bits(x.Millis))
		return binary.BigEndian.AppendUint16(dst, uint16(x.TimeZone)), nil
	}
	return dst, fmt.Errorf("%w %T", ErrAMF0Type, v)
}

func amf0AppendArray(dst []byte, x []any, depth int) ([]byte, error) {
	if uint64(len(x)) > math.MaxUint32 {
		return dst, ErrAMF0StringRange
	}
	dst = append(dst, amf0StrictArray)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(x)))
	var err error
	for _, v := range x {
		if dst, err = amf0Append(dst, v, depth+1); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

func amf0AppendEntries(dst []byte, e []ObjectEntry, depth int) ([]byte, error) {
	var err error
	for _, kv := range e {
		if len(kv.Key) > math.MaxUint16 {
			// An empty key is fine: no value encodes with the end marker 0x09.
			return dst, fmt.Errorf("%w: object key length %d", ErrAMF0StringRange, len(kv.Key))
		}
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(kv.Key)))
		dst = append(dst, kv.Key...)
		if dst, err = amf0Append(dst, kv.Value, depth); err != nil {
			return dst, err
		}
	}
	return append(dst, 0, 0, amf0ObjectEnd), nil
}
