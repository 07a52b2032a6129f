package httpd

import (
	"bytes"
	"context"
	"github.com/picosrs/picosrs/internal/fixture"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/live"
)

// TestHTTPFLVInProcess: a player that comes before the publisher waits
// (HSTRS), then gets the published tags byte for byte; when the publisher
// leaves (grace 0) the response ends cleanly.
func TestHTTPFLVInProcess(t *testing.T) {
	lc, hc := testConfigs()
	lc.Vhosts[0].Remux.Grace = 0
	e := newEnv(t, lc, hc)
	resp := make(chan *http.Response, 1)
	go func() {
		r, err := http.Get(e.url("/live/x.flv"))
		if err != nil {
			t.Error(err)
			close(resp)
			return
		}
		resp <- r
	}()
	e.waitViewers(t, live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "x"}, 1)
	tags := readFixture(t, "h264_aac.flv")
	if err := fixture.Publish(context.Background(), "rtmp://"+e.rtmp+"/live/x", tags[:100], time.Hour, 1); err != nil {
		t.Fatal(err)
	}
	r := <-resp
	if r == nil {
		t.FailNow()
	}
	defer r.Body.Close()
	if ct := r.Header.Get("Content-Type"); ct != "video/x-flv" {
		t.Fatalf("content type %q", ct)
	}
	fr := flv.NewReader(r.Body)
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
		if want := tags[i]; got.Type != want.Type || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("tag %d differs", i)
		}
	}
	if _, err := fr.ReadTag(); err != io.EOF {
		t.Fatalf("after unpublish: %v, want EOF", err)
	}
}

// TestOptionsAndCORS: OPTIONS gets SRS's CORS answer; HEAD of a live mount
// gets the headers and leaves no stream behind.
func TestOptionsAndCORS(t *testing.T) {
	lc, hc := testConfigs()
	e := newEnv(t, lc, hc)
	req, _ := http.NewRequest(http.MethodOptions, e.url("/live/x.flv"), nil)
	req.Header.Set("Origin", "http://example.com")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("OPTIONS: %d %v", r.StatusCode, r.Header)
	}
	req, _ = http.NewRequest(http.MethodHead, e.url("/live/x.ts"), nil)
	r, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "video/MP2T" {
		t.Fatalf("HEAD: %d %v", r.StatusCode, r.Header)
	}
	if n := len(e.live.Streams()); n != 0 {
		t.Fatalf("HEAD left %d streams behind", n)
	}
}

// TestWrongCodecMount: an AAC stream asked for as .mp3 gets 415 with a
// message (SRS closes the connection without a word).
func TestWrongCodecMount(t *testing.T) {
	lc, hc := testConfigs()
	e := newEnv(t, lc, hc)
	e.publish(t, "live/w", "aac_only.flv")
	key := live.StreamKey{Vhost: live.DefaultVhost, App: "live", Name: "w"}
	e.waitPublishing(t, key)
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if e.live.Stream(key).Info().Audio != nil || time.Now().After(deadline) {
			break
		}
	}
	r, err := http.Get(e.url("/live/w.mp3"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if r.StatusCode != http.StatusUnsupportedMediaType || !bytes.Contains(b, []byte("MP3")) {
		t.Fatalf("AAC stream on .mp3: %d %q", r.StatusCode, b)
	}
}
