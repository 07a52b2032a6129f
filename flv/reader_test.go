package flv

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"
)

func TestReaderWriterRoundTrip(t *testing.T) {
	for _, name := range []string{"h264_aac.flv", "h264_mp3.flv", "aac_only.flv", "mp3_only.flv"} {
		raw, err := os.ReadFile("../tests/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		r := NewReader(bytes.NewReader(raw))
		h, err := r.ReadHeader()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var out bytes.Buffer
		w := NewWriter(&out)
		if err := w.WriteHeader(h.HasAudio, h.HasVideo); err != nil {
			t.Fatal(err)
		}
		var n, keys int
		for {
			tag, err := r.ReadTag()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: tag %d: %v", name, n, err)
			}
			if tag.IsKeyframe() && tag.IsVideoFrame() {
				keys++
			}
			if err := w.WriteTag(&tag); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if !bytes.Equal(out.Bytes(), raw) {
			t.Errorf("%s: rewritten file differs (%d tags)", name, n)
		}
		if h.HasVideo && keys != 5 {
			t.Errorf("%s: %d keyframes, want 5 (10 s, GOP 2 s)", name, keys)
		}
	}
}

func TestTagPredicates(t *testing.T) {
	cases := []struct {
		name                    string
		tag                     Tag
		key, sh, vframe, aframe bool
		codec, sound            int
		cts                     int32
	}{
		{"avc seq", Tag{TagVideo, 0, []byte{0x17, 0, 0, 0, 0, 1}}, true, true, false, false, CodecH264, -1, 0},
		{"avc key", Tag{TagVideo, 0, []byte{0x17, 1, 0, 0, 0x28, 0}}, true, false, true, false, CodecH264, -1, 40},
		{"avc inter neg cts", Tag{TagVideo, 0, []byte{0x27, 1, 0xff, 0xff, 0xd8, 0}}, false, false, true, false, CodecH264, -1, -40},
		{"hevc legacy key", Tag{TagVideo, 0, []byte{0x1c, 1, 0, 0, 0, 0}}, true, false, true, false, CodecHEVC, -1, 0},
		{"hvc1 seq start", Tag{TagVideo, 0, []byte{0x90, 'h', 'v', 'c', '1', 1}}, true, true, false, false, CodecHEVC, -1, 0},
		{"hvc1 coded key", Tag{TagVideo, 0, []byte{0x91, 'h', 'v', 'c', '1', 0, 0, 5, 1}}, true, false, true, false, CodecHEVC, -1, 5},
		{"hvc1 framesX inter", Tag{TagVideo, 0, []byte{0xa3, 'h', 'v', 'c', '1', 1}}, false, false, true, false, CodecHEVC, -1, 0},
		{"info frame", Tag{TagVideo, 0, []byte{0x57, 0}}, false, false, false, false, CodecH264, -1, 0},
		{"aac seq", Tag{TagAudio, 0, []byte{0xaf, 0, 0x12, 0x10}}, false, true, false, false, -1, SoundAAC, 0},
		{"aac raw", Tag{TagAudio, 0, []byte{0xaf, 1, 0x21}}, false, false, false, true, -1, SoundAAC, 0},
		{"mp3", Tag{TagAudio, 0, []byte{0x2f, 0xff, 0xfb}}, false, false, false, true, -1, SoundMP3, 0},
		{"empty video", Tag{TagVideo, 0, nil}, false, false, false, false, -1, -1, 0},
		{"script", Tag{TagScript, 0, []byte{2, 0, 1, 'x'}}, false, false, false, false, -1, -1, 0},
	}
	for _, c := range cases {
		tag := c.tag
		if tag.IsKeyframe() != c.key || tag.IsSequenceHeader() != c.sh || tag.IsVideoFrame() != c.vframe ||
			tag.IsAudioFrame() != c.aframe || tag.VideoCodec() != c.codec || tag.SoundFormat() != c.sound || tag.CompositionTime() != c.cts {
			t.Errorf("%s: key=%v sh=%v vframe=%v aframe=%v codec=%d sound=%d cts=%d", c.name,
				tag.IsKeyframe(), tag.IsSequenceHeader(), tag.IsVideoFrame(), tag.IsAudioFrame(), tag.VideoCodec(), tag.SoundFormat(), tag.CompositionTime())
		}
	}
}

func TestReaderErrors(t *testing.T) {
	hdr := AppendHeader(nil, true, true)
	huge := append(append([]byte{}, hdr...), 9, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0)
	r := NewReader(bytes.NewReader(huge))
	r.ReadHeader()
	if _, err := r.ReadTag(); !errors.Is(err, ErrTagTooLarge) {
		t.Errorf("huge tag: %v", err)
	}
	trunc := append(append([]byte{}, hdr...), 9, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0, 1, 2)
	r = NewReader(bytes.NewReader(trunc))
	r.ReadHeader()
	if _, err := r.ReadTag(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated tag: %v", err)
	}
	if _, err := NewReader(bytes.NewReader([]byte("GIF89a..."))).ReadHeader(); !errors.Is(err, ErrNotFLV) {
		t.Errorf("not flv: %v", err)
	}
}

// FuzzReader: arbitrary bytes never panic, and every tag read re-encodes to
// the bytes it came from.
func FuzzReader(f *testing.F) {
	raw, err := os.ReadFile("../tests/testdata/aac_only.flv")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw[:2000])
	f.Add(AppendHeader(nil, false, true))
	f.Add([]byte("FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00\x12\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00abc\x00\x00\x00\x0e"))
	// A header declaring the largest tag, then a few bytes: the reader must
	// not allocate the declared size.
	f.Add(append(AppendHeader(nil, true, true), 9, 0x0f, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x17, 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		// Memory ceiling: the body grows with the bytes received (twice
		// them at most), plus the first bodyStart and the 32 KiB bufio.
		limit := uint64(4*len(b) + 2*bodyStart + 64<<10)
		if got, over := heapAllocatedOver(limit, func() { readAllTags(b) }); over {
			t.Fatalf("reading %d bytes allocated %d (limit %d)", len(b), got, limit)
		}
		r := NewReader(bytes.NewReader(b))
		r.MaxTagSize = 1 << 20
		if _, err := r.ReadHeader(); err != nil {
			return
		}
		for i := 0; i < 1000; i++ {
			tag, err := r.ReadTag()
			if err != nil {
				return
			}
			var out bytes.Buffer
			w := NewWriter(&out)
			w.WriteHeader(true, true)
			w.WriteTag(&tag)
			r2 := NewReader(&out)
			r2.ReadHeader()
			again, err := r2.ReadTag()
			if err != nil || again.Type != tag.Type || again.Timestamp != tag.Timestamp || !bytes.Equal(again.Data, tag.Data) {
				t.Fatalf("tag does not survive a round trip: %v", err)
			}
			tag.IsKeyframe()
			tag.IsSequenceHeader()
			tag.CompositionTime()
			tag.VideoPayload()
			tag.AudioPayload()
		}
	})
}

// readAllTags reads b as an FLV stream with tags of up to 1 MiB, for the
// memory ceiling of FuzzReader.
func readAllTags(b []byte) {
	r := NewReader(bytes.NewReader(b))
	r.MaxTagSize = 1 << 20
	if _, err := r.ReadHeader(); err != nil {
		return
	}
	for i := 0; i < 1000; i++ {
		if _, err := r.ReadTag(); err != nil {
			return
		}
	}
}

// TestReaderBodyGrows: a tag that declares megabytes and sends a few bytes
// costs memory in proportion to the bytes, and a large tag that does come
// whole is read whole.
func TestReaderBodyGrows(t *testing.T) {
	hdr := AppendHeader(nil, true, true)
	lie := append(append([]byte{}, hdr...), 9, 0x7f, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0)
	lie = append(lie, make([]byte, 1000)...)
	if got, over := heapAllocatedOver(256<<10, func() {
		r := NewReader(bytes.NewReader(lie))
		r.ReadHeader()
		if _, err := r.ReadTag(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("truncated 8 MiB tag: %v", err)
		}
	}); over {
		t.Fatalf("a tag declaring 8 MiB with 1000 bytes sent allocated %d bytes", got)
	}
	for _, size := range []int{bodyStart - 1, bodyStart, bodyStart + 1, 3*bodyStart + 7, 1 << 20} {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte(i * 7)
		}
		var out bytes.Buffer
		w := NewWriter(&out)
		w.WriteHeader(true, true)
		w.WriteTag(&Tag{Type: TagVideo, Timestamp: 40, Data: body})
		r := NewReader(&out)
		r.ReadHeader()
		got, err := r.ReadTag()
		if err != nil || !bytes.Equal(got.Data, body) {
			t.Fatalf("%d-byte tag: %v, %d bytes back", size, err, len(got.Data))
		}
	}
}

func TestReadAll(t *testing.T) {
	raw, err := os.ReadFile("../tests/testdata/aac_only.flv")
	if err != nil {
		t.Fatal(err)
	}
	h, tags, offsets, err := ReadAll(bytes.NewReader(raw))
	if err != nil || !h.HasAudio || len(tags) == 0 || len(offsets) != len(tags) {
		t.Fatalf("ReadAll: %v, %d tags, %d offsets", err, len(tags), len(offsets))
	}
	if offsets[0] != HeaderSize {
		t.Fatalf("first tag at %d, want %d", offsets[0], HeaderSize)
	}
	for i, off := range offsets {
		if TagType(raw[off]) != tags[i].Type {
			t.Fatalf("offset %d of tag %d does not hold its header", off, i)
		}
	}
	if _, _, _, err := ReadAll(bytes.NewReader(raw[:len(raw)-100])); err == nil {
		t.Fatal("truncated file read without error")
	}
}

func TestParseTagHeader(t *testing.T) {
	var b [TagHeaderSize]byte
	PutTagHeader(b[:], TagVideo, 0x12345678, 0xabcdef)
	typ, size, ts, err := ParseTagHeader(b[:])
	if err != nil || typ != TagVideo || size != 0xabcdef || ts != 0x12345678 {
		t.Fatalf("got %d %d %#x %v", typ, size, ts, err)
	}
	if _, _, _, err := ParseTagHeader(b[:TagHeaderSize-1]); !errors.Is(err, ErrShortTagHeader) {
		t.Fatalf("short: got %v", err)
	}
	b[0] |= 0x20 // Filter: encrypted
	typ, size, _, err = ParseTagHeader(b[:])
	if !errors.Is(err, ErrEncryptedTag) || !errors.Is(err, ErrBadTagType) || typ != TagVideo || size != 0xabcdef {
		t.Fatalf("encrypted: got %d %d %v", typ, size, err)
	}
	if n := testing.AllocsPerRun(100, func() { ParseTagHeader(b[:]) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
