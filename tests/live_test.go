package tests

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/testtool"
)

// TestPublishPlayEveryFormat: ffmpeg publishes each fixture over RTMP; ffprobe
// finds the right format and codecs on every HTTP mount and over RTMP, and
// ffmpeg -xerror decodes seconds of each with no error.
func TestPublishPlayEveryFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fixture string
		mounts  map[string][]string // extension -> codecs ffprobe must find
	}{
		{"h264_aac.flv", map[string][]string{".flv": {"h264", "aac"}, ".ts": {"h264", "aac"}, ".aac": {"aac"}}},
		{"h264_mp3.flv", map[string][]string{".flv": {"h264", "mp3"}, ".ts": {"h264", "mp3"}, ".mp3": {"mp3"}}},
		{"aac_only.flv", map[string][]string{".flv": {"aac"}, ".ts": {"aac"}, ".aac": {"aac"}}},
		{"mp3_only.flv", map[string][]string{".flv": {"mp3"}, ".ts": {"mp3"}, ".mp3": {"mp3"}}},
	}
	s := startServer(t, baseConfig)
	for i, c := range cases {
		t.Run(c.fixture, func(t *testing.T) {
			t.Parallel()
			name := fmt.Sprintf("live/f%d", i)
			publish(t, c.fixture, s.rtmpURL(name), 1, true)
			s.waitLive(t, name+".flv")
			for ext, want := range c.mounts {
				url := s.httpURL(name + ext)
				p := ffprobe(t, url)
				if got := p.codecs(); !sameSet(got, want) {
					t.Errorf("%s: codecs %v, want %v", ext, got, want)
				}
				decode(t, url, 3)
			}
			// RTMP players also get |RtmpSampleAccess and NetStream.Data.Start
			// data messages, as from SRS and nginx-rtmp; ffprobe lists them as a
			// data stream, which avCodecs leaves out.
			p := ffprobe(t, s.rtmpURL(name))
			want := c.mounts[".flv"]
			if got := p.avCodecs(); !sameSet(got, want) {
				t.Errorf("rtmp: codecs %v, want %v", got, want)
			}
			decode(t, s.rtmpURL(name), 3)
		})
	}
}

func sameSet(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestLateJoinerStartsAtKeyframe: a player joining 5 s into the stream starts
// with a keyframe, at once.
func TestLateJoinerStartsAtKeyframe(t *testing.T) {
	t.Parallel()
	s := startServer(t, baseConfig)
	publish(t, "h264_aac.flv", s.rtmpURL("live/late"), 1, true)
	s.waitLive(t, "live/late.flv")
	time.Sleep(5 * time.Second)
	for _, url := range []string{s.httpURL("live/late.flv"), s.httpURL("live/late.ts"), s.rtmpURL("live/late")} {
		out, err := exec.Command(testtool.Need(t, "ffprobe"), "-v", "error", "-select_streams", "v", "-read_intervals", "%+#3",
			"-show_entries", "packet=flags", "-of", "csv=p=0", url).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", url, err, out)
		}
		lines := strings.Fields(string(out))
		if len(lines) == 0 || !strings.HasPrefix(lines[0], "K") {
			t.Errorf("%s: first video packet flags %q, want a keyframe", url, lines)
		}
	}
}

// TestSecondPublisherRefused: the second publisher of a name is refused and
// the first goes on undisturbed: its viewer's media keeps flowing.
func TestSecondPublisherRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, baseConfig)
	_, done1 := publish(t, "h264_aac.flv", s.rtmpURL("live/busy"), 1, true)
	s.waitLive(t, "live/busy.flv")
	v := watchFlow(t, s.httpURL("live/busy.flv"), flowGap)
	_, done2 := publish(t, "aac_only.flv", s.rtmpURL("live/busy"), 1, true)
	select {
	case err := <-done2:
		if err == nil {
			t.Fatal("second publisher exited cleanly; want a refusal")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second publisher was not refused")
	}
	select {
	case err := <-done1:
		t.Fatalf("first publisher stopped: %v", err)
	default:
	}
	p := ffprobe(t, s.httpURL("live/busy.flv"))
	if !sameSet(p.codecs(), []string{"h264", "aac"}) {
		t.Fatalf("stream after refusal: %v", p.codecs())
	}
	v.advance(t, time.Second, "the first publisher's viewer")
	if !s.logged("stream is busy", 1) {
		t.Error("refusal not logged")
	}
}

// TestRTMPDumpPlays: librtmp's rtmpdump plays a stream (its own handshake and
// command flow); what it saved decodes with both tracks.
func TestRTMPDumpPlays(t *testing.T) {
	t.Parallel()
	s := startServer(t, baseConfig)
	publish(t, "h264_aac.flv", s.rtmpURL("live/dump"), 1, true)
	s.waitLive(t, "live/dump.flv")
	out := t.TempDir() + "/dump.flv"
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	// rtmpdump does not stop on its own on a live stream: the context ends it.
	exec.CommandContext(ctx, testtool.Need(t, "rtmpdump"), "-q", "--live", "-r", s.rtmpURL("live/dump"), "-o", out).Run()
	p := ffprobe(t, out)
	if !sameSet(p.avCodecs(), []string{"h264", "aac"}) {
		t.Fatalf("rtmpdump saved %v", p.codecs())
	}
	decode(t, out, 2)
}
