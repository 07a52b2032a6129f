package live

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

func readFixture(t testing.TB, name string) []flv.Tag {
	t.Helper()
	f, err := os.Open("../tests/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, tags, _, err := flv.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	return tags
}

func testConfig() *Config {
	vh := NewVhostConfig(DefaultVhost)
	vh.Remux.Enabled = true
	vh.Remux.Mounts = []string{"[vhost]/[app]/[stream].flv", "[vhost]/[app]/[stream].ts", "[vhost]/[app]/[stream].mp3", "[vhost]/[app]/[stream].aac"}
	vh.Remux.FastCache = 5 * time.Second
	vh.MwLatency = 0
	return &Config{Vhosts: []*VhostConfig{vh}, HTTPCrossdomain: true}
}

func TestLateJoinerStartsAtKeyframe(t *testing.T) {
	srv := NewServer(testConfig())
	vh := srv.Config().vhost(DefaultVhost)
	st := srv.stream(streamKey{DefaultVhost, "live", "s"}, vh, true)
	if err := st.startPublish(1); err != nil {
		t.Fatal(err)
	}
	tags := readFixture(t, "h264_aac.flv")
	for _, tag := range tags[:200] {
		st.WriteTag(tag)
	}
	c := st.Subscribe(kindAV)
	defer c.Close()
	got, err := c.pull(nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 4 || !isMetadata(got[0].Data) || !got[1].seqHeader || got[1].Type != flv.TagVideo || !got[2].seqHeader || got[2].Type != flv.TagAudio {
		t.Fatalf("late joiner does not start with metadata and sequence headers: %d packets", len(got))
	}
	if !got[3].keyframe {
		t.Fatalf("first packet after the headers is not a keyframe: %+v", got[3].Tag.Type)
	}
	for _, p := range got[3:] {
		if p.seqHeader || isMetadata(p.Data) {
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
	vh := srv.Config().vhost(DefaultVhost)
	st := srv.stream(streamKey{DefaultVhost, "live", "a"}, vh, true)
	st.startPublish(1)
	for _, tag := range readFixture(t, "h264_aac.flv") {
		st.WriteTag(tag)
	}
	c := st.Subscribe(kindAudioOnly)
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
	vh := srv.Config().vhost(DefaultVhost)
	st := srv.stream(streamKey{DefaultVhost, "live", "slow"}, vh, true)
	st.startPublish(1)
	tags := readFixture(t, "h264_aac.flv")
	st.WriteTag(tags[0])
	c := st.Subscribe(kindAV)
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

// TestHTTPFLVInProcess publishes through the stream API and plays over real HTTP.
func TestHTTPFLVInProcess(t *testing.T) {
	srv := NewServer(testConfig())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()

	// The player arrives first and waits (HSTRS).
	resp := make(chan *http.Response, 1)
	go func() {
		r, err := http.Get("http://" + ln.Addr().String() + "/live/x.flv")
		if err != nil {
			t.Error(err)
			close(resp)
			return
		}
		resp <- r
	}()
	time.Sleep(100 * time.Millisecond)
	vh := srv.Config().vhost(DefaultVhost)
	st := srv.stream(streamKey{DefaultVhost, "live", "x"}, vh, true)
	st.startPublish(1)
	tags := readFixture(t, "h264_aac.flv")
	for _, tag := range tags[:100] {
		st.WriteTag(tag)
	}
	r := <-resp
	if r == nil {
		t.FailNow()
	}
	defer r.Body.Close()
	if ct := r.Header.Get("Content-Type"); ct != "video/x-flv" {
		t.Fatalf("content type %q", ct)
	}
	fr := flv.NewReader(bufio.NewReader(r.Body))
	h, err := fr.ReadHeader()
	if err != nil {
		t.Fatal(err)
	}
	if !h.HasAudio || !h.HasVideo {
		t.Fatalf("header flags audio=%v video=%v", h.HasAudio, h.HasVideo)
	}
	for i := 0; i < 100; i++ {
		got, err := fr.ReadTag()
		if err != nil {
			t.Fatalf("tag %d: %v", i, err)
		}
		want := tags[i]
		if got.Type != want.Type || string(got.Data) != string(want.Data) {
			t.Fatalf("tag %d differs", i)
		}
	}
	// Unpublish with grace 0: the response ends cleanly.
	vh.Remux.Grace = 0
	st.stopPublish(1)
	if _, err := fr.ReadTag(); err != io.EOF {
		t.Fatalf("after unpublish: %v, want EOF", err)
	}
}

func TestOptionsAndCORS(t *testing.T) {
	srv := NewServer(testConfig())
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	hs := &http.Server{Handler: srv}
	go hs.Serve(ln)
	defer hs.Close()
	req, _ := http.NewRequest(http.MethodOptions, "http://"+ln.Addr().String()+"/live/x.flv", nil)
	req.Header.Set("Origin", "http://example.com")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("OPTIONS: %d %v", r.StatusCode, r.Header)
	}
	req, _ = http.NewRequest(http.MethodHead, "http://"+ln.Addr().String()+"/live/x.ts", nil)
	r, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "video/MP2T" {
		t.Fatalf("HEAD: %d %v", r.StatusCode, r.Header)
	}
	if n := len(srv.Streams()); n != 0 {
		t.Fatalf("HEAD left %d streams behind", n)
	}
	_ = strings.Contains
}
