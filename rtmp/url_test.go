package rtmp

import (
	"context"
	"errors"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// casesParseURL feeds TestParseURL and FuzzParseURL.
var casesParseURL = []struct {
	in    string
	want  URL
	tcURL string
}{
	{"rtmp://h/live/s", URL{Host: "h", Port: "1935", App: "live", Stream: "s"}, "rtmp://h/live"},
	{"rtmp://h:19350/live/s?token=1", URL{Host: "h", Port: "19350", App: "live", Stream: "s", Param: "?token=1"}, "rtmp://h:19350/live"},
	{"rtmp://h/a/b/c", URL{Host: "h", Port: "1935", App: "a/b", Stream: "c"}, "rtmp://h/a/b"},
	{"rtmp://[::1]:1936/live/s", URL{Host: "::1", Port: "1936", App: "live", Stream: "s"}, "rtmp://[::1]:1936/live"},
	{"rtmp://[fe80::1%25eth0]/live/s", URL{Host: "fe80::1%eth0", Port: "1935", App: "live", Stream: "s"}, "rtmp://[fe80::1%25eth0]/live"},
	{"rtmp://h/a%20b/s?x=%41#frag", URL{Host: "h", Port: "1935", App: "a%20b", Stream: "s", Param: "?x=%41"}, "rtmp://h/a%20b"},
}

var badURLs = []string{"http://h/live/s", "rtmp://h/live", "rtmp:///live/s", "rtmp://h/live/", "::"}

func TestParseURL(t *testing.T) {
	for _, tc := range casesParseURL {
		u, err := ParseURL(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if *u != tc.want || u.TCURL() != tc.tcURL {
			t.Fatalf("%s: got %+v %s, want %+v %s", tc.in, *u, u.TCURL(), tc.want, tc.tcURL)
		}
	}
	for _, bad := range badURLs {
		if _, err := ParseURL(bad); !errors.Is(err, ErrBadURL) {
			t.Fatalf("%q: got %v, want ErrBadURL", bad, err)
		}
	}
}

// FuzzParseURL: no panic; a URL that parses has a host, an app and a
// stream, a parameter that is empty or starts with '?', and the URL a
// client rebuilds from it (tcUrl + "/" + stream and parameter, what Dial
// sends) parses to the same fields.
func FuzzParseURL(f *testing.F) {
	for _, tc := range casesParseURL {
		f.Add(tc.in)
	}
	for _, bad := range badURLs {
		f.Add(bad)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseURL(s)
		if err != nil {
			if !errors.Is(err, ErrBadURL) {
				t.Fatalf("error %v is not ErrBadURL", err)
			}
			return
		}
		if u.Host == "" || u.App == "" || u.Stream == "" || u.Port == "" {
			t.Fatalf("%q: empty field in %+v", s, *u)
		}
		if u.Param != "" && u.Param[0] != '?' {
			t.Fatalf("%q: param %q", s, u.Param)
		}
		again := u.TCURL() + "/" + u.StreamWithParam()
		u2, err := ParseURL(again)
		if err != nil {
			t.Fatalf("%q rebuilt as %q: %v", s, again, err)
		}
		if *u2 != *u {
			t.Fatalf("%q rebuilt as %q: %+v, want %+v", s, again, *u2, *u)
		}
	})
}

// casesFillRequest feeds TestFillRequest and FuzzFillRequest: request
// splitting as SRS's srs_discovery_tc_url and srs_vhost_resolve do.
var casesFillRequest = []struct {
	tcURL, connectApp, stream string
	want                      Request
}{
	{"rtmp://127.0.0.1:1935/live", "live", "livestream",
		Request{App: "live", Stream: "livestream", Host: "127.0.0.1", Vhost: "127.0.0.1"}},
	{"rtmp://example.com/live", "live", "s?token=abc",
		Request{App: "live", Stream: "s", Param: "?token=abc", Host: "example.com", Vhost: "example.com"}},
	{"rtmp://1.2.3.4/live?vhost=v.com", "live?vhost=v.com", "s",
		Request{App: "live", Stream: "s", Param: "?vhost=v.com", Host: "1.2.3.4", Vhost: "v.com"}},
	{"rtmp://1.2.3.4/live", "live", "s?domain=d.com&x=1",
		Request{App: "live", Stream: "s", Param: "?domain=d.com&x=1", Host: "1.2.3.4", Vhost: "d.com"}},
	{"rtmp://1.2.3.4/live...vhost...v2.com", "", "s",
		Request{App: "live", Stream: "s", Param: "?vhost=v2.com", Host: "1.2.3.4", Vhost: "v2.com"}},
	{"rtmp://h/a/b/c", "a/b/c", "s",
		Request{App: "a/b/c", Stream: "s", Host: "h", Vhost: "h"}},
	{"", "live", "s", Request{App: "live", Stream: "s"}},
}

func TestFillRequest(t *testing.T) {
	for _, tc := range casesFillRequest {
		r := Request{TcURL: tc.tcURL}
		fillRequest(&r, tc.connectApp, tc.stream)
		tc.want.TcURL = tc.tcURL
		if !reflect.DeepEqual(r, tc.want) {
			t.Fatalf("%s %s: got %+v, want %+v", tc.tcURL, tc.stream, r, tc.want)
		}
	}
}

// FuzzFillRequest: no panic; the split parts have no query left in them,
// the parameter is empty or starts with '?', every part is no longer than
// what it comes from (so the name limits, checked on the parts, bound what
// the server keeps), and nameTooLong agrees with the limits.
func FuzzFillRequest(f *testing.F) {
	for _, tc := range casesFillRequest {
		f.Add(tc.tcURL, tc.connectApp, tc.stream)
	}
	f.Fuzz(func(t *testing.T, tcURL, connectApp, stream string) {
		r := Request{TcURL: tcURL}
		fillRequest(&r, connectApp, stream)
		if strings.Contains(r.Stream, "?") || strings.Contains(r.App, "?") {
			t.Fatalf("query left in app %q or stream %q", r.App, r.Stream)
		}
		if r.Param != "" && r.Param[0] != '?' {
			t.Fatalf("param %q", r.Param)
		}
		if len(r.App) > max(len(tcURL), len(connectApp)) || len(r.Host) > len(tcURL) || len(r.Stream) > len(stream) {
			t.Fatalf("parts longer than their source: %+v", r)
		}
		// "...vhost...v" becomes "&vhost=v" (or "?vhost=v"), one byte more.
		if len(r.Param) > max(len(stream), len(tcURL)+1) || len(r.Vhost) > max(len(stream), len(tcURL)+1) {
			t.Fatalf("param %q or vhost %q longer than their sources", r.Param, r.Vhost)
		}
		within := len(r.TcURL) <= MaxTcURLLength && len(r.App) <= MaxAppLength &&
			len(r.Stream) <= MaxStreamNameLength && len(r.Param) <= MaxParamLength
		if why := nameTooLong(&r); (why == "") != within {
			t.Fatalf("nameTooLong %q for %d/%d/%d/%d bytes", why, len(r.TcURL), len(r.App), len(r.Stream), len(r.Param))
		}
	})
}

// A server that answers publish with an RTMP 302 (SRS origin cluster).
func TestRedirect(t *testing.T) {
	addr, done := listen(t, func(c *Conn) error {
		if _, err := c.ReadRequest(); err != nil {
			return err
		}
		info := append(statusInfo("error", "NetStream.Play.Redirect", "RTMP 302 Redirect"),
			flv.ObjectEntry{Key: "ex", Value: flv.Object{{Key: "code", Value: float64(302)}, {Key: "redirect", Value: "rtmp://other/live/s"}}})
		return c.writeCommand(csidStream, c.streamID, "onStatus", 0, nil, info)
	})
	ctx := context.Background()
	c, err := Dial(ctx, "rtmp://"+addr+"/live/s", DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Play(ctx)
	var re *RedirectError
	if !errors.As(err, &re) || re.URL != "rtmp://other/live/s" {
		t.Fatalf("got %v, want redirect", err)
	}
	<-done
}

// Unknown commands with a transaction id get _result null; pings get pongs;
// AMF3 commands are understood.
func TestUnknownCommandPingAMF3(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	reqc := make(chan *Request, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		c, err := Accept(nc, ServerConfig{})
		if err != nil {
			return
		}
		r, _ := c.ReadRequest()
		reqc <- r
	}()
	ctx := context.Background()
	c, err := Dial(ctx, "rtmp://"+ln.Addr().String()+"/live/s", DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	// Unknown command, transaction 42.
	if err := c.writeCommand(csidCommand, 0, "whoknows", 42, nil); err != nil {
		t.Fatal(err)
	}
	res, err := c.waitResult(42)
	if err != nil || res.arg(0) != nil {
		t.Fatalf("unknown command: %v %+v", err, res)
	}
	// Ping request -> ping response.
	if err := c.writeControl(TypeUserControl, userControlBody(userControlPingRequest, 1234)); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := c.cr.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if m.Type == TypeUserControl && len(m.Body) == 6 && m.Body[1] == userControlPingResponse {
			break
		}
	}
	// An AMF3 command message: a 0 byte, then AMF0.
	b, _ := flv.MarshalAMF0("play", 0, nil, "s3")
	if err := c.writeMessages(Message{Type: TypeCommandAMF3, ChunkStreamID: csidClientStream, StreamID: 1, Body: append([]byte{0}, b...)}); err != nil {
		t.Fatal(err)
	}
	if r := <-reqc; r == nil || r.Kind != KindPlay || r.Stream != "s3" {
		t.Fatalf("AMF3 play: got %+v", r)
	}
}
