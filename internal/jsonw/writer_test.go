package jsonw

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// casesString feeds TestString and FuzzString: every escape class.
var casesString = []string{
	"", "plain", `quote " backslash \ slash /`, "\b\f\n\r\t", "\x00\x01\x1f\x7f",
	"<script>alert(1)</script> & more", "\u2028\u2029", "é 日本 😀",
	"\xff\xfe", "bad \xe2\x82 tail", "\xed\xa0\x80 surrogate", "\xf4\x90\x80\x80 beyond",
	"live/stream?token=a&b=<c>", "callback)(alert", "\u00a0\u200b\ufeff\ufffd",
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkString compares Str with encoding/json for s and checks that the
// output holds nothing that could end the string or the script around it.
func checkString(t testing.TB, s string) {
	t.Helper()
	var w Writer
	w.Str(s)
	got := w.Bytes()
	if want := marshal(t, s); !bytes.Equal(got, want) {
		t.Fatalf("%q: jsonw %s, encoding/json %s", s, got, want)
	}
	if !utf8.Valid(got) {
		t.Fatalf("%q: invalid UTF-8 out: %q", s, got)
	}
	inner := got[1 : len(got)-1]
	for i, c := range inner {
		if c < 0x20 || c == '<' || c == '>' || c == '&' || c == '"' && (i == 0 || inner[i-1] != '\\') {
			t.Fatalf("%q: raw %q in %s", s, c, got)
		}
	}
	if bytes.Contains(inner, []byte("\u2028")) || bytes.Contains(inner, []byte("\u2029")) {
		t.Fatalf("%q: raw line separator in %s", s, got)
	}
	var back string
	if err := json.Unmarshal(got, &back); err != nil || back != validUTF8(s) {
		t.Fatalf("%q: reads back as %q, %v", s, back, err)
	}
}

// validUTF8 is s with each byte of invalid UTF-8 replaced by U+FFFD.
func validUTF8(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r) // range yields U+FFFD for each invalid byte
	}
	return b.String()
}

func TestString(t *testing.T) {
	for _, s := range casesString {
		checkString(t, s)
	}
	for c := 0; c < 256; c++ {
		checkString(t, string([]byte{byte(c)}))
		checkString(t, "a"+string([]byte{byte(c)})+"b")
	}
}

func TestNumbers(t *testing.T) {
	floats := []float64{
		0, math.Copysign(0, -1), 1, -1, 0.5, -2.25, 1.0 / 3, 100, 12.345, 1e20, 1e21, 123456789e13,
		-1e21, 1e-6, 1e-7, 9.99e-7, -1e-7, 1.5e-9, 1e-10, 1e-100, 5e-324, math.MaxFloat64,
		-math.MaxFloat64, math.SmallestNonzeroFloat64, 1 << 53, 1<<53 + 1, 3.1e300, 0.000001234,
	}
	for _, f := range floats {
		var w Writer
		w.Float(f)
		if got, want := w.Bytes(), marshal(t, f); !bytes.Equal(got, want) {
			t.Errorf("%v: jsonw %s, encoding/json %s", f, got, want)
		}
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		var w Writer
		w.Float(f)
		if string(w.Bytes()) != "null" {
			t.Errorf("%v: %s, want null", f, w.Bytes())
		}
	}
	for _, v := range []int64{0, 1, -1, math.MaxInt64, math.MinInt64, math.MaxInt32, math.MinInt32} {
		var w Writer
		w.Int64(v)
		if got, want := w.Bytes(), marshal(t, v); !bytes.Equal(got, want) {
			t.Errorf("%d: jsonw %s, encoding/json %s", v, got, want)
		}
	}
	for _, v := range []uint64{0, 1, math.MaxUint64} {
		var w Writer
		w.Uint64(v)
		if got, want := w.Bytes(), marshal(t, v); !bytes.Equal(got, want) {
			t.Errorf("%d: jsonw %s, encoding/json %s", v, got, want)
		}
	}
}

// TestDocument writes nested objects and arrays, empty and nil lists, and
// compares with encoding/json on the same shape.
func TestDocument(t *testing.T) {
	type inner struct {
		A []string `json:"a"`
		B []string `json:"b"`
		C []string `json:"c"`
		E struct{} `json:"e"`
	}
	type doc struct {
		Code  int     `json:"code"`
		Name  string  `json:"na<me>"`
		In    inner   `json:"in"`
		List  []inner `json:"list"`
		Empty []inner `json:"empty"`
		OK    bool    `json:"ok"`
		Nil   *inner  `json:"nil"`
		F     float64 `json:"f"`
	}
	v := doc{Code: -7, Name: "x\ny", In: inner{A: nil, B: []string{}, C: []string{"1", "<2>"}},
		List: []inner{{}, {A: []string{""}}}, Empty: []inner{}, OK: true, F: 0.1}
	var w Writer
	enc := func(in inner) {
		w.Object()
		w.Key("a").Strings(in.A)
		w.Key("b").Strings(in.B)
		w.Key("c").Strings(in.C)
		w.Key("e").Object()
		w.EndObject()
		w.EndObject()
	}
	w.Object()
	w.Key("code").Int(v.Code)
	w.Key("na<me>").Str(v.Name)
	w.Key("in")
	enc(v.In)
	w.Key("list").Array()
	for _, in := range v.List {
		enc(in)
	}
	w.EndArray()
	w.Key("empty").Array()
	w.EndArray()
	w.Key("ok").Bool(v.OK)
	w.Key("nil").Null()
	w.Key("f").Float(v.F)
	w.EndObject()
	if got, want := w.Bytes(), marshal(t, v); !bytes.Equal(got, want) {
		t.Errorf("jsonw\n%s\nencoding/json\n%s", got, want)
	}
	w.Reset()
	w.Array()
	w.Int(1)
	w.Array()
	w.EndArray()
	w.Null()
	w.EndArray()
	if got := string(w.Bytes()); got != "[1,[],null]" {
		t.Errorf("after Reset: %s", got)
	}
}

// FuzzString: Str writes exactly what encoding/json writes for any string,
// the output is valid UTF-8 with no raw quote, control character, '<', '>',
// '&' or line separator inside it, and it reads back as the input (with
// invalid UTF-8 as U+FFFD).
func FuzzString(f *testing.F) {
	for _, s := range casesString {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkString(t, s)
	})
}

// FuzzFloat: Float writes exactly what encoding/json writes for any finite
// float64.
func FuzzFloat(f *testing.F) {
	for _, v := range []float64{0, -1.5, 1e-7, 1e21, 123.456, 5e-324} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		var w Writer
		w.Float(v)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if string(w.Bytes()) != "null" {
				t.Fatalf("%v: %s", v, w.Bytes())
			}
			return
		}
		if got, want := w.Bytes(), marshal(t, v); !bytes.Equal(got, want) {
			t.Fatalf("%v: jsonw %s, encoding/json %s", v, got, want)
		}
	})
}
