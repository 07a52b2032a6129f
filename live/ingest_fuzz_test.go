package live

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/picosrs/picosrs/adts"
	"github.com/picosrs/picosrs/flv"
)

// FuzzIngest: whatever a publisher sends (arbitrary tag types, bodies and
// timestamps), the stream and every format's encoder neither panic nor emit
// a broken stream. One viewer per format takes every tag as it comes (it
// pulls after each tag until nothing is left, so every batch is encoded, not
// only the first 64 packets) and its whole output is checked:
//   - FLV re-parses tag by tag with flv.Reader to a clean end, and its audio
//     and video tags are exactly the ones the viewer pulled from the header
//     on (less a track the header does not announce);
//   - TS is whole 188-byte packets with sync bytes, starting with the PAT,
//     with continuity counters in order per PID;
//   - AAC is ADTS frames end to end, one per AAC frame pulled, carrying its
//     payload;
//   - MP3 is the ID3 preamble, then the pulled MP3 payloads, byte for byte.
//
// A viewer that keeps up like this is never resynchronised.
func FuzzIngest(f *testing.F) {
	tags := readFixture(f, "h264_aac.flv")
	seed := func(ts ...flv.Tag) []byte {
		var b []byte
		for _, t := range ts {
			n := min(len(t.Data), 255)
			b = append(b, byte(t.Type), byte(t.Timestamp>>8), byte(t.Timestamp), byte(n))
			b = append(b, t.Data[:n]...)
		}
		return b
	}
	f.Add(seed(tags[:6]...))
	f.Add(seed(tags[:80]...)) // more than one batch of 64
	f.Add(seed(readFixture(f, "mp3_only.flv")[:4]...))
	f.Add(seed(readFixture(f, "aac_only.flv")[:90]...))
	f.Add([]byte{9, 0, 0, 2, 0x17, 0, 8, 0, 0, 3, 0xaf, 0, 0x12})
	f.Fuzz(func(t *testing.T, b []byte) {
		var in []flv.Tag
		for len(b) >= 4 {
			typ := []flv.TagType{flv.TagAudio, flv.TagVideo, flv.TagScript}[int(b[0])%3]
			ts := uint32(b[1])<<8 | uint32(b[2])
			n := min(int(b[3]), len(b)-4)
			in = append(in, flv.Tag{Type: typ, Timestamp: ts, Data: append([]byte(nil), b[4:4+n]...)})
			b = b[4+n:]
		}
		for _, v := range ingestAll(t, in) {
			v.check(t)
		}
	})
}

// ingestAll publishes tags to a fresh stream with one viewer per format,
// each taking every tag as it comes, and returns the viewers (FLV, TS, AAC,
// MP3).
func ingestAll(t testing.TB, tags []flv.Tag) []*ingestView {
	t.Helper()
	srv := NewServer(testConfig())
	vh := srv.Config().Vhost(DefaultVhost)
	st := srv.stream(StreamKey{DefaultVhost, "live", "z"}, vh, true)
	views := []*ingestView{
		newIngestView(st, vh, FormatFLV),
		newIngestView(st, vh, FormatTS),
		newIngestView(st, vh, FormatAAC),
		newIngestView(st, vh, FormatMP3),
	}
	st.startPublish(1)
	for _, tag := range tags {
		st.WriteTag(tag)
		for _, v := range views {
			v.drain(t)
		}
	}
	return views
}

// ingestView is one viewer of FuzzIngest: a consumer, its format's encoder,
// what it pulled and what the encoder wrote.
type ingestView struct {
	f      Format
	c      *Consumer
	enc    encoder
	batch  []*Packet
	pulled []*Packet // every packet whose batch was written
	start  int       // FLV: index in pulled of the batch that wrote the header; -1 before
	out    bytes.Buffer
	closed bool // the encoder refused the stream (a codec mismatch): a real viewer is closed
}

func newIngestView(st *Stream, vh *VhostConfig, f Format) *ingestView {
	return &ingestView{f: f, c: subscribeFormat(st, f), enc: newEncoder(f, vh), start: -1}
}

// drain pulls and encodes until the consumer has nothing left.
func (v *ingestView) drain(t testing.TB) {
	t.Helper()
	for !v.closed {
		var err error
		v.batch, err = v.c.pull(v.batch[:0])
		if err != nil {
			t.Fatalf("%s: a viewer that takes every tag at once was dropped: %v", v.f, err)
		}
		if v.c.drops != 0 {
			t.Fatalf("%s: a viewer that takes every tag at once was resynchronised", v.f)
		}
		if len(v.batch) == 0 {
			return
		}
		bufs, err := v.enc.encode(nil, v.batch)
		if err != nil {
			if !errors.Is(err, ErrCodecMismatch) {
				t.Fatalf("%s: encode: %v", v.f, err)
			}
			v.closed = true // this batch is not written (Consumer.step)
			return
		}
		if v.out.Len() == 0 && v.start < 0 && len(bufs) > 0 {
			v.start = len(v.pulled)
		}
		v.pulled = append(v.pulled, v.batch...)
		for _, p := range bufs {
			v.out.Write(p)
		}
	}
}

func (v *ingestView) check(t testing.TB) {
	t.Helper()
	switch v.f {
	case FormatFLV:
		checkFLVOutput(t, v.out.Bytes(), v.pulled, v.start)
	case FormatTS:
		checkTSOutput(t, v.out.Bytes())
	case FormatAAC:
		checkAACOutput(t, v.out.Bytes(), v.pulled)
	case FormatMP3:
		checkMP3Output(t, v.out.Bytes(), v.pulled)
	}
}

// checkFLVOutput: out re-parses tag by tag to a clean end; its audio and
// video tags are exactly the pulled ones from the batch that wrote the
// header (start) on, less a track the header leaves out; its script tags
// are pulled ones, in order.
func checkFLVOutput(t testing.TB, out []byte, pulled []*Packet, start int) {
	t.Helper()
	if len(out) == 0 {
		return // nothing told the tracks yet: the header is still deferred
	}
	r := flv.NewReader(bytes.NewReader(out))
	h, err := r.ReadHeader()
	if err != nil {
		t.Fatalf("flv: header: %v", err)
	}
	var want, wantScripts []*Packet
	for _, p := range pulled[start:] {
		switch {
		case p.Type == flv.TagAudio && h.HasAudio, p.Type == flv.TagVideo && h.HasVideo:
			want = append(want, p)
		}
	}
	for _, p := range pulled {
		if p.Type == flv.TagScript {
			wantScripts = append(wantScripts, p)
		}
	}
	for i := 0; ; i++ {
		tag, err := r.ReadTag()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("flv: tag %d does not parse: %v", i, err)
		}
		queue := &want
		if tag.Type == flv.TagScript {
			queue = &wantScripts
			// Scripts held before the header may have been trimmed: skip to
			// the one written.
			for len(*queue) > 0 && !bytes.Equal((*queue)[0].Data, tag.Data) {
				*queue = (*queue)[1:]
			}
		}
		if len(*queue) == 0 {
			t.Fatalf("flv: tag %d (type %d, %d ms) was never pulled, or came twice", i, tag.Type, tag.Timestamp)
		}
		p := (*queue)[0]
		*queue = (*queue)[1:]
		if tag.Type != p.Type || tag.Timestamp != p.Timestamp || !bytes.Equal(tag.Data, p.Data) {
			t.Fatalf("flv: tag %d is type %d at %d ms (%d bytes), want type %d at %d ms (%d bytes)",
				i, tag.Type, tag.Timestamp, len(tag.Data), p.Type, p.Timestamp, len(p.Data))
		}
	}
	if len(want) > 0 {
		t.Fatalf("flv: %d pulled audio/video tags missing from the output", len(want))
	}
}

// checkTSOutput: whole 188-byte packets with sync bytes, the first one a
// PAT, and per PID continuity counters that go up by one for each packet
// with a payload (ISO 13818-1, 2.4.3.3: a repeated counter is allowed only
// for an identical duplicate packet).
func checkTSOutput(t testing.TB, out []byte) {
	t.Helper()
	if len(out)%188 != 0 {
		t.Fatalf("ts: %d bytes is not whole packets", len(out))
	}
	type last struct {
		cc  byte
		pkt []byte
	}
	seen := map[uint16]last{}
	for i := 0; i < len(out); i += 188 {
		p := out[i : i+188]
		if p[0] != 0x47 {
			t.Fatalf("ts: packet %d has no sync byte", i/188)
		}
		pid := uint16(p[1]&0x1f)<<8 | uint16(p[2])
		if i == 0 && pid != 0 {
			t.Fatalf("ts: the output starts with PID 0x%x, not the PAT", pid)
		}
		afc, cc := p[3]>>4&3, p[3]&0x0f
		if afc == 0 {
			t.Fatalf("ts: packet %d (PID 0x%x) has adaptation_field_control 0", i/188, pid)
		}
		if afc&1 == 0 {
			continue // no payload: the counter does not move
		}
		if l, ok := seen[pid]; ok {
			switch {
			case cc == (l.cc+1)&0x0f:
			case cc == l.cc && bytes.Equal(p, l.pkt):
			default:
				t.Fatalf("ts: packet %d (PID 0x%x) has continuity counter %d after %d", i/188, pid, cc, l.cc)
			}
		}
		seen[pid] = last{cc, p}
	}
}

// checkAACOutput: ADTS frames end to end, one per pulled AAC frame that has
// an ADTS header, each carrying that frame's payload.
func checkAACOutput(t testing.TB, out []byte, pulled []*Packet) {
	t.Helper()
	var want [][]byte
	for _, p := range pulled {
		if p.Type == flv.TagAudio && p.audioFrame && p.hasADTS {
			want = append(want, p.AudioPayload())
		}
	}
	for i := 0; len(out) > 0; i++ {
		h, err := adts.ParseHeader(out)
		if err != nil {
			t.Fatalf("aac: frame %d: %v", i, err)
		}
		if h.FrameLength < h.Len() || h.FrameLength > len(out) {
			t.Fatalf("aac: frame %d: length %d with %d bytes left", i, h.FrameLength, len(out))
		}
		if i >= len(want) {
			t.Fatalf("aac: more frames than AAC frames pulled (%d)", len(want))
		}
		if got := out[h.Len():h.FrameLength]; !bytes.Equal(got, want[i]) {
			t.Fatalf("aac: frame %d carries %d bytes, want the pulled frame's %d", i, len(got), len(want[i]))
		}
		out = out[h.FrameLength:]
	}
}

// checkMP3Output: the ID3 preamble, then every pulled MP3 payload in order.
func checkMP3Output(t testing.TB, out []byte, pulled []*Packet) {
	t.Helper()
	var want []byte
	for _, p := range pulled {
		if p.Type == flv.TagAudio {
			if len(want) == 0 {
				want = append(want, id3Preamble...)
			}
			want = append(want, p.AudioPayload()...)
		}
	}
	if !bytes.Equal(out, want) {
		t.Fatalf("mp3: %d bytes out, want the preamble and the %d payload bytes pulled", len(out), max(len(want)-len(id3Preamble), 0))
	}
}

// TestIngestChecks: FuzzIngest's checks see real output (every format of
// the fixtures, through many batches) and fail when it is broken.
func TestIngestChecks(t *testing.T) {
	aac := ingestAll(t, readFixture(t, "h264_aac.flv"))
	mp3 := ingestAll(t, readFixture(t, "h264_mp3.flv"))
	flvV, tsV, aacV, mp3V := aac[0], aac[1], aac[2], mp3[3]
	for _, v := range []*ingestView{flvV, tsV, aacV, mp3V} {
		if v.out.Len() < 100<<10 || len(v.pulled) < 200 {
			t.Fatalf("%s: %d bytes from %d packets: the fixture should give more", v.f, v.out.Len(), len(v.pulled))
		}
		v.check(t)
	}
	if !aac[3].closed || !mp3[2].closed {
		t.Error("an .mp3 viewer of AAC (or .aac of MP3) was not refused")
	}

	fails := func(what string, check func(t testing.TB)) {
		t.Helper()
		r := &failRecorder{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); check(r) }()
		<-done
		if !r.failed {
			t.Errorf("%s: the check passed broken output", what)
		}
	}
	cut := func(b []byte, from, to int) []byte { return append(append([]byte(nil), b[:from]...), b[to:]...) }
	flip := func(b []byte, i int) []byte { c := append([]byte(nil), b...); c[i] ^= 0x40; return c }
	out := flvV.out.Bytes()
	first := flv.HeaderSize + 4 + flv.TagHeaderSize + len(flvV.pulled[flvV.start].Data) + 4 // the first tag's end
	fails("flv: truncated", func(t testing.TB) { checkFLVOutput(t, out[:len(out)-1], flvV.pulled, flvV.start) })
	fails("flv: a byte changed", func(t testing.TB) { checkFLVOutput(t, flip(out, len(out)/2), flvV.pulled, flvV.start) })
	fails("flv: first tag lost", func(t testing.TB) {
		checkFLVOutput(t, cut(out, flv.HeaderSize+4, first), flvV.pulled, flvV.start)
	})
	ts := tsV.out.Bytes()
	fails("ts: not whole packets", func(t testing.TB) { checkTSOutput(t, ts[:len(ts)-1]) })
	fails("ts: a packet lost", func(t testing.TB) { checkTSOutput(t, cut(ts, 188*40, 188*41)) })
	fails("ts: sync byte", func(t testing.TB) { checkTSOutput(t, flip(ts, 188*7)) })
	a := aacV.out.Bytes()
	fails("aac: a byte lost", func(t testing.TB) { checkAACOutput(t, cut(a, 100, 101), aacV.pulled) })
	fails("aac: a payload changed", func(t testing.TB) { checkAACOutput(t, flip(a, len(a)-1), aacV.pulled) })
	m := mp3V.out.Bytes()
	fails("mp3: a byte changed", func(t testing.TB) { checkMP3Output(t, flip(m, 30), mp3V.pulled) })
	fails("mp3: preamble lost", func(t testing.TB) { checkMP3Output(t, m[len(id3Preamble):], mp3V.pulled) })
}

// failRecorder is a testing.TB that records a failure instead of failing the
// test, to show that a check fails when it should.
type failRecorder struct {
	testing.TB
	failed bool
}

func (r *failRecorder) Helper()               {}
func (r *failRecorder) Errorf(string, ...any) { r.failed = true }
func (r *failRecorder) Fatalf(string, ...any) { r.failed = true; runtime.Goexit() }
func (r *failRecorder) Fatal(...any)          { r.failed = true; runtime.Goexit() }
func (r *failRecorder) Logf(string, ...any)   {}
