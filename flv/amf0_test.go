package flv

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func h(s string) []byte {
	s = strings.ReplaceAll(s, " ", "")
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			case c >= 'a' && c <= 'f':
				v |= byte(c-'a') + 10
			}
		}
		b[i] = v
	}
	return b
}

// casesAMF0 feeds TestAMF0Unmarshal, TestAMF0Marshal and FuzzAMF0Unmarshal.
var casesAMF0 = []struct {
	name string
	dec  []any
	enc  []byte
}{
	{"number", []any{float64(1.5)}, h("00 3ff8000000000000")},
	{"true", []any{true}, h("01 01")},
	{"false", []any{false}, h("01 00")},
	{"string", []any{"connect"}, h("02 0007 636f6e6e656374")},
	{"empty string", []any{""}, h("02 0000")},
	{"null", []any{nil}, h("05")},
	{"undefined", []any{Undefined{}}, h("06")},
	{"object", []any{Object{{"app", "live"}, {"n", float64(0)}}},
		h("03 0003 617070 02 0004 6c697665 0001 6e 00 0000000000000000 000009")},
	{"empty object", []any{Object{}}, h("03 000009")},
	{"ecma array", []any{ECMAArray{{"duration", float64(0)}}},
		h("08 00000001 0008 6475726174696f6e 00 0000000000000000 000009")},
	{"strict array", []any{StrictArray{float64(1), "a", nil}},
		h("0a 00000003 00 3ff0000000000000 02 0001 61 05")},
	{"date", []any{Date{Millis: 1, TimeZone: 0}}, h("0b 3ff0000000000000 0000")},
	{"nested", []any{Object{{"o", Object{{"a", ECMAArray{}}}}}},
		h("03 0001 6f 03 0001 61 08 00000000 000009 000009 000009")},
	{"command", []any{"_result", float64(1), nil, Object{{"code", "NetStream.Publish.Start"}}},
		h("02 0007 5f726573756c74 00 3ff0000000000000 05 03 0004 636f6465 02 0017 4e657453747265616d2e5075626c6973682e5374617274 000009")},
}

func TestAMF0Unmarshal(t *testing.T) {
	for _, c := range casesAMF0 {
		t.Run(c.name, func(t *testing.T) {
			got, err := UnmarshalAMF0(c.enc)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.dec) {
				t.Fatalf("got %#v, want %#v", got, c.dec)
			}
		})
	}
}

func TestAMF0Marshal(t *testing.T) {
	for _, c := range casesAMF0 {
		t.Run(c.name, func(t *testing.T) {
			got, err := MarshalAMF0(c.dec...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, c.enc) {
				t.Fatalf("got %x, want %x", got, c.enc)
			}
		})
	}
}

func TestAMF0LongString(t *testing.T) {
	s := strings.Repeat("x", 70000)
	b, err := MarshalAMF0(s)
	if err != nil {
		t.Fatal(err)
	}
	if b[0] != amf0LongString {
		t.Fatalf("marker %x, want long string", b[0])
	}
	v, rest, err := UnmarshalAMF0Value(b)
	if err != nil || v != s || len(rest) != 0 {
		t.Fatalf("long string round trip failed: %v", err)
	}
}

func TestAMF0GoTypes(t *testing.T) {
	b, err := MarshalAMF0(int(3), uint32(4), []any{int64(5)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := UnmarshalAMF0(b)
	if err != nil {
		t.Fatal(err)
	}
	want := []any{float64(3), float64(4), StrictArray{float64(5)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
	if _, err := MarshalAMF0(map[string]any{}); !errors.Is(err, ErrAMF0Type) {
		t.Fatalf("map: got %v, want ErrAMF0Type", err)
	}
}

func TestAMF0Helpers(t *testing.T) {
	o := Object{{"app", "live"}, {"objectEncoding", float64(3)}, {"sub", Object{}}}
	if s, ok := o.GetString("app"); !ok || s != "live" {
		t.Fatal("GetString")
	}
	if f, ok := o.GetFloat64("objectEncoding"); !ok || f != 3 {
		t.Fatal("GetFloat64")
	}
	if _, ok := o.GetString("objectEncoding"); ok {
		t.Fatal("GetString on a number")
	}
	if _, ok := o.GetObject("sub"); !ok {
		t.Fatal("GetObject")
	}
	a := ECMAArray{{"width", float64(640)}}
	if f, ok := a.GetFloat64("width"); !ok || f != 640 {
		t.Fatal("ECMAArray.GetFloat64")
	}
}

func TestAMF0Errors(t *testing.T) {
	deep := bytes.Repeat([]byte{amf0StrictArray, 0, 0, 0, 1}, AMF0MaxDepth+2)
	deep = append(deep, amf0Null)
	for _, c := range []struct {
		name string
		in   []byte
		want error
	}{
		{"short number", h("00 3ff0"), ErrAMF0Short},
		{"short bool", h("01"), ErrAMF0Short},
		{"short string", h("02 0005 6162"), ErrAMF0Short},
		{"short long string", h("0c ffffffff 61"), ErrAMF0Short},
		{"unterminated object", h("03 0001 61 05"), ErrAMF0Short},
		{"huge strict array", h("0a ffffffff 05"), ErrAMF0Short},
		{"short date", h("0b 00"), ErrAMF0Short},
		{"reference", h("07 0001"), ErrAMF0Marker},
		{"bare object end", h("09"), ErrAMF0Marker},
		{"too deep", deep, ErrAMF0Depth},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := UnmarshalAMF0(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			if !strings.HasPrefix(err.Error(), "flv: amf0: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestAMF0Empty(t *testing.T) {
	if v, err := UnmarshalAMF0(nil); v != nil || err != nil {
		t.Fatalf("UnmarshalAMF0(nil) = %v, %v", v, err)
	}
	if _, _, err := UnmarshalAMF0Value(nil); !errors.Is(err, ErrAMF0Short) {
		t.Fatalf("UnmarshalAMF0Value(nil): got %v, want ErrAMF0Short", err)
	}
}

func TestAMF0ECMAArrayWithoutEnd(t *testing.T) {
	// Some encoders end onMetaData's ECMA array with the buffer.
	v, err := UnmarshalAMF0(h("02 000a 6f6e4d65746144617461 08 00000001 0001 77 00 4084000000000000"))
	if err != nil {
		t.Fatal(err)
	}
	want := []any{"onMetaData", ECMAArray{{"w", float64(640)}}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("got %#v, want %#v", v, want)
	}
}

// FuzzAMF0Unmarshal: no panic; memory within amf0AllocBound(len(b)); an
// error comes with no values; decoded values re-encode and round-trip.
// Amplification seeds (nested strict arrays declaring counts they do not
// hold, deep nesting, an ECMA array with a huge count hint) are committed in
// testdata/fuzz/FuzzAMF0Unmarshal; the megabyte-class versions are built by
// TestAMF0NestedCountAmplification.
func FuzzAMF0Unmarshal(f *testing.F) {
	for _, c := range casesAMF0 {
		f.Add(c.enc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var vals []any
		var err error
		if got, over := heapAllocatedOver(amf0AllocBound(len(b)), func() { vals, err = UnmarshalAMF0(b) }); over {
			t.Fatalf("allocated %d bytes decoding %d, over the bound %d", got, len(b), amf0AllocBound(len(b)))
		}
		if err != nil {
			if vals != nil {
				t.Fatalf("error %v with %d values", err, len(vals))
			}
			return
		}
		enc, err := MarshalAMF0(vals...)
		if err != nil {
			t.Fatalf("decoded values do not re-encode: %v", err)
		}
		vals2, err := UnmarshalAMF0(enc)
		if err != nil {
			t.Fatalf("re-encoded values do not decode: %v", err)
		}
		enc2, err := MarshalAMF0(vals2...)
		if err != nil || !bytes.Equal(enc, enc2) {
			t.Fatalf("round trip differs: %x vs %x (%v)", enc, enc2, err)
		}
	})
}

// nestedStrictArrays returns a body of size bytes: prefix, then levels
// strict array headers each declaring as many elements as bytes remain
// after it, then nulls. This is finding 1 of the "a stranger cannot take
// the box down" issue: the old decoder reserved 16 bytes per declared
// element at every level before reading any of them (33 levels of a 4 MiB
// connect: 2 GiB).
func nestedStrictArrays(prefix []byte, levels, size int) []byte {
	b := append([]byte(nil), prefix...)
	for i := 0; i < levels; i++ {
		left := size - len(b) - 5
		b = append(b, amf0StrictArray, byte(left>>24), byte(left>>16), byte(left>>8), byte(left))
	}
	for len(b) < size {
		b = append(b, amf0Null)
	}
	return b
}

// connectPrefix is "connect", transaction 1, as a connect command starts.
var connectPrefix = h("02 0007 636f6e6e656374 00 3ff0000000000000")

func TestAMF0NestedCountAmplification(t *testing.T) {
	const size = 4 << 20
	for _, levels := range []int{33, AMF0MaxDepth, 3} {
		body := nestedStrictArrays(connectPrefix, levels, size)
		var err error
		got, over := heapAllocatedOver(amf0AllocConst, func() { _, err = UnmarshalAMF0(body) })
		if err == nil {
			t.Fatalf("%d levels: decoded; each level declares more elements than it holds", levels)
		}
		// Nothing is allocated for arrays that are not all there: the
		// bound is a constant, not even per byte.
		if over {
			t.Fatalf("%d levels of %d bytes: allocated %d bytes, want at most %d", levels, size, got, amf0AllocConst)
		}
	}
	// The same in one value, as parseCommand's callers meet it.
	body := nestedStrictArrays(nil, 33, size)
	if got, over := heapAllocatedOver(amf0AllocConst, func() { UnmarshalAMF0Value(body) }); over {
		t.Fatalf("UnmarshalAMF0Value: allocated %d bytes", got)
	}
}

// A valid body at the worst ratio: nested arrays of one element around a
// strict array of nulls, 16 bytes of slot per input byte.
func TestAMF0AllocBoundValid(t *testing.T) {
	const size = 1 << 20
	var b []byte
	for i := 0; i < AMF0MaxDepth-1; i++ {
		b = append(b, amf0StrictArray, 0, 0, 0, 1)
	}
	n := size - len(b) - 5
	b = append(b, amf0StrictArray, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	b = append(b, bytes.Repeat([]byte{amf0Null}, n)...)
	for _, c := range []struct {
		name string
		in   []byte
	}{
		{"nested nulls", b},
		{"nulls", bytes.Repeat([]byte{amf0Null}, size)},
		{"one-byte strings", bytes.Repeat(h("02 0001 61"), size/4)},
		{"empty objects", bytes.Repeat(h("03 000009"), size/4)},
		{"object of null entries", append(append([]byte{amf0Object}, bytes.Repeat(h("0000 05"), size/3)...), 0, 0, amf0ObjectEnd)},
		{"empty strict arrays", bytes.Repeat(h("0a 00000000"), size/5)},
		{"numbers", bytes.Repeat(h("00 3ff0000000000000"), size/9)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var vals []any
			var err error
			want := amf0AllocBound(len(c.in))
			got, over := heapAllocatedOver(want, func() { vals, err = UnmarshalAMF0(c.in) })
			if err != nil {
				t.Fatal(err)
			}
			if len(vals) == 0 {
				t.Fatal("nothing decoded")
			}
			if over {
				t.Fatalf("allocated %d bytes for %d (%.1f per byte), want at most %d", got, len(c.in), float64(got)/float64(len(c.in)), want)
			}
			t.Logf("%.2f bytes per input byte", float64(got)/float64(len(c.in)))
		})
	}
}

// A value that fails to decode yields no values: a caller cannot mistake a
// prefix for the message.
func TestAMF0NoPartialResult(t *testing.T) {
	for _, in := range [][]byte{
		h("02 0004 706c6179 00 0000000000000000 05 02 00ff 61"), // play, 0, null, truncated name
		h("02 0007 636f6e6e656374 00 3ff0000000000000 11 0a"),   // connect, 1, AMF3 switch
	} {
		vals, err := UnmarshalAMF0(in)
		if err == nil || vals != nil {
			t.Fatalf("%x: got %v, %v; want nil and an error", in, vals, err)
		}
	}
	if v, _, err := UnmarshalAMF0Value(h("03 0001 61 05")); err == nil || v != nil {
		t.Fatalf("unterminated object: got %#v, %v", v, err)
	}
}

func TestAMF0Depth(t *testing.T) {
	nest := func(n int) []byte {
		b := bytes.Repeat([]byte{amf0StrictArray, 0, 0, 0, 1}, n)
		return append(b, amf0Null)
	}
	if _, err := UnmarshalAMF0(nest(AMF0MaxDepth)); err != nil {
		t.Fatalf("%d levels: %v", AMF0MaxDepth, err)
	}
	if _, err := UnmarshalAMF0(nest(AMF0MaxDepth + 1)); !errors.Is(err, ErrAMF0Depth) {
		t.Fatalf("%d levels: got %v, want ErrAMF0Depth", AMF0MaxDepth+1, err)
	}
	obj := append(bytes.Repeat(h("03 0001 6f"), AMF0MaxDepth+1), amf0Null)
	obj = append(obj, bytes.Repeat(h("000009"), AMF0MaxDepth+1)...)
	if _, err := UnmarshalAMF0(obj); !errors.Is(err, ErrAMF0Depth) {
		t.Fatalf("%d nested objects: got %v, want ErrAMF0Depth", AMF0MaxDepth+1, err)
	}
	if _, err := UnmarshalAMF0(obj[4 : len(obj)-3]); err != nil {
		t.Fatalf("%d nested objects: %v", AMF0MaxDepth, err)
	}
}

// The unsupported marker is named in the error, also when it is nested.
func TestAMF0MarkerError(t *testing.T) {
	_, err := UnmarshalAMF0(h("0a 00000001 11"))
	if !errors.Is(err, ErrAMF0Marker) || !strings.Contains(err.Error(), "0x11") {
		t.Fatalf("got %v", err)
	}
}
