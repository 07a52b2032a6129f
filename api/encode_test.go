package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/jsonw"
	"github.com/picosrs/picosrs/live"
)

// hostile are the strings the filled answers carry: what a publisher, a
// player or a query may put in a stream name, a vhost or a URL.
var hostile = []string{
	`live/a<script>&"b"\c`, "tab\tnew\nline\x00\x1f\x7f", "\u2028\u2029 é 😀", "bad \xff\xe2\x82 utf8",
	"callback)(alert", "",
}

// fillers give each field of a filled answer a different value, extremes
// first.
var (
	fillInts   = []int64{math.MaxInt64, math.MinInt64, -1, 0, 42}
	fillUints  = []uint64{math.MaxUint64, 0, 1, 1 << 40}
	fillFloats = []float64{0.1, -2.5, 1e-7, 1e21, 123456.789, 3, 1.0 / 3, 0, 99.99999999}
)

// fill sets every field of v, recursively: with empty set, lists are empty
// (not nil) and pointers point to zero values; otherwise lists have two
// elements, maps three keys, and scalars the next filler value (n counts).
func fill(v reflect.Value, n *int, empty bool) {
	*n++
	i := *n
	switch v.Kind() {
	case reflect.String:
		if !empty {
			v.SetString(hostile[i%len(hostile)])
		}
	case reflect.Bool:
		v.SetBool(!empty && i%2 == 0)
	case reflect.Int, reflect.Int64:
		if !empty {
			x := fillInts[i%len(fillInts)]
			if v.OverflowInt(x) { // int on 32-bit targets
				x >>= 32
			}
			v.SetInt(x)
		}
	case reflect.Uint64:
		if !empty {
			v.SetUint(fillUints[i%len(fillUints)])
		}
	case reflect.Float64:
		if !empty {
			v.SetFloat(fillFloats[i%len(fillFloats)])
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n, empty)
	case reflect.Slice:
		k := 2
		if empty {
			k = 0
		}
		v.Set(reflect.MakeSlice(v.Type(), k, k))
		for e := range k {
			fill(v.Index(e), n, empty)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		if !empty {
			for _, k := range []string{"zeta", "alpha", "<m&m>", "Alpha"} {
				e := reflect.New(v.Type().Elem()).Elem()
				fill(e, n, empty)
				v.SetMapIndex(reflect.ValueOf(k), e)
			}
		}
	case reflect.Struct:
		for f := range v.NumField() {
			fill(v.Field(f), n, empty)
		}
	default:
		panic(fmt.Sprintf("fill: no filler for %s", v.Type()))
	}
}

// answers are one value of every answer type the API writes.
var answers = []answer{
	codeJSON{}, head{}, indexJSON{}, versionsJSON{}, summariesJSON{},
	clientAnswer{}, clientsAnswer{}, streamAnswer{}, streamsAnswer{},
	vhostAnswer{}, vhostsAnswer{}, clustersJSON{},
}

// checkEncode compares the answer's own encoding with encoding/json's.
func checkEncode(t *testing.T, what string, v answer) {
	t.Helper()
	var j jsonw.Writer
	v.encode(&j)
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%s: encoding/json: %v", what, err)
	}
	if got := j.Bytes(); !bytes.Equal(got, want) {
		t.Errorf("%s %T:\njsonw         %s\nencoding/json %s", what, v, got, want)
	}
}

// TestEncode: every answer type writes what encoding/json writes for it, as
// a zero value (nil lists and pointers: null; omitempty members left out),
// with empty lists ([]) and zero pointees, and filled in several ways
// (every field set, extremes of every number, sorted map keys, strings
// that need escaping). A field added to a type but not to its encode
// method fails here.
func TestEncode(t *testing.T) {
	for _, a := range answers {
		typ := reflect.TypeOf(a)
		checkEncode(t, "zero", a)
		v := reflect.New(typ).Elem()
		n := 0
		fill(v, &n, true)
		checkEncode(t, "empty", v.Interface().(answer))
		for start := range 12 {
			v := reflect.New(typ).Elem()
			n := start
			fill(v, &n, false)
			checkEncode(t, fmt.Sprintf("filled from %d", start), v.Interface().(answer))
		}
	}
}

// TestEncodeEndpoints asks every endpoint of a running API, with a stream
// whose name needs escaping published (TestEncode has the worse names), and checks each answer's bytes
// against encoding/json's for the same value: the body decoded (into the
// endpoint's answer type, with no member it does not know) and encoded
// again by encoding/json must be the body. Lists empty today ([] for
// streams and clients, null for vhosts when none is configured) stay so.
func TestEncodeEndpoints(t *testing.T) {
	f := newAPIFixture(t, nil)
	name := `a&b'c` // our RTMP client sends <, > and quotes %-escaped
	publishFixture(t, f.rtmp, "live/"+name)
	waitPublished(t, f, "live", name)
	sid := streamID(live.DefaultVhost, "live", name)
	var cid string
	for deadline := time.Now().Add(5 * time.Second); cid == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if _, _, m := f.call(t, "GET", "/api/v1/streams/"+sid); m != nil {
			if s, ok := m["stream"].(map[string]any); ok {
				cid, _ = s["publish"].(map[string]any)["cid"].(string)
			}
		}
	}
	if cid == "" {
		t.Fatal("no publisher id")
	}
	cases := []struct {
		method, path string
		status       int
		into         answer
	}{
		{"GET", "/api", 200, &indexJSON{}},
		{"GET", "/api/v1", 200, &indexJSON{}},
		{"GET", "/api/v1/versions", 200, &versionsJSON{}},
		{"GET", "/api/v1/summaries", 200, &summariesJSON{}},
		{"GET", "/api/v1/vhosts", 200, &vhostsAnswer{}},
		{"GET", "/api/v1/vhosts/" + vhostID(live.DefaultVhost), 200, &vhostAnswer{}},
		{"GET", "/api/v1/streams", 200, &streamsAnswer{}},
		{"GET", "/api/v1/streams?start=5", 200, &streamsAnswer{}},
		{"GET", "/api/v1/streams/" + sid, 200, &streamAnswer{}},
		{"GET", "/api/v1/clients", 200, &clientsAnswer{}},
		{"GET", "/api/v1/clients?start=5", 200, &clientsAnswer{}},
		{"GET", "/api/v1/clients/" + cid, 200, &clientAnswer{}},
		{"GET", "/api/v1/clusters?vhost=" + live.DefaultVhost + "&app=live&stream=" + "a%26b%27c" + "&ip=%22%3C%3E", 200, &clustersJSON{}},
		{"GET", "/api/v1/clusters?stream=none&vhost=%E2%80%A8", 200, &clustersJSON{}},
		{"GET", "/api/v1/streams/vid-none", 404, &codeJSON{}},
		{"GET", "/api/v1/nothing", 404, &codeJSON{}},
		{"POST", "/api/v1/streams", 405, &codeJSON{}},
		{"DELETE", "/api/v1/clients/" + cid, 200, &head{}},
	}
	for _, c := range cases {
		code, body := f.getBody(t, c.method, c.path)
		if code != c.status {
			t.Fatalf("%s %s: %d, want %d: %s", c.method, c.path, code, c.status, body)
		}
		checkRoundTrip(t, c.path, body, c.into)
	}

	// No vhost configured: the list is null, as encoding/json wrote a nil
	// slice; and no stream: the lists are [].
	g := newAPIFixture(t, func(c *Config) { c.Vhosts = []Vhost{} })
	for path, want := range map[string]string{"/api/v1/vhosts": `"vhosts":null}`, "/api/v1/streams": `"streams":[]}`, "/api/v1/clients": `"clients":[]}`} {
		_, body := g.getBody(t, "GET", path)
		if !strings.HasSuffix(body, want) {
			t.Errorf("%s: %s, want it to end %s", path, body, want)
		}
	}
}

// checkRoundTrip decodes body into into (a pointer to an answer type),
// refusing unknown members, and checks encoding/json writes it back as body.
func checkRoundTrip(t *testing.T, what, body string, into answer) {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(body))
	d.DisallowUnknownFields()
	if err := d.Decode(into); err != nil {
		t.Fatalf("%s: %v: %s", what, err, body)
	}
	again, err := json.Marshal(into)
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != body {
		t.Errorf("%s:\nserved        %s\nencoding/json %s", what, body, again)
	}
}

// TestJSONPEscapes: a JSONP answer is the callback around the same JSON,
// and a hostile query echoed inside it (clusters) cannot end the string or
// the call.
func TestJSONPEscapes(t *testing.T) {
	f := newAPIFixture(t, nil)
	_, body := f.getBody(t, "GET", "/api/v1/clusters?callback=cb.x&stream=%22%29%3Balert%281%29%2F%2F%3C%2Fscript%3E%E2%80%A8")
	want := `cb.x({"code":0,"data":{"query":{"ip":"","vhost":"","app":"","stream":"\");alert(1)//\u003c/script\u003e\u2028"},"origin":null}})`
	if body != want {
		t.Errorf("jsonp:\n%s\nwant\n%s", body, want)
	}
	req, _ := http.NewRequest("GET", f.web.URL+"/api/v1/versions?callback=cb", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/javascript" {
		t.Errorf("jsonp content type %q", ct)
	}
}
