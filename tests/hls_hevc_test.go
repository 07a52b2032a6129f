package tests

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/picosrs/picosrs/codec"
	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/fixture"
	"github.com/picosrs/picosrs/internal/testtool"
)

// hevcTags encodes seconds of HEVC with libx265 (2 s GOP, no B-frames) and
// returns it as FLV video tags with the legacy HEVC codec id 12, as SRS's
// and many Chinese encoders' RTMP carries it (FFmpeg 5.1 cannot mux HEVC in
// FLV): the sequence header with the hvcC record, then one tag per access
// unit, length-prefixed, 40 ms apart.
func hevcTags(t *testing.T, seconds int) []flv.Tag {
	raw := filepath.Join(t.TempDir(), "in.hevc")
	enc := exec.Command(testtool.Need(t, "ffmpeg"), "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-t", strconv.Itoa(seconds), "-c:v", "libx265", "-x265-params", "aud=1:repeat-headers=1:bframes=0:keyint=50:min-keyint=50:scenecut=0:log-level=error",
		"-f", "hevc", raw)
	if msg, err := enc.CombinedOutput(); err != nil {
		testtool.Unavailable(t, "libx265 encode: %v\n%s", err, msg)
	}
	b, err := os.ReadFile(raw)
	if err != nil {
		t.Fatal(err)
	}
	var aus [][][]byte
	params := map[byte][]byte{}
	for _, nal := range bytes.Split(b, []byte{0, 0, 1}) {
		nal = bytes.TrimRight(nal, "\x00")
		if len(nal) < 2 {
			continue
		}
		switch typ := nal[0] >> 1 & 0x3F; typ {
		case 35: // AUD: a new access unit
			aus = append(aus, nil)
		case 32, 33, 34: // VPS, SPS, PPS: into the record
			params[typ] = nal
		default:
			if len(aus) > 0 {
				aus[len(aus)-1] = append(aus[len(aus)-1], nal)
			}
		}
	}
	cfg := codec.HEVCConfig{GeneralProfileIDC: 1, ChromaFormat: 1, NumTemporalLayers: 1, TemporalIDNested: true, NALLengthSize: 4}
	for _, typ := range []byte{32, 33, 34} {
		if params[typ] == nil {
			t.Fatalf("no NAL unit of type %d in the encoder's output", typ)
		}
		cfg.Arrays = append(cfg.Arrays, codec.HEVCArray{Complete: true, NALType: typ, NALUs: [][]byte{params[typ]}})
	}
	rec, err := cfg.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	tags := []flv.Tag{{Type: flv.TagVideo, Data: append([]byte{0x1C, 0, 0, 0, 0}, rec...)}}
	for i, au := range aus {
		key := false
		body := []byte{0x2C, 1, 0, 0, 0}
		for _, nal := range au {
			if typ := nal[0] >> 1 & 0x3F; typ >= 16 && typ <= 21 {
				key = true
			}
			n := len(nal)
			body = append(body, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
			body = append(body, nal...)
		}
		if key {
			body[0] = 0x1C
		}
		tags = append(tags, flv.Tag{Type: flv.TagVideo, Timestamp: uint32(i * 40), Data: body})
	}
	return tags
}

// TestHLSHEVC: an HEVC stream (FLV codec id 12) is served as HLS that
// ffprobe reads as hevc and ffmpeg -xerror decodes.
func TestHLSHEVC(t *testing.T) {
	t.Parallel()
	tags := hevcTags(t, 6)
	s := startServer(t, hlsConfig("hls_fragment 2;\n        hls_window 10;"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fixture.Publish(ctx, s.rtmpURL("live/hevc"), tags, time.Second, 1)
		}
	}()
	defer func() { cancel(); <-done }()
	s.waitPlaylist(t, "live/hevc.m3u8", 2, 20*time.Second)
	p := ffprobe(t, s.httpURL("live/hevc.m3u8"))
	if got := p.avCodecs(); !sameSet(got, []string{"hevc"}) {
		t.Fatalf("codecs %v, want hevc", got)
	}
	decode(t, s.httpURL("live/hevc.m3u8"), 3)
}
