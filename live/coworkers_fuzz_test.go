package live

import (
	"encoding/json"
	"net"
	"strconv"
	"testing"

	"github.com/picosrs/picosrs/rtmp"
)

// casesClustersAnswer feeds TestParseClustersAnswer and
// FuzzClustersAnswer: a coworker's answer and where it says the stream is
// ("" for nowhere, "error" for an answer refused).
var casesClustersAnswer = []struct {
	name, body, want string
}{
	{"srs null", `{"code":0,"data":{"query":{"ip":"","vhost":"__defaultVhost__","app":"live","stream":"s"},"origin":null}}`, ""},
	{"srs origin", `{"code":0,"data":{"query":{},"origin":{"ip":"10.0.0.3","port":19352,"vhost":"__defaultVhost__","api":"10.0.0.3:9092","routers":["10.0.0.3:9092"]}}}`, "10.0.0.3:19352 http 0"},
	{"picosrs origin", `{"code":0,"data":{"origin":{"ip":"o3.test","port":1935,"vhost":"v.test","http_port":8080}}}`, "o3.test:1935 http 8080"},
	{"ipv6", `{"code":0,"data":{"origin":{"ip":"::1","port":1935}}}`, "[::1]:1935 http 0"},
	{"no data", `{"code":0}`, ""},
	{"error code", `{"code":1000,"data":{"origin":{"ip":"10.0.0.3","port":1935}}}`, "error"},
	{"not json", `<html>`, "error"},
	{"bad ip", `{"code":0,"data":{"origin":{"ip":"a b\r\nLocation: x","port":1935}}}`, "error"},
	{"no ip", `{"code":0,"data":{"origin":{"port":1935}}}`, "error"},
	{"port 0", `{"code":0,"data":{"origin":{"ip":"10.0.0.3","port":0}}}`, "error"},
	{"port too big", `{"code":0,"data":{"origin":{"ip":"10.0.0.3","port":65536}}}`, "error"},
	{"port not a number", `{"code":0,"data":{"origin":{"ip":"10.0.0.3","port":"1935"}}}`, "error"},
	{"http port too big", `{"code":0,"data":{"origin":{"ip":"10.0.0.3","port":1935,"http_port":70000}}}`, "error"},
}

func describeAnswer(at *RedirectError, err error) string {
	switch {
	case err != nil:
		return "error"
	case at == nil:
		return ""
	}
	return net.JoinHostPort(at.IP, strconv.Itoa(at.Port)) + " http " + strconv.Itoa(at.HTTPPort)
}

func TestParseClustersAnswer(t *testing.T) {
	key := StreamKey{DefaultVhost, "live", "s"}
	for _, c := range casesClustersAnswer {
		at, err := parseClustersAnswer([]byte(c.body), "cw:1985", key)
		if got := describeAnswer(at, err); got != c.want {
			t.Errorf("%s: got %q (%v), want %q", c.name, got, err, c.want)
		}
	}
}

// FuzzClustersAnswer: any answer is taken or refused without a panic; one
// taken names a host and ports that make a valid RTMP URL and HTTP
// address for the player, and survives a round trip through SRS's JSON.
func FuzzClustersAnswer(f *testing.F) {
	for _, c := range casesClustersAnswer {
		f.Add([]byte(c.body))
	}
	key := StreamKey{DefaultVhost, "live", "s"}
	f.Fuzz(func(t *testing.T, b []byte) {
		at, err := parseClustersAnswer(b, "cw:1985", key)
		if err != nil || at == nil {
			return
		}
		u, err := rtmp.ParseURL(at.RTMPURL(key, "?token=1"))
		if err != nil || u.Addr() != net.JoinHostPort(at.IP, strconv.Itoa(at.Port)) {
			t.Fatalf("redirect URL %q: %v", at.RTMPURL(key, "?token=1"), err)
		}
		if h, p, err := net.SplitHostPort(at.HTTPHost("8080")); err != nil || h != at.IP || p == "" {
			t.Fatalf("HTTP host %q: %v", at.HTTPHost("8080"), err)
		}
		again, _ := json.Marshal(map[string]any{"code": 0, "data": map[string]any{"origin": map[string]any{
			"ip": at.IP, "port": at.Port, "vhost": at.Vhost, "http_port": at.HTTPPort}}})
		back, err := parseClustersAnswer(again, "cw:1985", key)
		if err != nil || back == nil || *back != *at {
			t.Fatalf("round trip: %+v -> %s -> %+v, %v", at, again, back, err)
		}
	})
}
