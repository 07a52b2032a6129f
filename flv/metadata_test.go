package flv

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
)

func mustAMF0(t testing.TB, vals ...any) []byte {
	t.Helper()
	b, err := MarshalAMF0(vals...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ffmpegMeta is onMetaData as ffmpeg 6 writes it for H.264 + AAC.
var ffmpegMeta = ECMAArray{
	{"duration", float64(0)},
	{"width", float64(1280)},
	{"height", float64(720)},
	{"videodatarate", float64(2500)},
	{"framerate", float64(25)},
	{"videocodecid", float64(7)},
	{"audiodatarate", float64(128)},
	{"audiosamplerate", float64(44100)},
	{"audiosamplesize", float64(16)},
	{"stereo", true},
	{"audiocodecid", float64(10)},
	{"encoder", "Lavf60.16.100"},
	{"filesize", float64(0)},
}

var ffmpegSummary = Metadata{Width: 1280, Height: 720, FrameRate: 25, VideoDataRate: 2500, AudioDataRate: 128,
	AudioSampleRate: 44100, AudioSampleSize: 16, Stereo: true, VideoCodecID: 7, AudioCodecID: 10,
	HasVideoCodecID: true, HasAudioCodecID: true, Encoder: "Lavf60.16.100"}

// casesMetadata feeds TestParseMetadata and FuzzParseMetadata.
func casesMetadata(t testing.TB) []struct {
	name string
	in   []byte
	want Metadata
	ok   bool
} {
	long := strings.Repeat("é", 40) // 80 bytes; 64 would cut a rune in two
	withEnd := mustAMF0(t, "onMetaData", ECMAArray{{"width", float64(640)}})
	obj := mustAMF0(t, "onMetaData", Object{{"width", float64(1)}})
	deep := append(mustAMF0(t, "onMetaData", ECMAArray{})[:13+5], 0, 1, 'x')
	deep = append(deep, bytes.Repeat([]byte{amf0StrictArray, 0, 0, 0, 1}, AMF0MaxDepth)...)
	deep = append(deep, amf0Null)
	return []struct {
		name string
		in   []byte
		want Metadata
		ok   bool
	}{
		{"ffmpeg", mustAMF0(t, "onMetaData", ffmpegMeta), ffmpegSummary, true},
		{"setDataFrame", mustAMF0(t, "@setDataFrame", "onMetaData", ffmpegMeta), ffmpegSummary, true},
		{"object", mustAMF0(t, "onMetaData", Object(ffmpegMeta)), ffmpegSummary, true},
		{"no end marker", withEnd[:len(withEnd)-3], Metadata{Width: 640}, true},
		{"empty", mustAMF0(t, "onMetaData", ECMAArray{}), Metadata{}, true},
		{"audio only", mustAMF0(t, "onMetaData", ECMAArray{{"audiocodecid", float64(2)}}),
			Metadata{AudioCodecID: 2, HasAudioCodecID: true}, true},
		{"codec id strings", mustAMF0(t, "onMetaData", ECMAArray{{"videocodecid", "avc1"}, {"audiocodecid", nil}}),
			Metadata{HasVideoCodecID: true, HasAudioCodecID: true}, true},
		{"first key wins", mustAMF0(t, "onMetaData", ECMAArray{{"width", "x"}, {"width", float64(2)}, {"height", float64(3)}, {"height", float64(4)}}),
			Metadata{Height: 3}, true},
		{"nested skipped", mustAMF0(t, "onMetaData", ECMAArray{
			{"trackinfo", StrictArray{Object{{"width", float64(1)}, {"sampledescription", StrictArray{Object{{"sampletype", "avc1"}}}}}}},
			{"width", float64(320)}}), Metadata{Width: 320}, true},
		{"long encoder", mustAMF0(t, "onMetaData", ECMAArray{{"encoder", long}}),
			Metadata{Encoder: strings.Repeat("é", 32)}, true},
		{"trailing bytes", append(mustAMF0(t, "onMetaData", ECMAArray{{"width", float64(1)}}), 0xff), Metadata{Width: 1}, true},
		{"not metadata", mustAMF0(t, "onTextData", ffmpegMeta), Metadata{}, false},
		{"not an array", mustAMF0(t, "onMetaData", nil), Metadata{}, false},
		{"name only", mustAMF0(t, "onMetaData"), Metadata{}, false},
		{"truncated value", withEnd[:len(withEnd)-5], Metadata{}, false},
		{"truncated key", mustAMF0(t, "onMetaData")[:12], Metadata{}, false},
		{"object without end", obj[:len(obj)-3], Metadata{}, false},
		{"bad nested marker", append(mustAMF0(t, "onMetaData", ECMAArray{{"x", StrictArray{nil}}})[:26], 0x11), Metadata{}, false},
		{"too deep", deep, Metadata{}, false},
	}
}

func TestParseMetadata(t *testing.T) {
	for _, c := range casesMetadata(t) {
		t.Run(c.name, func(t *testing.T) {
			got, ok := ParseMetadata(c.in)
			if ok != c.ok || !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %+v, %v; want %+v, %v", got, ok, c.want, c.ok)
			}
		})
	}
}

// Nested values are skipped within the same depth limit as the decoder.
func TestParseMetadataDepth(t *testing.T) {
	nest := func(levels int) []byte {
		b := append(mustAMF0(t, "onMetaData", ECMAArray{})[:13+5], 0, 1, 'x')
		b = append(b, bytes.Repeat([]byte{amf0StrictArray, 0, 0, 0, 1}, levels)...)
		return append(b, amf0Null)
	}
	if _, ok := ParseMetadata(nest(AMF0MaxDepth - 1)); !ok {
		t.Fatalf("%d levels under the array refused", AMF0MaxDepth-1)
	}
	if _, ok := ParseMetadata(nest(AMF0MaxDepth)); ok {
		t.Fatalf("%d levels under the array accepted", AMF0MaxDepth)
	}
}

func TestParseMetadataAllocs(t *testing.T) {
	noEncoder := mustAMF0(t, "onMetaData", append(ECMAArray{{"trackinfo", StrictArray{Object{{"a", "b"}}}}}, ffmpegMeta[:11]...))
	withEncoder := mustAMF0(t, "@setDataFrame", "onMetaData", ffmpegMeta)
	if n := testing.AllocsPerRun(100, func() { ParseMetadata(noEncoder) }); n != 0 {
		t.Fatalf("%v allocations without an encoder, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { ParseMetadata(withEncoder) }); n != 1 {
		t.Fatalf("%v allocations with an encoder, want 1", n)
	}
}

// A megabyte-class onMetaData of nested strict arrays, each declaring the
// bytes that remain, and one of a million keys: nothing but the encoder is
// allocated.
func TestParseMetadataLarge(t *testing.T) {
	const size = 1 << 20
	head := mustAMF0(t, "onMetaData", ECMAArray{{"encoder", strings.Repeat("e", 200)}})
	head = head[:len(head)-3] // no end marker: more entries follow
	head = append(head, 0, 1, 'x')
	nested := nestedStrictArrays(head, AMF0MaxDepth-1, size)
	keys := append([]byte(nil), head[:len(head)-3]...)
	for len(keys) < size {
		keys = append(keys, 0, 5, 'w', 'i', 'd', 't', 'h', amf0Null)
	}
	for _, in := range [][]byte{nested, keys} {
		var md Metadata
		got, over := heapAllocatedOver(MetadataEncoderMax, func() { md, _ = ParseMetadata(in) })
		if over {
			t.Fatalf("allocated %d bytes for %d, want at most %d", got, len(in), MetadataEncoderMax)
		}
		_ = md
	}
	if md, ok := ParseMetadata(keys); !ok || md.Encoder != strings.Repeat("e", 64) {
		t.Fatalf("keys: got %+v, %v", md, ok)
	}
}

func TestTagIsMetadata(t *testing.T) {
	meta := mustAMF0(t, "onMetaData", ffmpegMeta)
	for _, c := range []struct {
		tag  Tag
		want bool
	}{
		{Tag{Type: TagScript, Data: meta}, true},
		{Tag{Type: TagVideo, Data: meta}, false},
		{Tag{Type: TagScript, Data: meta[:12]}, false},
		{Tag{Type: TagScript, Data: mustAMF0(t, "onCuePoint")}, false},
	} {
		if got := c.tag.IsMetadata(); got != c.want {
			t.Fatalf("%+v: got %v", c.tag, got)
		}
	}
}

// metadataFromTree is the oracle for FuzzParseMetadata: the summary taken
// from the decoded AMF0 tree, as the live server used to take it.
func metadataFromTree(vals []any) (Metadata, bool) {
	if len(vals) >= 3 && vals[0] == "@setDataFrame" {
		vals = vals[1:]
	}
	if len(vals) < 2 || vals[0] != "onMetaData" {
		return Metadata{}, false
	}
	var e []ObjectEntry
	switch m := vals[1].(type) {
	case ECMAArray:
		e = m
	case Object:
		e = m
	default:
		return Metadata{}, false
	}
	num := func(k string) float64 { v, _ := entriesGet(e, k); f, _ := v.(float64); return f }
	var md Metadata
	md.Width, md.Height, md.FrameRate = num("width"), num("height"), num("framerate")
	md.VideoDataRate, md.AudioDataRate = num("videodatarate"), num("audiodatarate")
	md.AudioSampleRate, md.AudioSampleSize = num("audiosamplerate"), num("audiosamplesize")
	md.VideoCodecID, md.AudioCodecID = num("videocodecid"), num("audiocodecid")
	_, md.HasVideoCodecID = entriesGet(e, "videocodecid")
	_, md.HasAudioCodecID = entriesGet(e, "audiocodecid")
	v, _ := entriesGet(e, "stereo")
	md.Stereo, _ = v.(bool)
	v, _ = entriesGet(e, "encoder")
	s, _ := v.(string)
	md.Encoder = truncateUTF8([]byte(s), MetadataEncoderMax)
	return md, true
}

func sameMetadata(a, b Metadata) bool {
	fa := []float64{a.Width, a.Height, a.FrameRate, a.VideoDataRate, a.AudioDataRate, a.AudioSampleRate, a.AudioSampleSize, a.VideoCodecID, a.AudioCodecID}
	fb := []float64{b.Width, b.Height, b.FrameRate, b.VideoDataRate, b.AudioDataRate, b.AudioSampleRate, b.AudioSampleSize, b.VideoCodecID, b.AudioCodecID}
	for i := range fa {
		if math.Float64bits(fa[i]) != math.Float64bits(fb[i]) {
			return false
		}
	}
	return a.Stereo == b.Stereo && a.HasVideoCodecID == b.HasVideoCodecID && a.HasAudioCodecID == b.HasAudioCodecID && a.Encoder == b.Encoder
}

// FuzzParseMetadata: no panic; at most MetadataEncoderMax bytes allocated,
// whatever the input (the encoder string, the only allocation); a body that
// the AMF0 decoder decodes entirely gives the same summary as the tree.
// Amplification seeds are committed in testdata/fuzz/FuzzParseMetadata.
func FuzzParseMetadata(f *testing.F) {
	for _, c := range casesMetadata(f) {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var md Metadata
		var ok bool
		if got, over := heapAllocatedOver(MetadataEncoderMax, func() { md, ok = ParseMetadata(b) }); over {
			t.Fatalf("allocated %d bytes, over %d", got, MetadataEncoderMax)
		}
		if len(md.Encoder) > MetadataEncoderMax {
			t.Fatalf("encoder of %d bytes", len(md.Encoder))
		}
		if !ok && md != (Metadata{}) {
			t.Fatalf("not ok with %+v", md)
		}
		vals, err := UnmarshalAMF0(b)
		if err != nil {
			return
		}
		if want, wok := metadataFromTree(vals); wok && (!ok || !sameMetadata(md, want)) {
			t.Fatalf("got %+v, %v; the tree gives %+v", md, ok, want)
		}
	})
}
