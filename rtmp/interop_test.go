package rtmp

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/testtool"
	"github.com/picosrs/picosrs/internal/textlog"
)

// Interop with real clients: ffmpeg and librtmp's rtmpdump against a tiny
// in-test server built only on this package.

const fixture = "../tests/testdata/h264_aac.flv"

// readFLVFile reads the tags of an FLV file: 9-byte header and
// PreviousTagSize0, then 11-byte tag headers, bodies and back pointers.
func readFLVFile(t *testing.T, path string) []*flv.Tag {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return parseFLV(t, b)
}

func parseFLV(t *testing.T, b []byte) []*flv.Tag {
	t.Helper()
	if len(b) < 13 || string(b[:3]) != "FLV" {
		t.Fatalf("not an FLV file (%d bytes)", len(b))
	}
	b = b[binary.BigEndian.Uint32(b[5:9])+4:]
	var tags []*flv.Tag
	for len(b) >= 11 {
		size := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
		if len(b) < 11+size {
			break // truncated tail, as a killed recorder leaves
		}
		ts := uint32(b[4])<<16 | uint32(b[5])<<8 | uint32(b[6]) | uint32(b[7])<<24
		tags = append(tags, &flv.Tag{Type: flv.TagType(b[0] & 0x1f), Timestamp: ts, Data: b[11 : 11+size]})
		b = b[11+size:]
		if len(b) >= 4 {
			b = b[4:]
		}
	}
	return tags
}

// logBuffer is a goroutine-safe buffer for a debug logger.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// interopServer serves RTMP on loopback: publishers' tags go to published,
// players get the fixture's tags.
type interopServer struct {
	addr      string
	log       logBuffer
	published chan []flv.Tag
	play      []*flv.Tag
}

func startInteropServer(t *testing.T, play []*flv.Tag) *interopServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	s := &interopServer{addr: ln.Addr().String(), published: make(chan []flv.Tag, 4), play: play}
	logger := textlog.New(&s.log, textlog.LevelDebug)
	go func() {
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(t, nc, logger)
		}
	}()
	return s
}

func (s *interopServer) serve(t *testing.T, nc net.Conn, logger *textlog.Logger) {
	defer nc.Close()
	c, err := Accept(nc, ServerConfig{Logger: logger})
	if err != nil {
		t.Logf("accept: %v", err)
		return
	}
	req, err := c.ReadRequest()
	if err != nil {
		t.Logf("read request: %v", err)
		return
	}
	t.Logf("request %+v", *req)
	switch req.Kind {
	case KindPublish:
		if err := c.AcceptPublish(); err != nil {
			t.Logf("accept publish: %v", err)
			return
		}
		var tags []flv.Tag
		for {
			tag, err := c.ReadTag()
			if err != nil {
				if err != io.EOF {
					t.Logf("read tag: %v", err)
				}
				break
			}
			tags = append(tags, tag)
		}
		s.published <- tags
	case KindPlay:
		if err := c.AcceptPlay(); err != nil {
			t.Logf("accept play: %v", err)
			return
		}
		in := make(chan error, 1)
		go func() { in <- c.ServePlayerInput() }()
		// Batches of 16 tags, one writev each, as the live server does.
		for i := 0; i < len(s.play); i += 16 {
			c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if err := c.WriteTags(s.play[i:min(i+16, len(s.play))]); err != nil {
				return // the player may stop early (-t)
			}
		}
		if err := c.NotifyUnpublish(); err != nil {
			return
		}
		select {
		case <-in:
		case <-time.After(2 * time.Second):
		}
	}
}

func summarize(tags []flv.Tag) (meta, vseq, aseq, video, audio int) {
	for i := range tags {
		t := &tags[i]
		switch {
		case t.IsScript():
			if t.IsMetadata() {
				meta++
			}
		case t.IsSequenceHeader() && t.IsVideo():
			vseq++
		case t.IsSequenceHeader() && t.IsAudio():
			aseq++
		case t.IsVideo():
			video++
		case t.IsAudio():
			audio++
		}
	}
	return
}

func TestInteropFFmpegPublish(t *testing.T) {
	ffmpeg := testtool.Need(t, "ffmpeg")
	s := startInteropServer(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-re", "-i", fixture, "-t", "3", "-c", "copy",
		"-f", "flv", "rtmp://"+s.addr+"/live/s?token=x")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	var tags []flv.Tag
	select {
	case tags = <-s.published:
	case <-time.After(5 * time.Second):
		t.Fatal("publisher did not end")
	}
	meta, vseq, aseq, video, audio := summarize(tags)
	t.Logf("ffmpeg published %d tags: %d metadata, %d+%d sequence headers, %d video, %d audio", len(tags), meta, vseq, aseq, video, audio)
	if meta != 1 || vseq != 1 || aseq != 1 || video < 50 || audio < 100 {
		t.Fatal("missing tags from ffmpeg")
	}
	// Bodies must equal the fixture's (ffmpeg -c copy relays them).
	src := readFLVFile(t, fixture)
	var srcVideo [][]byte
	for _, tag := range src {
		if tag.IsVideo() {
			srcVideo = append(srcVideo, tag.Data)
		}
	}
	n := 0
	for _, tag := range tags {
		if tag.IsVideo() && len(tag.Data) > 1 && tag.Data[1] != 2 { // not ffmpeg's end of sequence
			if !bytes.Equal(tag.Data, srcVideo[n]) {
				t.Fatalf("video tag %d differs from the fixture", n)
			}
			n++
		}
	}
	if !strings.Contains(s.log.String(), "complex=true") {
		t.Errorf("ffmpeg did not use the complex handshake; log:\n%s", s.log.String())
	}
}

func TestInteropFFprobePlay(t *testing.T) {
	ffprobe := testtool.Need(t, "ffprobe")
	s := startInteropServer(t, readFLVFile(t, fixture))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, ffprobe, "-v", "error", "-show_streams", "-of", "json",
		"rtmp://"+s.addr+"/live/s").Output()
	if err != nil {
		t.Fatalf("ffprobe: %v\n%s", err, out)
	}
	var res struct {
		Streams []struct {
			CodecName string `json:"codec_name"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatal(err)
	}
	codecs := map[string]bool{}
	for _, st := range res.Streams {
		codecs[st.CodecName] = true
	}
	if !codecs["h264"] || !codecs["aac"] {
		t.Fatalf("ffprobe found %v, want h264 and aac", codecs)
	}
}

func TestInteropFFmpegPlay(t *testing.T) {
	ffmpeg := testtool.Need(t, "ffmpeg")
	s := startInteropServer(t, readFLVFile(t, fixture))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := filepath.Join(t.TempDir(), "out.flv")
	cmd := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-xerror", "-i", "rtmp://"+s.addr+"/live/s",
		"-c", "copy", "-f", "flv", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg play: %v\n%s", err, b)
	}
	got := readFLVFile(t, out)
	var vt []flv.Tag
	for _, tag := range got {
		vt = append(vt, *tag)
	}
	meta, vseq, aseq, video, audio := summarize(vt)
	t.Logf("ffmpeg played %d tags: %d metadata, %d+%d sequence headers, %d video, %d audio", len(got), meta, vseq, aseq, video, audio)
	if vseq != 1 || aseq != 1 || video < 240 || audio < 400 {
		t.Fatal("ffmpeg did not receive the whole stream")
	}
	// Decode check: every frame decodes.
	dec := exec.CommandContext(ctx, ffmpeg, "-v", "error", "-xerror", "-i", out, "-f", "null", "-")
	if b, err := dec.CombinedOutput(); err != nil {
		t.Fatalf("decode: %v\n%s", err, b)
	}
}

func TestInteropRtmpdump(t *testing.T) {
	rtmpdump := testtool.Need(t, "rtmpdump")
	src := readFLVFile(t, fixture)
	for _, tc := range []struct {
		name    string
		args    []string
		complex bool
	}{
		{"simple", nil, false},
		// A SWF hash and size make librtmp use the Flash Player 9 (complex,
		// digest) handshake; without them it uses the simple one.
		{"complex", []string{"-w", strings.Repeat("ab", 32), "-x", "12345"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := startInteropServer(t, src)
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out := filepath.Join(t.TempDir(), "out.flv")
			args := append([]string{"-q", "-v", "-r", "rtmp://" + s.addr + "/live/s", "-o", out}, tc.args...)
			cmd := exec.CommandContext(ctx, rtmpdump, args...)
			b, err := cmd.CombinedOutput()
			// rtmpdump exits 0 or 2 (incomplete) when a live stream ends.
			if err != nil && cmd.ProcessState.ExitCode() != 2 {
				t.Fatalf("rtmpdump: %v\n%s", err, b)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got := parseFLV(t, data)
			var nv, na int
			for _, tag := range got {
				switch tag.Type {
				case flv.TagVideo:
					nv++
				case flv.TagAudio:
					na++
				}
			}
			t.Logf("rtmpdump recorded %d tags (%d video, %d audio), %d bytes", len(got), nv, na, len(data))
			if nv < 250 || na < 430 {
				t.Fatalf("rtmpdump did not receive the stream")
			}
			if want := fmt.Sprintf("complex=%v", tc.complex); !strings.Contains(s.log.String(), want) {
				t.Errorf("handshake: want %s; log:\n%s", want, s.log.String())
			}
		})
	}
}
