package tests

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// protocolMux listens on one port for an origin that serves RTMP and HTTP
// on two: it sniffs each connection's first byte (3 is RTMP's C0) and
// proxies it to the right port, recording "rtmp" or the HTTP request line.
// SRS's follow_client uses one origin address for both protocols.
type protocolMux struct {
	ln   net.Listener
	mu   sync.Mutex
	seen []string
}

func newProtocolMux(t *testing.T, rtmpAddr, httpAddr string) *protocolMux {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := &protocolMux{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go m.proxy(c, rtmpAddr, httpAddr)
		}
	}()
	return m
}

func (m *protocolMux) proxy(c net.Conn, rtmpAddr, httpAddr string) {
	defer c.Close()
	br := bufio.NewReader(c)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	to, what := httpAddr, ""
	if first[0] == 3 {
		to, what = rtmpAddr, "rtmp"
	} else if line, err := br.Peek(min(br.Buffered(), 512)); err == nil {
		what, _, _ = strings.Cut(string(line), "\r\n")
	}
	c.SetReadDeadline(time.Time{})
	m.mu.Lock()
	m.seen = append(m.seen, what)
	m.mu.Unlock()
	up, err := net.Dial("tcp", to)
	if err != nil {
		return
	}
	defer up.Close()
	go func() { io.Copy(up, br); up.Close() }()
	io.Copy(c, up)
}

func (m *protocolMux) addr() string { return m.ln.Addr().String() }

func (m *protocolMux) saw() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.seen...)
}

// TestEdgeFollowClient: with follow_client on, an HTTP player's pull goes to
// the origin over HTTP-FLV with the player's query, and an RTMP player's
// over RTMP.
func TestEdgeFollowClient(t *testing.T) {
	t.Parallel()
	origin := startServer(t, baseConfig)
	publish(t, "h264_aac.flv", origin.rtmpURL("live/a"), 1, true)
	publish(t, "h264_aac.flv", origin.rtmpURL("live/b"), 1, true)
	origin.waitLive(t, "live/a.flv")
	origin.waitLive(t, "live/b.flv")
	mux := newProtocolMux(t, origin.addr(), origin.httpAddr())
	edge := startServer(t, clusterConfig("mode remote;", "origin "+mux.addr()+";", "follow_client on;"))

	decode(t, edge.httpURL("live/a.flv?token=xyz"), 1)
	if saw := mux.saw(); len(saw) != 1 || saw[0] != "GET /live/a.flv?token=xyz HTTP/1.1" {
		t.Fatalf("the HTTP player's pull reached the origin as %q", saw)
	}
	decode(t, edge.rtmpURL("live/b?token=q"), 1)
	if saw := mux.saw(); len(saw) != 2 || saw[1] != "rtmp" {
		t.Fatalf("the RTMP player's pull reached the origin as %q", saw)
	}
	if countLines(edge.Log(), "edge pull start", "live/a", "protocol=flv") != 1 || countLines(edge.Log(), "edge pull start", "live/b", "protocol=rtmp") != 1 {
		t.Errorf("edge log does not show one pull per protocol")
	}
}
