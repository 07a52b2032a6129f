package rtmp

import (
	"context"
	"errors"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in    string
		want  URL
		tcURL string
	}{
		{"rtmp://h/live/s", URL{Host: "h", Port: "1935", App: "live", Stream: "s"}, "rtmp://h/live"},
		{"rtmp://h:19350/live/s?token=1", URL{Host: "h", Port: "19350", App: "live", Stream: "s", Param: "?token=1"}, "rtmp://h:19350/live"},
		{"rtmp://h/a/b/c", URL{Host: "h", Port: "1935", App: "a/b", Stream: "c"}, "rtmp://h/a/b"},
		{"rtmp://[::1]:1936/live/s", URL{Host: "::1", Port: "1936", App: "live", Stream: "s"}, "rtmp://[::1]:1936/live"},
	} {
		u, err := ParseURL(tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if *u != tc.want || u.TCURL() != tc.tcURL {
			t.Fatalf("%s: got %+v %s, want %+v %s", tc.in, *u, u.TCURL(), tc.want, tc.tcURL)
		}
	}
	for _, bad := range []string{"http://h/live/s", "rtmp://h/live", "rtmp:///live/s", "rtmp://h/live/", "::"} {
		if _, err := ParseURL(bad); !errors.Is(err, ErrBadURL) {
			t.Fatalf("%q: got %v, want ErrBadURL", bad, err)
		}
	}
}

// Request splitting as SRS's srs_discovery_tc_url and srs_vhost_resolve do.
func TestFillRequest(t *testing.T) {
	for _, tc := range []struct {
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
	} {
		r := Request{TcURL: tc.tcURL}
		fillRequest(&r, tc.connectApp, tc.stream)
		tc.want.TcURL = tc.tcURL
		if !reflect.DeepEqual(r, tc.want) {
			t.Fatalf("%s %s: got %+v, want %+v", tc.tcURL, tc.stream, r, tc.want)
		}
	}
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
