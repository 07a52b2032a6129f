package live

import (
	"context"
	"errors"
	"net"
	"testing"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// fakeRTMPOrigin accepts RTMP plays on loopback and hands each to serve.
func fakeRTMPOrigin(t *testing.T, serve func(c *rtmp.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer nc.Close()
				c, err := rtmp.Accept(nc, rtmp.ServerConfig{})
				if err != nil {
					return
				}
				if _, err := c.ReadRequest(); err != nil {
					return
				}
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestRTMPUpstreamRedirects: the RTMP pull follows a redirect that answers
// the play (picosrs origins) and one that comes after NetStream.Play.Start
// (SRS origins), up to edgeRedirects in a row.
func TestRTMPUpstreamRedirects(t *testing.T) {
	tag := &flv.Tag{Type: flv.TagAudio, Timestamp: 40, Data: []byte{0xaf, 1, 2, 3}}
	origin := fakeRTMPOrigin(t, func(c *rtmp.Conn) {
		c.AcceptPlay()
		c.WriteTags([]*flv.Tag{tag})
		c.ServePlayerInput()
	})
	// SRS: start the play, then redirect.
	srsStyle := func(to string) string {
		return fakeRTMPOrigin(t, func(c *rtmp.Conn) {
			c.AcceptPlay()
			c.Redirect("rtmp://" + to + "/live/s")
		})
	}
	// picosrs: the redirect answers the play.
	picoStyle := func(to string) string {
		return fakeRTMPOrigin(t, func(c *rtmp.Conn) { c.Redirect("rtmp://" + to + "/live/s") })
	}
	srv := NewServer(testConfig())
	st := testStream(srv, "s")
	ctx := context.Background()
	three := srsStyle(picoStyle(srsStyle(origin)))
	u, err := srv.dialRTMP(ctx, st, three, DefaultVhost, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := u.ReadTag()
	if err != nil || got.Timestamp != 40 || string(got.Data) != string(tag.Data) {
		t.Fatalf("after 3 redirects: %v %+v", err, got)
	}
	if u.Addr() != origin || u.BytesIn() == 0 {
		t.Errorf("reads %s (%d bytes), want %s", u.Addr(), u.BytesIn(), origin)
	}
	u.Close()

	four := picoStyle(three)
	u, err = srv.dialRTMP(ctx, st, four, DefaultVhost, "", nil)
	if err == nil {
		_, err = u.ReadTag()
		u.Close()
	}
	if !errors.Is(err, errTooManyRedirects) {
		t.Fatalf("4 redirects: %v", err)
	}
	fourSRS := srsStyle(three)
	u, err = srv.dialRTMP(ctx, st, fourSRS, DefaultVhost, "", nil)
	if err == nil {
		_, err = u.ReadTag()
		u.Close()
	}
	if !errors.Is(err, errTooManyRedirects) {
		t.Fatalf("4 redirects, SRS style: %v", err)
	}
}
