package live

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/hls"
)

// testHLS is an hls block with short segments, served from memory.
func testHLS() *HLSConfig {
	return &HLSConfig{
		Config: hls.Config{Fragment: time.Second, TDRatio: 1, AOFRatio: 2.1, Window: 4 * time.Second, MaxBytes: 32 << 20,
			WaitKeyframe: true, Dispose: time.Minute, Memory: true},
		M3U8File: "[app]/[stream].m3u8", TSFile: "[app]/[stream]-[seq].ts", ACodec: "aac", VCodec: "h264", OnError: "continue",
	}
}

// TestHLSFromStreamTS: a stream of a vhost with HLS is cut into segments
// made of the very TS bytes its HTTP-TS viewers get (no copy), each
// starting with PAT/PMT; a republish continues the window after a
// discontinuity; the stream leaving the registry leaves the window served.
func TestHLSFromStreamTS(t *testing.T) {
	cfg := testConfig()
	cfg.Vhosts[0].HLS = testHLS()
	srv := NewServer(cfg)
	st := testStream(srv, "s")
	if err := st.startPublish(1); err != nil {
		t.Fatal(err)
	}
	// A TS viewer that reads nothing keeps the packets in the ring.
	c := st.subscribe(kindAV, true)
	tags := readFixture(t, "h264_aac.flv")
	for _, tag := range tags {
		st.WriteTag(tag)
	}
	w, seg, ok := srv.HLS().Find(DefaultVhost, "live/s.m3u8")
	if !ok || seg != nil {
		t.Fatal("no playlist")
	}
	pl, ok := w.Playlist()
	if !ok || !strings.Contains(string(pl), "s-1.ts") {
		t.Fatalf("playlist:\n%s", pl)
	}
	_, seg, ok = srv.HLS().Find(DefaultVhost, "live/s-1.ts")
	if !ok {
		t.Fatal("segment 1 not found")
	}
	bufs := seg.AppendBuffers(nil)
	if bufs[0][0] != 0x47 || bufs[0][1]&0x1F != 0 || bufs[0][2] != 0 {
		t.Fatalf("segment does not start with a PAT: % x", bufs[0][:4])
	}
	// Every slice is some packet's TS bytes, shared, not a copy.
	st.mu.RLock()
	shared := 0
	for _, b := range bufs {
		for seq := st.ring.tail; seq < st.ring.head; seq++ {
			if p := st.ring.at(seq); len(p.ts) > 0 && &p.ts[0] == &b[0] {
				shared++
			}
		}
	}
	st.mu.RUnlock()
	if shared != len(bufs) { // it starts at a keyframe: no PAT/PMT added
		t.Fatalf("%d of %d segment slices are packets' TS bytes", shared, len(bufs))
	}
	c.Close()
	// The publisher leaves; the window stays, and a new session continues it.
	st.stopPublish(1)
	if srv.Stream(st.key) != nil {
		t.Fatal("stream still registered")
	}
	if _, ok := w.Playlist(); !ok || w.Live() {
		t.Fatal("window not served after the stream ended, or still live")
	}
	st = testStream(srv, "s")
	st.startPublish(2)
	for _, tag := range tags[:len(tags)/2] {
		st.WriteTag(tag)
	}
	pl, _ = w.Playlist()
	if !bytes.Contains(pl, []byte("#EXT-X-DISCONTINUITY\n")) {
		t.Fatalf("no discontinuity after the republish:\n%s", pl)
	}
	st.stopPublish(2)
}

// TestHLSCodecHints: onMetaData that declares a track makes the PMT
// announce it before its sequence header (hls_acodec); without such a
// declaration nothing is announced.
func TestHLSCodecHints(t *testing.T) {
	cfg := testConfig()
	cfg.Vhosts[0].HLS = testHLS()
	srv := NewServer(cfg)
	st := testStream(srv, "s")
	st.startPublish(1)
	for _, tag := range readFixture(t, "h264_aac.flv") {
		if tag.IsSequenceHeader() && tag.IsAudio() {
			continue // the audio sequence header never comes
		}
		st.WriteTag(tag)
		if tag.IsVideoFrame() {
			break
		}
	}
	st.mu.RLock()
	v, a := st.codecs.ts.video, st.codecs.ts.audio
	st.mu.RUnlock()
	if v == 0 || a == 0 {
		t.Fatalf("PMT codecs video %d audio %d: the metadata's audio track is not announced", v, a)
	}
	st.stopPublish(1)
}
