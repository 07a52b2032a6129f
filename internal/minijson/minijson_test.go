package minijson

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"runtime"
	"testing"
)

// casesParse feeds TestParse and FuzzParse.
var casesParse = []string{
	`{"code":0,"data":{"query":{"ip":"","vhost":"__defaultVhost__","app":"live","stream":"s"},"origin":null}}`,
	`{"code":0,"data":{"origin":{"ip":"10.0.0.3","port":19352,"vhost":"v","api":"10.0.0.3:9092","routers":["10.0.0.3:9092"],"http_port":8080}}}`,
	` [ 1, -0.5e+3, 2E-2, true, false, null, "", {}, [] ] `,
	`"esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 \ud800 \udc00x \ud800\u0041"`,
	"\"raw \xff\xfe bytes \xe2\x82\"",
	`{"a":1,"a":2}`,
	`0`, `-0`, `1e400`, `01`, `1.`, `.5`, `-`, `+1`, `1e`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{1:2}`,
	`"\x"`, "\"tab\there\"", `"\u12"`, `nul`, `truex`, `[] []`, ``, `   `, "\xef\xbb\xbf{}",
	`{"code":1e400,"a":[1e400]}`, `{"c\u006fde":0, "code" : -0 }`, `{"code":0.0}`, "{\"\xff\":1}",
}

// toAny turns a Value into what encoding/json decodes into an any.
func toAny(v Value) any {
	switch v.Kind {
	case Bool:
		return v.Bool
	case Number:
		return v.Num
	case String:
		return v.Str
	case Array:
		out := []any{}
		for _, e := range v.Elems {
			out = append(out, toAny(e))
		}
		return out
	case Object:
		out := map[string]any{}
		for _, m := range v.Members {
			out[m.Name] = toAny(m.Value)
		}
		return out
	}
	return nil
}

// agree checks Parse against encoding/json's Unmarshal into an any on b,
// and RawMember against json.Valid and Unmarshal into a map of
// json.RawMessage, for the member names of b and a few others.
func agree(t *testing.T, b []byte) {
	v, err := Parse(b)
	var want any
	jerr := json.Unmarshal(b, &want)
	if errors.Is(err, ErrTooDeep) {
		return // encoding/json allows 10000 levels
	}
	if (err == nil) != (jerr == nil) {
		t.Fatalf("%q: minijson %v, encoding/json %v", b, err, jerr)
	}
	if err == nil && !reflect.DeepEqual(toAny(v), want) {
		t.Fatalf("%q: minijson %#v, encoding/json %#v", b, toAny(v), want)
	}

	valid := json.Valid(b)
	var members map[string]json.RawMessage
	isObject := valid && json.Unmarshal(b, &members) == nil
	names := []string{"code", "", "a", "data", "\ufffd"}
	for _, m := range v.Members {
		names = append(names, m.Name)
	}
	for _, name := range names {
		raw, found, rerr := RawMember(b, name)
		if errors.Is(rerr, ErrTooDeep) {
			return // a number out of range stopped Parse before the depth did
		}
		if (rerr == nil) != valid {
			t.Fatalf("%q: RawMember %v, json.Valid %v", b, rerr, valid)
		}
		wantRaw, wantFound := members[name]
		if found != (isObject && wantFound) || !bytes.Equal(raw, wantRaw) {
			t.Fatalf("%q member %q: RawMember %q %v, encoding/json %q %v", b, name, raw, found, wantRaw, wantFound)
		}
		if got, ok := v.Get(name); err == nil && ok {
			if rv, err := Parse(raw); err != nil || !reflect.DeepEqual(toAny(rv), toAny(got)) {
				t.Fatalf("%q member %q: RawMember %q, Get %#v", b, name, raw, toAny(got))
			}
		}
	}
}

func TestParse(t *testing.T) {
	for _, c := range casesParse {
		agree(t, []byte(c))
	}
	v, err := Parse([]byte(casesParse[1]))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := v.Get("data")
	origin, _ := data.Get("origin")
	ip, _ := origin.Get("ip")
	port, _ := origin.Get("port")
	if p, ok := port.Int(1, 65535); ip.Str != "10.0.0.3" || !ok || p != 19352 {
		t.Errorf("ip %v port %v", ip, port)
	}
	if _, ok := ip.Get("x"); ok {
		t.Error("Get on a string")
	}
	for _, n := range []float64{1.5, 0, 65536, -1} {
		if _, ok := (Value{Kind: Number, Num: n}).Int(1, 65535); ok {
			t.Errorf("Int accepted %v", n)
		}
	}
	deep := make([]byte, 0, 2*MaxDepth+2)
	for range MaxDepth + 1 {
		deep = append(deep, '[')
	}
	for range MaxDepth + 1 {
		deep = append(deep, ']')
	}
	if _, err := Parse(deep); !errors.Is(err, ErrTooDeep) {
		t.Errorf("%d levels: %v", MaxDepth+1, err)
	}
	if _, err := Parse(deep[1 : len(deep)-1]); err != nil {
		t.Errorf("%d levels: %v", MaxDepth, err)
	}
	if _, _, err := RawMember(deep, "a"); !errors.Is(err, ErrTooDeep) {
		t.Errorf("RawMember, %d levels: %v", MaxDepth+1, err)
	}
}

// TestRawMember: the member's text as written, the last of a repeated
// name, nothing for a value that is no object; the memory RawMember takes
// does not follow the number of values (a hook's answer may be 64 KB of
// them).
func TestRawMember(t *testing.T) {
	cases := []struct {
		doc, raw string
		found    bool
	}{
		{`{"code":0}`, `0`, true},
		{` { "code" : -0 , "x":[{"code":1}]} `, `-0`, true},
		{`{"code":0,"code":{"a":[1,2]}}`, `{"a":[1,2]}`, true},
		{`{"c\u006fde":"0"}`, `"0"`, true},
		{`{"code":1e999}`, `1e999`, true},
		{`{"data":{"code":0}}`, ``, false},
		{`[{"code":0}]`, ``, false},
		{`0`, ``, false},
	}
	for _, c := range cases {
		raw, found, err := RawMember([]byte(c.doc), "code")
		if err != nil || found != c.found || string(raw) != c.raw {
			t.Errorf("%s: %q %v %v, want %q %v", c.doc, raw, found, err, c.raw, c.found)
		}
	}
	if _, _, err := RawMember([]byte(`{"code":0`), "code"); !errors.Is(err, ErrSyntax) {
		t.Errorf("unterminated: %v", err)
	}
	for _, unit := range []string{`0,`, `[],`, `{"a":"bc"},`, `-1.5e7,`} {
		b := append([]byte(`{"x":[`), bytes.Repeat([]byte(unit), 64<<10/len(unit))...)
		b = append(b[:len(b)-1], `],"code":0}`...)
		if n := allocated(func() { RawMember(b, "code") }); n > 1024 {
			t.Errorf("%d bytes of %q: RawMember allocated %d", len(b), unit, n)
		}
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}

// FuzzParse: Parse accepts exactly what encoding/json accepts (up to
// MaxDepth) and decodes it to the same values; RawMember accepts what
// json.Valid accepts and finds the member encoding/json finds; neither
// panics; both allocate in proportion to their input (TestRawMember checks
// that RawMember's memory does not follow the number of values).
func FuzzParse(f *testing.F) {
	for _, c := range casesParse {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		agree(t, b)
		for _, c := range []struct {
			name  string
			limit uint64
			f     func()
		}{
			{"Parse", uint64(400*len(b) + 4096), func() { Parse(b) }},
			{"RawMember", uint64(12*len(b) + 4096), func() { RawMember(b, "code") }}, // 3 bytes of U+FFFD per invalid byte, append's doubling
		} {
			got := allocated(c.f)
			for i := 0; i < 3 && got > c.limit; i++ {
				got = min(got, allocated(c.f)) // another goroutine's noise
			}
			if got > c.limit {
				t.Fatalf("%s: %d bytes allocated %d (limit %d)", c.name, len(b), got, c.limit)
			}
		}
	})
}
