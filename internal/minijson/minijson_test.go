package minijson

import (
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

// agree checks Parse against encoding/json on b.
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
// MaxDepth) and decodes it to the same values, never panics, and allocates
// in proportion to its input.
func FuzzParse(f *testing.F) {
	for _, c := range casesParse {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		agree(t, b)
		limit := uint64(400*len(b) + 4096)
		got := allocated(func() { Parse(b) })
		for i := 0; i < 3 && got > limit; i++ {
			got = min(got, allocated(func() { Parse(b) })) // another goroutine's noise
		}
		if got > limit {
			t.Fatalf("%d bytes allocated %d (limit %d)", len(b), got, limit)
		}
	})
}
