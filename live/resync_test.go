package live

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// TestViewerClosedAfterEightResyncs: the README's "after 8 resyncs it is
// closed". An HTTP-FLV viewer pauses while the publisher sends far more than
// queue_length of media, then reads again: each pause makes it fall behind
// and be resynchronised at a keyframe. It stays connected through 8 of
// those, and the 9th closes it.
func TestViewerClosedAfterEightResyncs(t *testing.T) {
	cfg := testConfig()
	// queue_length above the fixture's 2 s GOP, so that a viewer
	// resynchronised at the cached keyframe is not behind again at once;
	// each pause then leaves it 8 s behind.
	cfg.Vhosts[0].QueueLength = 3 * time.Second
	cfg.Vhosts[0].TimeJitter = JitterOff
	cfg.RingBytes = 256 << 20
	cfg.WriteTimeout = time.Minute // the resyncs must close it, not the write deadline
	srv, addr, tv := startViewers(t, cfg)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.(*net.TCPConn).SetReadBuffer(64 << 10)
	io.WriteString(nc, "GET /live/behind.flv HTTP/1.1\r\nHost: x\r\n\r\n")
	st := waitStream(t, srv, StreamKey{DefaultVhost, "live", "behind"}, 1)
	st.mu.RLock()
	c := st.consumers[0]
	st.mu.RUnlock()
	drops := func() int {
		st.mu.Lock() // pull counts drops under the read lock
		defer st.mu.Unlock()
		return c.drops
	}
	// A small send buffer on the server's side, so that a pause fills it
	// (as TestHandOffAndBack).
	_, sc := tv.sink(t, 0)
	sc.(*net.TCPConn).SetWriteBuffer(32 << 10)

	st.startPublish(1)
	tags := readFixture(t, "h264_aac.flv")
	var offset uint32
	// publish8s sends 8 s of media at once: the fixture's first 8 s,
	// shifted on from the last round, headers only the first time.
	publish8s := func(first bool) {
		for _, tag := range tags {
			if tag.Timestamp >= 8000 {
				break
			}
			if !first && (tag.Type == flv.TagScript || tag.IsSequenceHeader()) {
				continue
			}
			tag.Timestamp += offset
			st.WriteTag(tag)
		}
		offset += 8000
	}
	// readIdle reads until nothing came for 300 ms; it returns the read
	// error when the server closed the connection.
	buf := make([]byte, 64<<10)
	readIdle := func() error {
		for {
			nc.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			if _, err := nc.Read(buf); err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					return nil
				}
				return err
			}
		}
	}

	// Each round sends 8 s of media at once while the viewer is not
	// reading (it cannot keep up with a burst of 8 s, so the first round
	// counts too), then lets it read: it falls behind at least once per
	// round.
	prev := 0
	for round := 1; round <= 3*maxDrops; round++ {
		publish8s(round == 1)
		err := readIdle()
		n := drops()
		t.Logf("round %d: %d resyncs, read: %v", round, n, err)
		if err != nil {
			if n != maxDrops+1 {
				t.Fatalf("the viewer was closed after %d resyncs (%v), want after %d", n, err, maxDrops+1)
			}
			return
		}
		if n > maxDrops {
			t.Fatalf("the viewer is still connected after %d resyncs (limit %d)", n, maxDrops)
		}
		if n == prev {
			t.Fatalf("round %d: the viewer did not fall behind: the test does not do what it says", round)
		}
		prev = n
	}
	t.Fatalf("the viewer was never closed: %d resyncs in %d pauses", drops(), 3*maxDrops)
}
