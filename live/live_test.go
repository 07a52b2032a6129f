package live

import (
	"github.com/picosrs/picosrs/internal/fixture"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

func readFixture(t testing.TB, name string) []flv.Tag { return fixture.ReadFLV(t, name) }

func testConfig() *Config {
	vh := NewVhostConfig(DefaultVhost)
	vh.Remux.FastCache = 5 * time.Second
	vh.MwLatency = 0
	return &Config{Vhosts: []*VhostConfig{vh}}
}

// testStream returns a stream of srv's default vhost, created.
func testStream(srv *Server, name string) *Stream {
	return srv.stream(StreamKey{DefaultVhost, "live", name}, srv.Config().Vhost(DefaultVhost), true)
}

func TestLateJoinerStartsAtKeyframe(t *testing.T) {
	srv := NewServer(testConfig())
	st := testStream(srv, "s")
	if err := st.startPublish(1); err != nil {
		t.Fatal(err)
	}
	tags := readFixture(t, "h264_aac.flv")
	for _, tag := range tags[:200] {
		st.WriteTag(tag)
	}
	c := st.subscribe(kindAV, false)
	defer c.Close()
	got, err := c.pull(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 4 || !got[0].IsMetadata() || !got[1].seqHeader || got[1].Type != flv.TagVideo || !got[2].seqHeader || got[2].Type != flv.TagAudio {
		t.Fatalf("late joiner does not start with metadata and sequence headers: %d packets", len(got))
	}
	if !got[3].keyframe {
		t.Fatalf("first packet after the headers is not a keyframe: %+v", got[3].Tag.Type)
	}
	for _, p := range got[3:] {
		if p.seqHeader || p.IsMetadata() {
			t.Fatal("headers sent twice")
		}
	}

	// A second publisher is refused; the first goes on.
	if err := st.startPublish(2); err != ErrStreamBusy {
		t.Fatalf("second publisher: %v", err)
	}
	st.WriteTag(tags[200])
	got, _ = c.pull(got[:0])
	if len(got) != 1 {
		t.Fatalf("live tag after refusal: %d", len(got))
	}
}

func TestAudioConsumerFastCache(t *testing.T) {
	srv := NewServer(testConfig())
	st := testStream(srv, "a")
	st.startPublish(1)
	for _, tag := range readFixture(t, "h264_aac.flv") {
		st.WriteTag(tag)
	}
	c := st.subscribe(kindAudioOnly, false)
	defer c.Close()
	var got []*Packet
	for {
		n := len(got)
		got, _ = c.pull(got)
		if len(got) == n {
			break
		}
	}
	var audio int
	for _, p := range got {
		if p.Type != flv.TagAudio {
			t.Fatal("audio consumer got a non-audio tag")
		}
		if p.audioFrame {
			audio++
		}
	}
	// 5 s of 44.1 kHz AAC is about 215 frames.
	if audio < 200 {
		t.Fatalf("fast cache burst has %d frames", audio)
	}
}

func TestSlowConsumerResyncsAtKeyframe(t *testing.T) {
	cfg := testConfig()
	cfg.Vhosts[0].QueueLength = 2 * time.Second
	srv := NewServer(cfg)
	st := testStream(srv, "slow")
	st.startPublish(1)
	tags := readFixture(t, "h264_aac.flv")
	st.WriteTag(tags[0])
	c := st.subscribe(kindAV, false)
	defer c.Close()
	for _, tag := range tags[1:] {
		st.WriteTag(tag)
	}
	got, _ := c.pull(nil)
	if c.Drops() != 1 {
		t.Fatalf("drops = %d, want 1", c.Drops())
	}
	var first *Packet
	for _, p := range got {
		if p.Type == flv.TagVideo && !p.seqHeader {
			first = p
			break
		}
	}
	if first == nil || !first.keyframe {
		t.Fatal("resync did not restart at a keyframe")
	}
}
