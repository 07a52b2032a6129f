package mpegts

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// psiPacket builds the expected 188-byte packet around a section hex string.
func psiPacket(t testing.TB, head, section string) []byte {
	p := append(unhex(t, head), unhex(t, section)...)
	for len(p) < packetSize {
		p = append(p, 0xFF)
	}
	return p
}

func TestCRC32(t *testing.T) {
	// CRC-32/MPEG-2 check value (Annex A parameters): "123456789" -> 0x0376E6E7.
	if got := crc32([]byte("123456789")); got != 0x0376E6E7 {
		t.Fatalf("check value %#08x, want 0x0376e6e7", got)
	}
	// FFmpeg's default PAT (PMT PID 0x1000) ends with CRC 2A B1 04 B2.
	if got := crc32(unhex(t, "00b00d0001c100000001f000")); got != 0x2AB104B2 {
		t.Fatalf("ffmpeg PAT CRC %#08x", got)
	}
	for i := 0; i < 256; i++ {
		b := []byte{byte(i), byte(i * 7), 0x47}
		if crc32(b) != crc32Bitwise(b) {
			t.Fatalf("table and bitwise CRC differ for %x", b)
		}
	}
}

// TestPATPMT compares PAT/PMT with hand-assembled bytes. The PAT is the one
// SRS writes (its CRC 2E 70 19 05 is what SRS's HLS segments carry).
func TestPATPMT(t *testing.T) {
	const pat = "00b00d0001c100000001f001 2e701905"
	cases := []struct {
		name  string
		video VideoCodec
		audio AudioCodec
		pmt   string // section with CRC
	}{
		{"h264+aac", VideoH264, AudioAAC, "02b0170001c10000e100f000 1be100f000 0fe101f000 2f44b99b"},
		{"aac only", VideoNone, AudioAAC, "02b0120001c10000e101f000 0fe101f000 ece2b094"},
		{"mp3 only", VideoNone, AudioMP3, "02b0120001c10000e102f000 03e102f000 6374a4c6"},
		{"hevc+mp3", VideoHEVC, AudioMP3, "02b0170001c10000e100f000 24e100f000 03e102f000 a406c6c7"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := NewWriter()
			w.SetVideo(tc.video)
			w.SetAudio(tc.audio)
			got := w.AppendPATPMT(nil)
			want := append(psiPacket(t, "4740001000", pat), psiPacket(t, "4750011000", tc.pmt)...)
			if !bytes.Equal(got, want) {
				t.Fatalf("got\n%x\nwant\n%x", got, want)
			}
			// Counters advance; contents stay.
			got = w.AppendPATPMT(nil)
			if got[3] != 0x11 || got[packetSize+3] != 0x11 {
				t.Fatalf("continuity counters %#x %#x, want 0x11", got[3], got[packetSize+3])
			}
			if _, err := parseTS(append(want, got...)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestPMTVersionBumpsOnChange(t *testing.T) {
	w := NewWriter()
	w.SetAudio(AudioAAC)
	w.AppendPATPMT(nil)
	w.SetAudio(AudioMP3)
	b := w.AppendPATPMT(nil)
	r, err := parseTS(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.version != 1 || len(r.streams) != 1 || r.streams[0].streamType != StreamTypeMPEG1Audio {
		t.Fatalf("version %d streams %+v", r.version, r.streams)
	}
}

func TestPutTimestamp(t *testing.T) {
	cases := []struct {
		prefix byte
		ts     int64
		want   string
	}{
		{2, 0, "2100010001"},
		{2, 90000, "210005bf21"},
		{3, 1<<33 - 1, "3fffffffff"},
		{1, 1 << 33, "1100010001"},     // wraps modulo 2^33
		{2, -1, "2fffffffff"},          // -1 is 2^33-1 modulo 2^33
		{1, 0x123456789, "198d15cf13"}, // worked by hand: 0x10|(ts>>29)&0xE|1, ts>>22, ts>>14|1, ts>>7, ts<<1|1
	}
	for _, tc := range cases {
		var b [5]byte
		putTimestamp(b[:], tc.prefix, tc.ts)
		if got := hex.EncodeToString(b[:]); got != tc.want {
			t.Errorf("ts %#x: got %s, want %s", tc.ts, got, tc.want)
		}
		if tc.ts >= 0 && decodeTS(b[:]) != tc.ts&tsMask {
			t.Errorf("ts %#x: decodes to %#x", tc.ts, decodeTS(b[:]))
		}
	}
}

// avcc builds an AVCDecoderConfigurationRecord with one SPS and one PPS.
func avcc(sps, pps []byte, lengthSize int) []byte {
	b := []byte{1, 0x4D, 0x40, 0x1E, 0xFC | byte(lengthSize-1), 0xE1, byte(len(sps) >> 8), byte(len(sps))}
	b = append(b, sps...)
	b = append(b, 1, byte(len(pps)>>8), byte(len(pps)))
	return append(b, pps...)
}

// lp length-prefixes NAL units with 4-byte lengths.
func lp(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = append(b, byte(len(n)>>24), byte(len(n)>>16), byte(len(n)>>8), byte(len(n)))
		b = append(b, n...)
	}
	return b
}

func annexB(nals ...[]byte) []byte {
	var b []byte
	for _, n := range nals {
		b = append(b, 0, 0, 0, 1)
		b = append(b, n...)
	}
	return b
}

func TestAppendVideoH264(t *testing.T) {
	sps := []byte{0x67, 0x4D, 0x40, 0x1E, 0xAA}
	pps := []byte{0x68, 0xEE, 0x3C, 0x80}
	idr := bytes.Repeat([]byte{0x65, 0x88}, 200)
	pslice := []byte{0x41, 0x9A, 0x01}
	sei := []byte{0x06, 0x05, 0x01, 0x80}
	aud := []byte{0x09, 0x10}
	cases := []struct {
		name     string
		key      bool
		au       []byte
		wantES   []byte
		wantPSI  bool
		dts, pts int64
	}{
		{"idr gets aud+sps+pps", true, lp(sei, idr), annexB([]byte{9, 0xF0}, sps, pps, sei, idr), true, 0, 3600},
		{"p frame gets aud only", false, lp(pslice), annexB([]byte{9, 0xF0}, pslice), false, 3600, 3600},
		{"existing aud kept", false, lp(aud, pslice), annexB(aud, pslice), false, 7200, 10800},
		{"in-band sps not doubled", true, lp(sps, pps, idr), annexB([]byte{9, 0xF0}, sps, pps, idr), true, 10800, 10800},
		{"zero-length nal skipped", false, append(lp(pslice), 0, 0, 0, 0), annexB([]byte{9, 0xF0}, pslice), false, 14400, 14400},
	}
	w := NewWriter()
	if err := w.SetH264Config(avcc(sps, pps, 4)); err != nil {
		t.Fatal(err)
	}
	w.AppendPATPMT(nil) // streams announced: only keyframes repeat PSI now
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Re-sync counters for parseTS by always parsing from a fresh PAT.
			out, err := w.AppendVideo(w.AppendPATPMT(nil), tc.dts, tc.pts, tc.key, tc.au)
			if err != nil {
				t.Fatal(err)
			}
			out = out[2*packetSize:]
			hasPSI := out[1]&0x1F == 0 && out[2] == 0
			if hasPSI != tc.wantPSI {
				t.Fatalf("PAT/PMT in front: %v, want %v", hasPSI, tc.wantPSI)
			}
			r, err := parseTS(out)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.pes) != 1 {
				t.Fatalf("%d PES", len(r.pes))
			}
			p := r.pes[0]
			if !bytes.Equal(p.data, tc.wantES) {
				t.Fatalf("ES\n got %x\nwant %x", p.data, tc.wantES)
			}
			if p.streamID != 0xE0 || p.pesLen != 0 || p.pts != tc.pts || p.dts != tc.dts || p.hasDTS != (tc.pts != tc.dts) {
				t.Fatalf("PES %+v", p)
			}
			if p.rai != tc.key {
				t.Fatalf("random_access_indicator %v", p.rai)
			}
			if p.pcr != pcrFor(tc.dts) {
				t.Fatalf("PCR %d, want %d", p.pcr, pcrFor(tc.dts))
			}
		})
	}
}

func TestAppendVideoLengthSizes(t *testing.T) {
	sps, pps, idr := []byte{0x67, 1}, []byte{0x68, 2}, []byte{0x65, 3, 4}
	for _, ls := range []int{1, 2, 3, 4} {
		w := NewWriter()
		if err := w.SetH264Config(avcc(sps, pps, ls)); err != nil {
			t.Fatal(err)
		}
		au := make([]byte, ls-1, ls+len(idr))
		au = append(au, byte(len(idr)))
		au = append(au, idr...)
		out, err := w.AppendVideo(nil, 0, 0, true, au)
		if err != nil {
			t.Fatalf("length size %d: %v", ls, err)
		}
		r, err := parseTS(out)
		if err != nil {
			t.Fatal(err)
		}
		if want := annexB([]byte{9, 0xF0}, sps, pps, idr); !bytes.Equal(r.pes[0].data, want) {
			t.Fatalf("length size %d: got %x want %x", ls, r.pes[0].data, want)
		}
	}
}

func TestAppendVideoMalformed(t *testing.T) {
	w := NewWriter()
	w.SetVideo(VideoH264)
	cases := []struct {
		name string
		au   []byte
		err  error
	}{
		{"length past end", []byte{0, 0, 0, 9, 0x65, 1}, ErrInvalidNALU},
		{"huge length", []byte{0xFF, 0xFF, 0xFF, 0xFF, 0x65}, ErrInvalidNALU},
		{"truncated length", []byte{0, 0, 0, 2, 0x41, 1, 0, 0}, ErrInvalidNALU},
		{"empty", nil, ErrEmpty},
		{"only zero lengths", []byte{0, 0, 0, 0}, ErrEmpty},
	}
	dst := []byte("prefix")
	for _, tc := range cases {
		out, err := w.AppendVideo(dst, 0, 0, true, tc.au)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.err)
		}
		if string(out) != "prefix" {
			t.Errorf("%s: dst changed on error", tc.name)
		}
	}
	if _, err := NewWriter().AppendVideo(nil, 0, 0, true, lp([]byte{0x65})); !errors.Is(err, ErrNoVideo) {
		t.Errorf("no video stream: %v", err)
	}
	for _, bad := range [][]byte{nil, {1, 2, 3}, {0, 0x4D, 0, 0, 0xFF, 0xE1, 0, 1, 0x67, 1, 0, 0}, {1, 0x4D, 0, 0, 0xFF, 0xE1, 0, 9, 0x67}, {1, 0x4D, 0, 0, 0xFF, 0xE0}} {
		if err := w.SetH264Config(bad); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("SetH264Config(%x): %v", bad, err)
		}
	}
}

// hvcc builds an HEVCDecoderConfigurationRecord with VPS, SPS and PPS arrays.
func hvcc(vps, sps, pps []byte) []byte {
	b := make([]byte, 23)
	b[0] = 1
	b[21] = 0x0F // constantFrameRate 0, numTemporalLayers 1, temporalIdNested 1, lengthSizeMinusOne 3
	b[22] = 3
	for _, n := range [][]byte{vps, sps, pps} {
		b = append(b, 0x80|(n[0]>>1&0x3F), 0, 1, byte(len(n)>>8), byte(len(n)))
		b = append(b, n...)
	}
	return b
}

func TestAppendVideoHEVC(t *testing.T) {
	vps := []byte{0x40, 0x01, 0x0C}
	sps := []byte{0x42, 0x01, 0x01}
	pps := []byte{0x44, 0x01, 0xC1}
	idr := []byte{0x26, 0x01, 0xAF, 0x00} // IDR_W_RADL (19)
	trail := []byte{0x02, 0x01, 0xD0}     // TRAIL_R (1)
	w := NewWriter()
	if err := w.SetHEVCConfig(hvcc(vps, sps, pps)); err != nil {
		t.Fatal(err)
	}
	out, err := w.AppendVideo(nil, 0, 0, true, lp(idr))
	if err != nil {
		t.Fatal(err)
	}
	out, err = w.AppendVideo(out, 3600, 7200, false, lp(trail))
	if err != nil {
		t.Fatal(err)
	}
	r, err := parseTS(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.streams) != 1 || r.streams[0].streamType != StreamTypeHEVC || r.pcrPID != PIDVideo {
		t.Fatalf("PMT %+v pcr %#x", r.streams, r.pcrPID)
	}
	aud := []byte{0x46, 0x01, 0x50}
	if want := annexB(aud, vps, sps, pps, idr); !bytes.Equal(r.pes[0].data, want) {
		t.Fatalf("IDR ES %x, want %x", r.pes[0].data, want)
	}
	if want := annexB(aud, trail); !bytes.Equal(r.pes[1].data, want) {
		t.Fatalf("trail ES %x, want %x", r.pes[1].data, want)
	}
	if err := w.SetHEVCConfig(hvcc(vps, sps, pps)[:30]); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("truncated hvcC: %v", err)
	}
}

func TestAudioOnlyPCR(t *testing.T) {
	asc := []byte{0x12, 0x10} // AAC LC, 44.1 kHz, stereo
	w := NewWriter()
	if err := w.SetAACConfig(asc); err != nil {
		t.Fatal(err)
	}
	var out []byte
	frames := [][]byte{bytes.Repeat([]byte{0x21}, 10), bytes.Repeat([]byte{0x22}, 300), bytes.Repeat([]byte{0x23}, 177)}
	for i, f := range frames {
		var err error
		if out, err = w.AppendAudio(out, int64(i)*2090+20000, f); err != nil {
			t.Fatal(err)
		}
	}
	r, err := parseTS(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.pats != 1 || r.pcrPID != PIDAAC {
		t.Fatalf("pats %d pcr pid %#x", r.pats, r.pcrPID)
	}
	for i, p := range r.pes {
		pts := int64(i)*2090 + 20000
		if p.pid != PIDAAC || p.streamID != 0xC0 || p.pts != pts || p.hasDTS || p.pcr != pts-pcrDelay || !p.rai {
			t.Fatalf("PES %d: %+v", i, p)
		}
		if p.pesLen != 3+5+7+len(frames[i]) {
			t.Fatalf("PES %d length %d", i, p.pesLen)
		}
		want := append([]byte{0xFF, 0xF1, 0x50, 0x80, 0, 0, 0xFC}, frames[i]...)
		fl := 7 + len(frames[i])
		want[3] |= byte(fl >> 11)
		want[4] = byte(fl >> 3)
		want[5] = byte(fl&7)<<5 | 0x1F
		if !bytes.Equal(p.data, want) {
			t.Fatalf("PES %d ES %x, want %x", i, p.data, want)
		}
	}
}

func TestAudioWithVideoHasNoPCR(t *testing.T) {
	w := NewWriter()
	w.SetVideo(VideoH264)
	w.SetAudio(AudioMP3)
	out, err := w.AppendAudio(nil, 9000, []byte{0xFF, 0xFB, 0x90, 0x64, 1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	r, err := parseTS(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.pes[0].pid != PIDMP3 || r.pes[0].pcr != -1 || r.pes[0].rai || r.pcrPID != PIDVideo {
		t.Fatalf("PES %+v, pcr pid %#x", r.pes[0], r.pcrPID)
	}
}

func TestAudioErrors(t *testing.T) {
	w := NewWriter()
	if _, err := w.AppendAudio(nil, 0, []byte{1}); !errors.Is(err, ErrNoAudio) {
		t.Fatalf("no audio: %v", err)
	}
	w.SetAudio(AudioAAC)
	if _, err := w.AppendAudio(nil, 0, []byte{1}); !errors.Is(err, ErrNoAACConfig) {
		t.Fatalf("no config: %v", err)
	}
	if err := w.SetAACConfig([]byte{0x12}); err == nil {
		t.Fatal("short ASC accepted")
	}
	if err := w.SetAACConfig([]byte{0x12, 0x10}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.AppendAudio(nil, 0, make([]byte, 8185)); err == nil {
		t.Fatal("oversized AAC frame accepted")
	}
	if _, err := w.AppendAudio(nil, 0, nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty frame: %v", err)
	}
}

// TestStuffingAllSizes checks every payload size around packet boundaries,
// including the 1- and 2-byte stuffing cases, with and without PCR.
func TestStuffingAllSizes(t *testing.T) {
	for _, video := range []bool{false, true} {
		w := NewWriter()
		w.SetAudio(AudioMP3)
		if video {
			w.SetVideo(VideoH264)
		}
		var out []byte
		for n := 1; n < 3*packetSize; n++ {
			var err error
			if out, err = w.AppendAudio(out, int64(n)*1000, bytes.Repeat([]byte{byte(n)}, n)); err != nil {
				t.Fatal(err)
			}
		}
		r, err := parseTS(out)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range r.pes {
			if len(p.data) != i+1 || p.data[0] != byte(i+1) {
				t.Fatalf("video=%v size %d: got %d bytes", video, i+1, len(p.data))
			}
		}
	}
}

// TestJoinPATPMT: a viewer joining an audio-only stream gets PAT/PMT whose
// counters flow into the shared output's next PAT/PMT.
func TestJoinPATPMT(t *testing.T) {
	w := NewWriter()
	w.SetAudio(AudioMP3)
	shared, err := w.AppendAudio(nil, 0, []byte{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	join := w.AppendJoinPATPMT(nil)
	if w.ccPAT != 1 || w.ccPMT != 1 {
		t.Fatalf("writer counters changed: %d %d", w.ccPAT, w.ccPMT)
	}
	next, err := w.AppendAudio(nil, 2351, []byte{4, 5})
	if err != nil {
		t.Fatal(err)
	}
	next = w.AppendPATPMT(next)
	r, err := parseTS(append(join, next...))
	if err != nil {
		t.Fatalf("joiner's view: %v", err)
	}
	if r.pats != 2 || r.pcrPID != PIDMP3 {
		t.Fatalf("joiner: %d PATs, pcr %#x", r.pats, r.pcrPID)
	}
	if _, err := parseTS(append(shared, next...)); err != nil {
		t.Fatalf("shared view: %v", err)
	}
}
