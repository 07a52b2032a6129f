package live

import (
	"context"
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/picosrs/picosrs/rtmp"
)

// An RTMP player that starts a message and never finishes it is hung up
// once playerInputTimeout passes: the read of its input has a deadline, so
// a stalled client holds no borrowed read buffer for good.
func TestPlayerInputTimeout(t *testing.T) {
	old := playerInputTimeout
	t.Cleanup(func() { playerInputTimeout = old }) // after the server's shutdown (cleanups run last first)
	playerInputTimeout = 300 * time.Millisecond
	srv := NewServer(testConfig())
	addr := listenRTMP(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	pub, err := rtmp.Dial(ctx, "rtmp://"+addr+"/live/in", rtmp.DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	if err := pub.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	tags := readFixture(t, "h264_aac.flv")[:40]
	for i := range tags {
		if err := pub.WriteTag(&tags[i]); err != nil {
			t.Fatal(err)
		}
	}

	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c, err := rtmp.NewClientConn(ctx, nc, "rtmp://"+addr+"/live/in", rtmp.DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Play(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ReadTag(); err != nil {
		t.Fatal(err)
	}
	// The first byte of a chunk's basic header (chunk stream 3, type 0),
	// then nothing.
	if _, err := nc.Write([]byte{0x03}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	nc.SetReadDeadline(start.Add(5 * time.Second))
	for {
		_, err := c.ReadTag()
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("the stalled player was not hung up within 5 s (input timeout %v)", playerInputTimeout)
		}
		t.Logf("hung up after %v: %v", time.Since(start).Round(time.Millisecond), err)
		return
	}
}
