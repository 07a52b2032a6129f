package live

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// discardSink takes every write at once.
type discardSink struct{}

func (discardSink) Write([][]byte) error                       { return nil }
func (discardSink) TryWrite([][]byte, time.Time) (bool, error) { return true, nil }
func (discardSink) Finish() error                              { return nil }

// waitDriven waits until the goroutine a wake-up started for c has looked
// at it and returned (or ended it).
func waitDriven(t *testing.T, c *Consumer) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		c.wmu.Lock()
		done := c.closed || !c.running.Load()
		c.wmu.Unlock()
		if done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the consumer's goroutine never ran")
		}
	}
}

// startAndEnd starts v and returns the reason it ended, failing the test if
// it does not end.
func startAndEnd(t *testing.T, v *Viewer) error {
	t.Helper()
	ended := make(chan error, 1)
	v.Start(discardSink{}, func(err error) { ended <- err })
	select {
	case err := <-ended:
		v.Close(err)
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the viewer never ended: its consumer, its client entry and its share of an edge pull stay for good")
		return nil
	}
}

// TestKickBeforeStart: a player kicked between Play and Start (the RTMP
// server accepts the play in between; the API's kicks land there under
// load) ends as soon as it starts, and leaves nothing behind: no client
// entry, no stream, no share of an edge's pull (which would never stop).
func TestKickBeforeStart(t *testing.T) {
	srv := NewServer(testConfig())
	key := StreamKey{DefaultVhost, "live", "kicked"}
	conn, peer := net.Pipe()
	defer peer.Close()
	v, err := srv.Play(PlayRequest{Key: key, Format: FormatFLV, Conn: conn})
	if err != nil {
		t.Fatal(err)
	}
	if !srv.Kick(v.Client().ID) {
		t.Fatal("kick refused")
	}
	waitDriven(t, v.c)
	if err := startAndEnd(t, v); !errors.Is(err, ErrViewerGone) {
		t.Fatalf("ended with %v, want %v", err, ErrViewerGone)
	}
	if srv.Stream(key) != nil || len(srv.Clients()) != 0 {
		t.Fatalf("left behind: stream %v, %d clients", srv.Stream(key) != nil, len(srv.Clients()))
	}
}

// TestSessionEndBeforeStart: a publishing session that ends between a
// player's Play and its Start wakes a consumer that has nothing to write
// with yet; the player then gets what it had of the session and io.EOF.
func TestSessionEndBeforeStart(t *testing.T) {
	cfg := testConfig()
	cfg.Vhosts[0].Remux.Grace = 0
	srv := NewServer(cfg)
	st := testStream(srv, "ended")
	if err := st.startPublish(1); err != nil {
		t.Fatal(err)
	}
	for _, tag := range readFixture(t, "h264_aac.flv")[:100] {
		st.WriteTag(tag)
	}
	conn, peer := net.Pipe()
	defer peer.Close()
	v, err := srv.Play(PlayRequest{Key: st.key, Format: FormatFLV, Conn: conn})
	if err != nil {
		t.Fatal(err)
	}
	st.stopPublish(1)
	waitDriven(t, v.c)
	if err := startAndEnd(t, v); err != io.EOF {
		t.Fatalf("ended with %v, want io.EOF", err)
	}
	if srv.Stream(st.key) != nil || len(srv.Clients()) != 0 {
		t.Fatalf("left behind: stream %v, %d clients", srv.Stream(st.key) != nil, len(srv.Clients()))
	}
}
