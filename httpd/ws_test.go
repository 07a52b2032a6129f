package httpd

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/fixture"
	"github.com/picosrs/picosrs/internal/websocket"
	"github.com/picosrs/picosrs/live"
)

// wsDial opens a WebSocket to path on e.
func (e *env) wsDial(t *testing.T, path string, h http.Header) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", e.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	br, _, err := websocket.ClientHandshake(c, e.addr, path, h)
	if err != nil {
		t.Fatal(err)
	}
	return c, br
}

// TestWSFLVInProcess: a WebSocket player that comes before the publisher
// waits, then reads the published tags byte for byte out of binary frames;
// when the publisher leaves (grace 0) a close frame 1000 ends the stream.
func TestWSFLVInProcess(t *testing.T) {
	lc, hc := testConfigs()
	lc.Vhosts[0].Remux.Grace = 0
	e := newEnv(t, lc, hc)
	_, br := e.wsDial(t, "/live/x.flv", nil)
	e.waitViewers(t, live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "x"}, 1)
	tags := readFixture(t, "h264_aac.flv")
	if err := fixture.Publish(context.Background(), "rtmp://"+e.rtmp+"/live/x", tags[:100], time.Hour, 1); err != nil {
		t.Fatal(err)
	}
	m := websocket.NewMessageReader(br)
	fr := flv.NewReader(m)
	if _, err := fr.ReadHeader(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		got, err := fr.ReadTag()
		if err != nil {
			t.Fatalf("tag %d: %v", i, err)
		}
		if want := tags[i]; got.Type != want.Type || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("tag %d differs", i)
		}
	}
	if rest, err := io.ReadAll(m); err != nil || len(rest) != 0 {
		t.Fatalf("after the last tag: %d bytes, %v", len(rest), err)
	}
	if code, _, ok := m.Close(); !ok || code != websocket.CloseNormal {
		t.Fatalf("close %d %v, want 1000", code, ok)
	}
}

// TestWSHandshakeErrors: a bad handshake gets its status at once.
func TestWSHandshakeErrors(t *testing.T) {
	lc, hc := testConfigs()
	hc.Crossdomain = false
	e := newEnv(t, lc, hc)
	good := func() http.Header {
		return http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
	}
	for _, c := range []struct {
		name   string
		method string
		edit   func(http.Header)
		status int
	}{
		{"post", http.MethodPost, func(http.Header) {}, 400},
		{"version 8", http.MethodGet, func(h http.Header) { h.Set("Sec-Websocket-Version", "8") }, 426},
		{"no key", http.MethodGet, func(h http.Header) { h.Del("Sec-Websocket-Key") }, 400},
		{"no connection upgrade", http.MethodGet, func(h http.Header) { h.Set("Connection", "keep-alive") }, 400},
		{"foreign origin, crossdomain off", http.MethodGet, func(h http.Header) { h.Set("Origin", "http://evil.example") }, 403},
	} {
		req, _ := http.NewRequest(c.method, e.url("/live/x.flv"), nil)
		req.Header = good()
		c.edit(req.Header)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := http.DefaultClient.Do(req.WithContext(ctx))
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.status)
		}
		if c.status == 426 && resp.Header.Get("Sec-Websocket-Version") != "13" {
			t.Errorf("426 without Sec-WebSocket-Version 13: %v", resp.Header)
		}
	}
	// The page's own origin is fine with crossdomain off.
	_, _ = e.wsDial(t, "/live/x.flv", http.Header{"Origin": {"http://" + e.addr}})
}

// serverFrames reads the server's frames from br until it closes, and
// returns the opcodes of the control frames and the close status.
func serverFrames(br *bufio.Reader, stopAfterPong bool) (ops []websocket.Opcode, closeCode uint16, err error) {
	var hb [websocket.MaxHeaderSize]byte
	for {
		h, err := websocket.ReadHeader(br, &hb)
		if err != nil {
			return ops, 0, err
		}
		p := make([]byte, min(h.Length, 1<<20))
		if h.Length > 1<<20 {
			return ops, 0, errors.New("frame too big")
		}
		if _, err := io.ReadFull(br, p); err != nil {
			return ops, 0, err
		}
		if !h.Opcode.IsControl() {
			continue
		}
		ops = append(ops, h.Opcode)
		if h.Opcode == websocket.OpClose {
			code, _, err := websocket.ParseClose(p)
			return ops, code, err
		}
		if h.Opcode == websocket.OpPong && stopAfterPong {
			return ops, 0, nil
		}
	}
}

// TestWSClientFrames: the viewer's reader answers a ping with a pong,
// a close with a close, and closes with 1003 on a text frame and 1009 on a
// header that declares a gigabyte, at once; the socket is then closed.
func TestWSClientFrames(t *testing.T) {
	lc, hc := testConfigs()
	e := newEnv(t, lc, hc)
	e.publish(t, "live/x", "h264_aac.flv")
	e.waitPublishing(t, live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "x"})
	key := [4]byte{1, 2, 3, 4}
	for _, c := range []struct {
		name  string
		send  []byte
		ops   string
		code  uint16
		after bool // the pong comes, and more frames after it
	}{
		{"ping", websocket.AppendClientFrame(nil, websocket.OpPing, []byte("p1"), key), "pong", 0, true},
		{"close", websocket.AppendClientFrame(nil, websocket.OpClose, []byte{0x03, 0xe9}, key), "close", websocket.CloseGoingAway, false},
		{"text", websocket.AppendClientFrame(nil, websocket.OpText, []byte("hello"), key), "close", websocket.CloseUnsupportedData, false},
		{"1 GB header", []byte{0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4}, "close", websocket.CloseTooBig, false},
		{"unmasked", []byte{0x89, 0}, "close", websocket.CloseProtocolError, false},
	} {
		conn, br := e.wsDial(t, "/live/x.flv", nil)
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write(c.send); err != nil {
			t.Fatal(err)
		}
		ops, code, err := serverFrames(br, c.after)
		var names []string
		for _, op := range ops {
			names = append(names, map[websocket.Opcode]string{websocket.OpPong: "pong", websocket.OpClose: "close", websocket.OpPing: "ping"}[op])
		}
		if err != nil || strings.Join(names, " ") != c.ops || code != c.code {
			t.Errorf("%s: got %v code %d err %v, want %s code %d", c.name, names, code, err, c.ops, c.code)
			continue
		}
		if !c.after {
			if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("%s: socket not closed after the close frame: %v", c.name, err)
			}
		}
		conn.Close()
	}
}

// TestWSFrameTimeout: a client that begins a frame and never finishes it is
// ended after wsFrameTimeout (its socket closed, without a close frame: the
// read failed), not held for as long as it likes.
func TestWSFrameTimeout(t *testing.T) {
	saved := wsFrameTimeout
	t.Cleanup(func() { wsFrameTimeout = saved }) // after the server's cleanup
	wsFrameTimeout = 300 * time.Millisecond
	lc, hc := testConfigs()
	e := newEnv(t, lc, hc)
	e.publish(t, "live/x", "h264_aac.flv")
	e.waitPublishing(t, live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "x"})
	conn, br := e.wsDial(t, "/live/x.flv", nil)
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	start := time.Now()
	if _, err := conn.Write([]byte{0x89}); err != nil { // half a ping's header
		t.Fatal(err)
	}
	ops, _, err := serverFrames(br, false)
	if len(ops) != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after half a header: frames %v, err %v, want the socket closed", ops, err)
	}
	if d := time.Since(start); d < wsFrameTimeout {
		t.Fatalf("closed after %v, before the %v timeout", d, wsFrameTimeout)
	}
}
