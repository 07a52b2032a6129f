package access

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// verdictCases feed TestVerdict and FuzzVerdict's seeds.
var verdictCases = []struct {
	name   string
	status int
	body   string
	allow  bool
}{
	{"zero", 200, "0", true},
	{"zero newline", 200, "0\n", true},
	{"code 0", 200, `{"code": 0}`, true},
	{"code 0 with data", 200, `{"code":0,"data":{"x":[1,2]}}`, true},
	{"201 as SRS", 201, "0", true},
	{"code 1", 200, `{"code": 1}`, false},
	{"code -0 is 0", 200, `{"code": -0}`, true},
	{"code 0.0 not integer", 200, `{"code": 0.0}`, false},
	{"code string", 200, `{"code": "0"}`, false},
	{"no code", 200, `{"data": 0}`, false},
	{"one", 200, "1", false},
	{"empty", 200, "", false},
	{"spaces", 200, "  ", false},
	{"00", 200, "00", false},
	{"json zero string", 200, `"0"`, false},
	{"array", 200, `[0]`, false},
	{"broken json", 200, `{"code":0`, false},
	{"500 with 0", 500, "0", false},
	{"302", 302, "0", false},
	{"204", 204, "", false},
	{"403 code 0", 403, `{"code":0}`, false},
	{"escaped key", 200, `{"c\u006fde":0}`, true},
	{"last duplicate wins", 200, `{"code":0,"code":1}`, false},
	{"last duplicate allows", 200, `{"code":1,"code":0}`, true},
	{"nested code ignored", 200, `{"a":{"code":1},"b":[1,{"c":"}"}],"code":0}`, true},
	{"trailing garbage", 200, `{"code":0}x`, false},
	{"two objects", 200, `{"code":0}{"code":0}`, false},
	{"leading zero", 200, `{"code":00}`, false},
	{"exponent", 200, `{"code":0e0}`, false},
	{"control char in string", 200, "{\"m\":\"a\x01\",\"code\":0}", false},
	{"bad escape", 200, `{"m":"\q","code":0}`, false},
	{"literals", 200, `{"a":true,"b":false,"c":null,"code":-0}`, true},
	{"bad literal", 200, `{"a":nul,"code":0}`, false},
}

func TestVerdict(t *testing.T) {
	for _, c := range verdictCases {
		err := Verdict(c.status, []byte(c.body))
		if (err == nil) != c.allow {
			t.Errorf("%s: Verdict(%d, %q) = %v, want allow=%v", c.name, c.status, c.body, err, c.allow)
		}
	}
}

// FuzzVerdict: whatever a hook service answers, Verdict returns a sentinel
// or nil without panicking, and its hand-written JSON reader agrees with
// encoding/json: it allows exactly the 200/201 answers whose body is 0 or
// one JSON object whose "code" is written as the integer 0.
func FuzzVerdict(f *testing.F) {
	for _, c := range verdictCases {
		f.Add(c.status, []byte(c.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		err := Verdict(status, body)
		if err != nil && err != ErrHookStatus && err != ErrHookAnswer {
			t.Fatalf("error %v is not a sentinel", err)
		}
		want := status == 200 || status == 201
		if want {
			b := bytes.TrimSpace(body)
			if string(b) != "0" {
				var obj map[string]json.RawMessage
				code := ""
				if json.Unmarshal(b, &obj) == nil && len(b) > 0 && b[0] == '{' {
					if c, ok := obj["code"]; ok {
						code = string(c)
					}
				}
				want = code == "0" || code == "-0"
				if len(b) > maxJSONDepth && !want && err == nil {
					t.Fatalf("allowed %q", body) // deep nesting: only allowing is checked
				}
				if len(b) > maxJSONDepth {
					return
				}
			}
		}
		if (err == nil) != want {
			t.Fatalf("Verdict(%d, %q) = %v, encoding/json says allow=%v", status, body, err, want)
		}
	})
}

// FuzzBody: whatever the names, params and URLs a client sends, each hook
// body is one JSON object that encoding/json reads back with the same
// values (invalid UTF-8 replaced), SRS's fields in SRS's order.
func FuzzBody(f *testing.F) {
	f.Add("42", "live", "cam", "?token=a&b=<c>", "rtmp://h/live", "http://p/", uint64(1))
	f.Add("\x00", "li\"ve", "\u2028", "\xff\xfe", "\t\n", "\x7f", uint64(1<<63))
	f.Fuzz(func(t *testing.T, id, app, stream, param, tcURL, pageURL string, n uint64) {
		r := &HookRequest{ServerID: "vid-s", ServiceID: "svc", ClientID: id, IP: "192.0.2.1", Vhost: "__defaultVhost__",
			App: app, Stream: stream, Param: param, TcURL: tcURL, PageURL: pageURL, StreamID: "vid-t", SendBytes: n, RecvBytes: n / 2}
		for e := OnConnect; e <= OnStop; e++ {
			body := e.Body(r)
			if got := keysInOrder(t, body); !reflect.DeepEqual(got, e.Fields()) {
				t.Fatalf("%s: keys %v", e, got)
			}
			var m map[string]any
			d := json.NewDecoder(bytes.NewReader(body))
			d.UseNumber()
			if err := d.Decode(&m); err != nil {
				t.Fatalf("%s: %v: %s", e, err, body)
			}
			want := map[string]string{"client_id": id, "app": app, "stream": stream, "param": param, "tcUrl": tcURL, "pageUrl": pageURL}
			for k, v := range want {
				if got, ok := m[k]; ok && got != perByteValid(v) {
					t.Fatalf("%s: %s = %q, want %q", e, k, got, v)
				}
			}
			if e == OnClose && (m["send_bytes"].(json.Number).String() != strconv.FormatUint(n, 10)) {
				t.Fatalf("send_bytes %v, want %d", m["send_bytes"], n)
			}
		}
	})
}

// perByteValid replaces each invalid UTF-8 byte of s by U+FFFD, as
// encoding/json and the hook bodies do.
func perByteValid(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(r)
	}
	return b.String()
}

// TestBodyFields: each event's body has SRS's fields in SRS's order
// (trunk/src/app/srs_app_http_hooks.cpp), string client_id, integer byte
// counts, stream_url as SRS builds it, and stream_id only when known.
func TestBodyFields(t *testing.T) {
	r := &HookRequest{ServerID: "vid-srv", ServiceID: "svc", ClientID: "42", IP: "192.0.2.7",
		Vhost: "__defaultVhost__", App: "live", Stream: "cam", Param: "?token=a&b=<c>",
		TcURL: "rtmp://127.0.0.1/live", PageURL: "http://page/", StreamID: "vid-str", SendBytes: 10, RecvBytes: 20}
	want := map[Event][]string{
		OnConnect:   {"server_id", "service_id", "action", "client_id", "ip", "vhost", "app", "stream", "param", "tcUrl", "pageUrl"},
		OnClose:     {"server_id", "service_id", "action", "client_id", "ip", "vhost", "app", "send_bytes", "recv_bytes"},
		OnPublish:   {"server_id", "service_id", "action", "client_id", "ip", "vhost", "app", "tcUrl", "stream", "param", "stream_url", "stream_id"},
		OnUnpublish: {"server_id", "service_id", "action", "client_id", "ip", "vhost", "app", "tcUrl", "stream", "param", "stream_url", "stream_id"},
		OnPlay:      {"server_id", "service_id", "action", "client_id", "ip", "vhost", "app", "stream", "tcUrl", "param", "pageUrl", "stream_url", "stream_id"},
		OnStop:      {"server_id", "service_id", "action", "client_id", "ip", "vhost", "app", "tcUrl", "stream", "param", "stream_url", "stream_id"},
	}
	for e, fields := range want {
		body := e.Body(r)
		if got := keysInOrder(t, body); !reflect.DeepEqual(got, fields) {
			t.Errorf("%s: fields %v, want %v", e, got, fields)
		}
		if !reflect.DeepEqual(e.Fields(), fields) {
			t.Errorf("%s: Fields() %v, want %v", e, e.Fields(), fields)
		}
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("%s: %v: %s", e, err, body)
		}
		if m["action"] != e.String() || m["client_id"] != "42" {
			t.Errorf("%s: action %v client_id %v", e, m["action"], m["client_id"])
		}
		if _, ok := m["param"]; ok && m["param"] != r.Param {
			t.Errorf("%s: param %q", e, m["param"])
		}
		if _, ok := m["stream_url"]; ok && m["stream_url"] != "/live/cam" {
			t.Errorf("%s: stream_url %q", e, m["stream_url"])
		}
		if e == OnClose && (m["send_bytes"] != 10.0 || m["recv_bytes"] != 20.0) {
			t.Errorf("on_close bytes: %s", body)
		}
	}
	r.StreamID, r.Vhost = "", "v.example"
	body := OnPlay.Body(r)
	if strings.Contains(string(body), "stream_id") || !strings.Contains(string(body), `"stream_url":"v.example/live/cam"`) {
		t.Errorf("no stream id, named vhost: %s", body)
	}
}

// keysInOrder returns the keys of a JSON object in the order they appear.
func keysInOrder(t *testing.T, body []byte) []string {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(body))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", body)
	}
	var keys []string
	for d.More() {
		k, err := d.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestHooksURLs(t *testing.T) {
	h := &Hooks{OnPlay: []string{"http://a/"}, OnStop: []string{"http://b/"}}
	if h.URLs(OnPlay) != nil {
		t.Error("a disabled block has URLs")
	}
	h.Enabled = true
	if u := h.URLs(OnPlay); len(u) != 1 || u[0] != "http://a/" || h.URLs(OnStop)[0] != "http://b/" || h.URLs(OnConnect) != nil {
		t.Error("URLs per event")
	}
	var nilHooks *Hooks
	if nilHooks.URLs(OnPlay) != nil || nilHooks.CallTimeout() != DefaultHookTimeout {
		t.Error("nil block")
	}
	for e := OnConnect; e <= OnStop; e++ {
		if e.Admits() != (e == OnConnect || e == OnPublish || e == OnPlay) {
			t.Errorf("%s admits %v", e, e.Admits())
		}
	}
}
