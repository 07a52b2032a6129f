package tests

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// TestEdgeTokenTraverse: with cluster.token_traverse on, an RTMP player's
// extra connect fields (its token) reach the origin in the edge's connect, and
// its query string goes upstream too. The origin here is a small RTMP server
// built on our rtmp package that records what the edge sends.
func TestEdgeTokenTraverse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan *rtmp.Request, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		c, err := rtmp.Accept(nc, rtmp.ServerConfig{})
		if err != nil {
			return
		}
		req, err := c.ReadRequest()
		if err != nil {
			return
		}
		got <- req
		c.AcceptPlay()
		meta, _ := flv.MarshalAMF0("onMetaData", flv.Object{{Key: "duration", Value: float64(0)}})
		c.WriteTags([]*flv.Tag{{Type: flv.TagScript, Data: meta}})
		time.Sleep(3 * time.Second)
	}()
	cfg := strings.Replace(edgeConfig(ln.Addr().String()), "mode remote;", "mode remote;\n        token_traverse on;", 1)
	edge := startServer(t, cfg)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := rtmp.Dial(ctx, edge.rtmpURL("live/tok?sign=s1"), rtmp.DialConfig{ConnectParams: flv.Object{{Key: "token", Value: "secret-42"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go c.Play(ctx)
	select {
	case req := <-got:
		if v, _ := req.ConnectArgs.GetString("token"); v != "secret-42" {
			t.Errorf("origin saw connect args %v, want token=secret-42", req.ConnectArgs)
		}
		if !strings.Contains(req.Param, "sign=s1") {
			t.Errorf("origin saw param %q, want the player's query", req.Param)
		}
		if req.Stream != "tok" || req.App != "live" {
			t.Errorf("origin saw %s/%s", req.App, req.Stream)
		}
	case <-ctx.Done():
		t.Fatal("the edge never connected to the origin")
	}
}
