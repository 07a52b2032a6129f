package tests

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/fixture"
	"github.com/picosrs/picosrs/internal/websocket"
)

// wsDial opens a WebSocket to path on port, over TLS when conf is set.
func wsDial(t testing.TB, port int, conf *tls.Config, path string) (net.Conn, *bufio.Reader) {
	t.Helper()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	var c net.Conn
	var err error
	if conf != nil {
		c, err = tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, conf)
	} else {
		c, err = net.DialTimeout("tcp", addr, 5*time.Second)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br, _, err := websocket.ClientHandshake(c, addr, "/"+path, http.Header{"Origin": {"http://other.example"}})
	if err != nil {
		t.Fatalf("ws %s: %v", path, err)
	}
	return c, br
}

// mediaIndex maps a published media tag's body to its position.
func mediaIndex(tags []flv.Tag) map[string]int {
	m := map[string]int{}
	for i, tag := range tags {
		if (tag.IsVideo() || tag.IsAudio()) && !tag.IsSequenceHeader() {
			if _, dup := m[string(tag.Data)]; !dup {
				m[string(tag.Data)] = i
			}
		}
	}
	return m
}

// checkWSFLV reads FLV out of binary messages for d: the header, then tags
// whose media bodies are the published ones in order, none missing, none
// altered, timestamps never going back.
func checkWSFLV(t *testing.T, what string, br *bufio.Reader, tags []flv.Tag, d time.Duration) {
	t.Helper()
	idx := mediaIndex(tags)
	r := flv.NewReader(websocket.NewMessageReader(br))
	if _, err := r.ReadHeader(); err != nil {
		t.Fatalf("%s: FLV header: %v", what, err)
	}
	last, prevTS, media := -1, uint32(0), 0
	for end := time.Now().Add(d); time.Now().Before(end); {
		tag, err := r.ReadTag()
		if err != nil {
			t.Fatalf("%s: after %d media tags: %v", what, media, err)
		}
		if tag.Timestamp < prevTS {
			t.Fatalf("%s: timestamp %d after %d", what, tag.Timestamp, prevTS)
		}
		prevTS = tag.Timestamp
		if !(tag.IsVideo() || tag.IsAudio()) || tag.IsSequenceHeader() {
			continue
		}
		i, ok := idx[string(tag.Data)]
		switch {
		case !ok:
			t.Fatalf("%s: a media tag (%d bytes) that was never published", what, len(tag.Data))
		case last >= 0 && i != last+1:
			// Sequence headers and metadata between media tags are skipped.
			for j := last + 1; j < i; j++ {
				if tg := tags[j]; (tg.IsVideo() || tg.IsAudio()) && !tg.IsSequenceHeader() {
					t.Fatalf("%s: tag %d follows tag %d: %d missing", what, i, last, i-last-1)
				}
			}
		case last < 0 && !(tag.IsVideo() && tag.IsKeyframe()):
			t.Fatalf("%s: starts with a tag that is no keyframe", what)
		}
		last = i
		media++
	}
	if media < 50 {
		t.Fatalf("%s: only %d media tags in %v", what, media, d)
	}
}

// checkWSTS reads MPEG-TS out of binary messages for d: whole 188-byte
// packets, each with its sync byte, and every PID's continuity counter
// stepping by one on each packet with payload.
func checkWSTS(t *testing.T, what string, br *bufio.Reader, d time.Duration) {
	t.Helper()
	r := websocket.NewMessageReader(br)
	cc := map[uint16]byte{}
	var pkt [188]byte
	n := 0
	for end := time.Now().Add(d); time.Now().Before(end); n++ {
		if _, err := io.ReadFull(r, pkt[:]); err != nil {
			t.Fatalf("%s: packet %d: %v", what, n, err)
		}
		if pkt[0] != 0x47 {
			t.Fatalf("%s: packet %d: sync byte %#x", what, n, pkt[0])
		}
		pid := uint16(pkt[1]&0x1f)<<8 | uint16(pkt[2])
		if pkt[3]&0x10 == 0 || pid == 0x1fff {
			continue // no payload: the counter does not move
		}
		c := pkt[3] & 0xf
		discontinuity := pkt[3]&0x20 != 0 && pkt[4] > 0 && pkt[5]&0x80 != 0
		if prev, ok := cc[pid]; ok && !discontinuity && c != (prev+1)&0xf {
			t.Fatalf("%s: packet %d, PID %#x: continuity counter %d after %d", what, n, pid, c, prev)
		}
		cc[pid] = c
	}
	if _, ok := cc[0x100]; !ok || n < 200 {
		t.Fatalf("%s: %d packets, PIDs %v: no video", what, n, cc)
	}
}

// TestWebSocketPlay: our client reads .flv and .ts over ws:// and wss://
// (from another origin: crossdomain is on); the FLV carries every
// published tag unaltered and in order, the TS every continuity counter;
// the WebSocket viewers are in the API's client list.
func TestWebSocketPlay(t *testing.T) {
	t.Parallel()
	s := startHTTPS(t, httpsConfig)
	tags := fixture.ReadFLV(t, "h264_aac.flv")
	fixture.StartPublish(t, s.rtmpURL("live/w"), tags, time.Second)
	s.waitLive(t, "live/w.flv")
	_, flvWS := wsDial(t, s.HTTP, nil, "live/w.flv")
	_, flvWSS := wsDial(t, s.HTTPS, s.clientConf, "live/w.flv")
	_, tsWS := wsDial(t, s.HTTP, nil, "live/w.ts")
	_, tsWSS := wsDial(t, s.HTTPS, s.clientConf, "live/w.ts")

	// The four are registered as players while they play (each registers
	// right after its 101 answer).
	var types map[string]int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var clients struct {
			Clients []struct {
				Type string `json:"type"`
			} `json:"clients"`
		}
		resp, err := http.Get(s.httpURL("api/v1/clients?count=100"))
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&clients)
		resp.Body.Close()
		types = map[string]int{}
		for _, c := range clients.Clients {
			types[c.Type]++
		}
		if types["flv-play"] >= 2 && types["ts-play"] >= 2 {
			break
		}
	}
	if types["flv-play"] < 2 || types["ts-play"] < 2 {
		t.Errorf("API clients by type: %v, want 2 flv-play and 2 ts-play", types)
	}

	done := make(chan struct{}, 4)
	run := func(f func()) {
		go func() {
			defer func() { done <- struct{}{} }()
			f()
		}()
	}
	run(func() { checkWSFLV(t, "ws flv", flvWS, tags, 4*time.Second) })
	run(func() { checkWSFLV(t, "wss flv", flvWSS, tags, 4*time.Second) })
	run(func() { checkWSTS(t, "ws ts", tsWS, 4*time.Second) })
	run(func() { checkWSTS(t, "wss ts", tsWSS, 4*time.Second) })
	for range 4 {
		<-done
	}
}

// TestWebSocketAbuse: bad handshakes get their status at once; a client
// that never reads is closed after write_timeout while a normal viewer
// keeps playing; a frame header that declares a gigabyte gets close 1009
// and the socket closed at once; the server stays healthy.
func TestWebSocketAbuse(t *testing.T) {
	t.Parallel()
	s := startHTTPS(t, httpsConfig)
	// At 4x (1 MB/s) the stalled client's socket fills in seconds.
	publish(t, "h264_aac_720p_2mbps.flv", s.rtmpURL("live/big"), 4, true)
	s.waitLive(t, "live/big.flv")

	for _, c := range []struct {
		name, req string
		status    int
	}{
		{"wrong version", "GET /live/big.flv HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", 426},
		{"missing key", "GET /live/big.flv HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", 400},
		{"POST", "POST /live/big.flv HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nContent-Length: 0\r\n\r\n", 400},
		{"HTTP/1.0", "GET /live/big.flv HTTP/1.0\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n", 400},
	} {
		conn := dial(t, s.HTTP)
		conn.SetDeadline(time.Now().Add(3 * time.Second))
		io.WriteString(conn, c.req)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Errorf("%s: no answer within 3 s: %v", c.name, err)
		} else if resp.StatusCode != c.status {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.status)
		}
		conn.Close()
	}

	// A client that completes the handshake and never reads.
	stalled, err := dialSmallRcvBuf(s.HTTP, 4096)
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	fmt.Fprintf(stalled, "GET /live/big.flv HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
	stalledAt := time.Now()

	// A frame header declaring 1 GB.
	huge, br := wsDial(t, s.HTTPS, s.clientConf, "live/big.flv")
	hugeAt := time.Now()
	huge.Write([]byte{0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4})
	m := websocket.NewMessageReader(br)
	_, err = io.Copy(io.Discard, m)
	code, _, ok := m.Close()
	if err != nil || !ok || code != websocket.CloseTooBig {
		t.Errorf("1 GB header: close %d (%v), read %v; want close 1009", code, ok, err)
	}
	if took := time.Since(hugeAt); took > 3*time.Second {
		t.Errorf("1 GB header: closed after %v", took)
	}

	// A normal WebSocket viewer plays on beside them.
	_, normal := wsDial(t, s.HTTP, nil, "live/big.flv")
	nm := websocket.NewMessageReader(normal)
	var buf [32 << 10]byte
	var got int64
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); {
		n, err := nm.Read(buf[:])
		if err != nil {
			t.Fatalf("normal viewer: %v after %d bytes", err, got)
		}
		got += int64(n)
	}
	if got < 2<<20 {
		t.Errorf("normal viewer got %d bytes in 5 s of an 8 Mbit/s stream", got)
	}
	_, left := s.waitReleased(t, []net.Conn{stalled}, time.Until(stalledAt.Add(3*time.Second+20*time.Second)))
	if left > 0 {
		t.Errorf("the WebSocket client that never reads is still held %v after it stalled (write_timeout 3 s)", time.Since(stalledAt).Round(100*time.Millisecond))
	} else {
		t.Logf("the WebSocket client that never reads was closed %v after it stalled", time.Since(stalledAt).Round(100*time.Millisecond))
	}
	if !bytes.Contains([]byte(s.Log()), []byte("ws play stop")) {
		t.Error("no ws play stop in the log")
	}
	s.healthy(t, "after-ws-abuse")
}
