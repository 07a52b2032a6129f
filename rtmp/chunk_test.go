package rtmp

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"reflect"
	"runtime"
	"testing"

	"github.com/picosrs/picosrs/flv"
)

func newTestReader(b []byte) *ChunkReader {
	return NewChunkReader(bufio.NewReader(bytes.NewReader(b)), 0, 0)
}

func readAll(t *testing.T, r *ChunkReader) []Message {
	t.Helper()
	var msgs []Message
	for {
		m, err := r.ReadMessage()
		if err == io.EOF {
			return msgs
		}
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
}

// writeMessages encodes msgs with a ChunkWriter at chunk size cs.
func writeMessages(cs int, msgs ...Message) []byte {
	var buf bytes.Buffer
	w := NewChunkWriter(&buf)
	w.SetChunkSize(cs)
	for i := range msgs {
		w.Queue(&msgs[i])
	}
	w.Flush()
	return buf.Bytes()
}

func TestChunkRoundTrip(t *testing.T) {
	payload := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i * 7)
		}
		return b
	}
	msgs := []Message{
		{Type: TypeVideo, Timestamp: 0, StreamID: 1, ChunkStreamID: 6, Body: payload(1000)},
		{Type: TypeAudio, Timestamp: 23, StreamID: 1, ChunkStreamID: 63, Body: payload(128)},
		{Type: TypeAudio, Timestamp: 46, StreamID: 1, ChunkStreamID: 64, Body: payload(129)}, // 2-byte basic header
		{Type: TypeVideo, Timestamp: 80, StreamID: 1, ChunkStreamID: 319, Body: payload(300)},
		{Type: TypeVideo, Timestamp: 120, StreamID: 1, ChunkStreamID: 320, Body: payload(300)}, // 3-byte basic header
		{Type: TypeVideo, Timestamp: 160, StreamID: 1, ChunkStreamID: 65599, Body: payload(5000)},
		{Type: TypeDataAMF0, Timestamp: 0xffffff, StreamID: 1, ChunkStreamID: 4, Body: payload(400)}, // extended
		{Type: TypeVideo, Timestamp: 0xfffffff0, StreamID: 7, ChunkStreamID: 6, Body: payload(1 << 16)},
		{Type: TypeCommandAMF0, Timestamp: 0, StreamID: 0, ChunkStreamID: 3, Body: []byte{}},
	}
	for _, cs := range []int{1, 128, 4096, 60000} {
		got := readAllAt(t, writeMessages(cs, msgs...), cs)
		if !reflect.DeepEqual(got, msgs) {
			t.Fatalf("chunk size %d: messages differ", cs)
		}
	}
}

// readAllAt reads chunks written at chunk size cs (the reader is told with a
// Set Chunk Size message, as on the wire).
func readAllAt(t *testing.T, b []byte, cs int) []Message {
	t.Helper()
	pre := writeMessages(128, Message{Type: TypeSetChunkSize, ChunkStreamID: 2, Body: controlBody4(uint32(cs))})
	return readAll(t, newTestReader(append(pre, b...)))
}

// Hand-built chunks: formats 1, 2 and 3 and timestamp deltas (section 5.3.1.2).
func TestChunkReaderFormats(t *testing.T) {
	var b []byte
	// fmt 0, csid 4, ts 1000, len 3, type 8, stream 1
	b = append(b, 0x04, 0, 0x03, 0xe8, 0, 0, 3, 8, 1, 0, 0, 0, 'a', 'b', 'c')
	// fmt 1, delta 20, len 2, type 9
	b = append(b, 0x44, 0, 0, 20, 0, 0, 2, 9, 'd', 'e')
	// fmt 2, delta 30
	b = append(b, 0x84, 0, 0, 30, 'f', 'g')
	// fmt 3: new message, same delta
	b = append(b, 0xc4, 'h', 'i')
	got := readAll(t, newTestReader(b))
	want := []Message{
		{Type: 8, Timestamp: 1000, StreamID: 1, ChunkStreamID: 4, Body: []byte("abc")},
		{Type: 9, Timestamp: 1020, StreamID: 1, ChunkStreamID: 4, Body: []byte("de")},
		{Type: 9, Timestamp: 1050, StreamID: 1, ChunkStreamID: 4, Body: []byte("fg")},
		{Type: 9, Timestamp: 1080, StreamID: 1, ChunkStreamID: 4, Body: []byte("hi")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
}

// Extended timestamp on format-3 continuation chunks: present (ffmpeg,
// librtmp) or absent (some encoders); both must read.
func TestChunkReaderExtendedContinuation(t *testing.T) {
	body := bytes.Repeat([]byte{0x55}, 200)
	hdr := []byte{0x06, 0xff, 0xff, 0xff, 0, 0, 200, 9, 1, 0, 0, 0, 0x01, 0x00, 0x00, 0x00}
	with := append(append(append([]byte(nil), hdr...), body[:128]...), 0xc6, 0x01, 0, 0, 0)
	with = append(with, body[128:]...)
	without := append(append(append([]byte(nil), hdr...), body[:128]...), 0xc6)
	without = append(without, body[128:]...)
	for name, b := range map[string][]byte{"with": with, "without": without} {
		got := readAll(t, newTestReader(b))
		if len(got) != 1 || got[0].Timestamp != 0x01000000 || !bytes.Equal(got[0].Body, body) {
			t.Fatalf("%s: got %+v", name, got)
		}
	}
}

// Compact keeps what the next headers leave out: after it, format 2 and 3
// headers still take their length, type and stream from the chunk stream's
// last message, and a message in progress on another chunk stream goes on.
func TestChunkReaderCompact(t *testing.T) {
	var b []byte
	b = append(b, 0x05, 0, 0, 0, 0, 1, 0, 9, 1, 0, 0, 0) // 256-byte message on csid 5, first chunk
	b = append(b, bytes.Repeat([]byte{'v'}, 128)...)
	b = append(b, 0x04, 0, 0x03, 0xe8, 0, 0, 3, 8, 1, 0, 0, 0, 'a', 'b', 'c') // fmt 0 on csid 4
	b = append(b, 0x84, 0, 0, 30, 'f', 'g', 'h')                              // fmt 2: length 3, type 8
	b = append(b, 0xc4, 'i', 'j', 'k')                                        // fmt 3: delta 30 again
	b = append(b, 0xc5)                                                       // csid 5 goes on
	b = append(b, bytes.Repeat([]byte{'w'}, 128)...)
	r := newTestReader(b)
	var got []Message
	for {
		r.Compact()
		m, err := r.ReadMessage()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	want := []Message{
		{Type: 8, Timestamp: 1000, StreamID: 1, ChunkStreamID: 4, Body: []byte("abc")},
		{Type: 8, Timestamp: 1030, StreamID: 1, ChunkStreamID: 4, Body: []byte("fgh")},
		{Type: 8, Timestamp: 1060, StreamID: 1, ChunkStreamID: 4, Body: []byte("ijk")},
		{Type: 9, Timestamp: 0, StreamID: 1, ChunkStreamID: 5, Body: append(bytes.Repeat([]byte{'v'}, 128), bytes.Repeat([]byte{'w'}, 128)...)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if r.partial != nil || cap(r.streams) != 2 {
		t.Fatalf("compacted between messages: %d messages in progress kept, room for %d chunk streams", cap(r.partial), cap(r.streams))
	}
}

func TestChunkReaderAbort(t *testing.T) {
	var b []byte
	b = append(b, 0x06, 0, 0, 0, 0, 1, 0, 9, 1, 0, 0, 0) // 256-byte message on csid 6
	b = append(b, make([]byte, 128)...)                  // first chunk only
	b = append(b, writeMessages(128, Message{Type: TypeAbort, ChunkStreamID: 2, Body: controlBody4(6)})...)
	b = append(b, 0x06, 0, 0, 5, 0, 0, 1, 8, 1, 0, 0, 0, 'x') // a new message on csid 6
	got := readAll(t, newTestReader(b))
	if len(got) != 1 || string(got[0].Body) != "x" || got[0].Timestamp != 5 {
		t.Fatalf("got %+v", got)
	}
}

func TestChunkReaderLimits(t *testing.T) {
	// A header declaring a 16 MB message fails at once, before any body.
	huge := []byte{0x06, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0}
	_, err := newTestReader(huge).ReadMessage()
	if !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("16 MB message: got %v", err)
	}
	// Configurable bound.
	r := NewChunkReader(bufio.NewReader(bytes.NewReader(writeMessages(128, Message{Type: 9, ChunkStreamID: 6, Body: make([]byte, 2000)}))), 1000, 0)
	if _, err := r.ReadMessage(); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("message over MaxMessageSize: got %v", err)
	}
	// Chunk streams per connection.
	var b []byte
	for cs := uint32(3); cs < 3+DefaultMaxChunkStreams+1; cs++ {
		b = append(b, writeMessages(128, Message{Type: 8, ChunkStreamID: cs, Body: []byte{1}})...)
	}
	r = newTestReader(b)
	for {
		_, err := r.ReadMessage()
		if errors.Is(err, ErrTooManyChunkStreams) {
			break
		}
		if err != nil {
			t.Fatalf("got %v, want ErrTooManyChunkStreams", err)
		}
	}
	// Truncation inside a message is unexpected, between messages clean.
	full := writeMessages(128, Message{Type: 9, ChunkStreamID: 6, Body: make([]byte, 300)})
	for i := 1; i < len(full); i++ {
		_, err := newTestReader(full[:i]).ReadMessage()
		if err != io.ErrUnexpectedEOF {
			t.Fatalf("truncated at %d: got %v", i, err)
		}
	}
	// Format 2 on a fresh chunk stream.
	if _, err := newTestReader([]byte{0x86, 0, 0, 1, 'x'}).ReadMessage(); !errors.Is(err, ErrChunkHeader) {
		t.Fatalf("fresh format 2: got %v", err)
	}
	// Set Chunk Size 0.
	if _, err := newTestReader(writeMessages(128, Message{Type: TypeSetChunkSize, ChunkStreamID: 2, Body: controlBody4(0)})).ReadMessage(); !errors.Is(err, ErrChunkSize) {
		t.Fatalf("chunk size 0: got %v", err)
	}
}

func TestSplitAggregate(t *testing.T) {
	var body []byte
	sub := func(typ byte, ts uint32, data string) {
		body = append(body, typ, 0, 0, byte(len(data)), byte(ts>>16), byte(ts>>8), byte(ts), byte(ts>>24), 0, 0, 0)
		body = append(body, data...)
		body = binary.BigEndian.AppendUint32(body, uint32(11+len(data)))
	}
	sub(9, 5000, "vid")
	sub(8, 5020, "aud")
	sub(9, 5040, "vi2")
	got := splitAggregate(Message{Type: TypeAggregate, Timestamp: 100, Body: body}, nil)
	want := []flv.Tag{
		{Type: flv.TagVideo, Timestamp: 100, Data: []byte("vid")},
		{Type: flv.TagAudio, Timestamp: 120, Data: []byte("aud")},
		{Type: flv.TagVideo, Timestamp: 140, Data: []byte("vi2")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	// Truncated: what is whole is kept.
	if got := splitAggregate(Message{Type: TypeAggregate, Body: body[:30]}, nil); len(got) != 1 {
		t.Fatalf("truncated aggregate: got %d tags", len(got))
	}
	// An encrypted sub-message (Filter bit) is skipped, the rest kept.
	enc := append([]byte(nil), body...)
	enc[0] |= 0x20
	got = splitAggregate(Message{Type: TypeAggregate, Timestamp: 100, Body: enc}, nil)
	if !reflect.DeepEqual(got, want[1:]) {
		t.Fatalf("encrypted first: got %+v, want %+v", got, want[1:])
	}
	// Splitting allocates nothing but the destination slice.
	dst := make([]flv.Tag, 0, 8)
	if n := testing.AllocsPerRun(100, func() { splitAggregate(Message{Type: TypeAggregate, Body: body}, dst[:0]) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

func FuzzChunkReader(f *testing.F) {
	f.Add(writeMessages(128,
		Message{Type: TypeSetChunkSize, ChunkStreamID: 2, Body: controlBody4(100)},
		Message{Type: TypeVideo, Timestamp: 0xffffff, StreamID: 1, ChunkStreamID: 320, Body: make([]byte, 300)},
		Message{Type: TypeAudio, Timestamp: 5, StreamID: 1, ChunkStreamID: 64, Body: make([]byte, 3)},
	))
	f.Add([]byte{0x04, 0, 0x03, 0xe8, 0, 0, 3, 8, 1, 0, 0, 0, 'a', 'b', 'c', 0x44, 0, 0, 20, 0, 0, 2, 9, 'd', 'e', 0x84, 0, 0, 30, 'f', 'g', 0xc4, 'h', 'i'})
	f.Add([]byte{0x06, 0, 0, 0, 0xff, 0xff, 0xff, 9, 1, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewChunkReader(bufio.NewReader(bytes.NewReader(b)), 1<<16, 8)
		r.maxOther = 1 << 10 // as Conn sets it: commands and control smaller than media
		r.allocLimit = 1 << 17
		// A twin that lets go of its spare state after every message, as a
		// player's connection does, reads the same messages.
		twin := NewChunkReader(bufio.NewReader(bytes.NewReader(b)), 1<<16, 8)
		twin.maxOther, twin.allocLimit = r.maxOther, r.allocLimit
		for i := 0; i < 1000; i++ {
			m, err := r.ReadMessage()
			if r.allocated > r.allocLimit {
				t.Fatalf("%d bytes of bodies allocated, over %d", r.allocated, r.allocLimit)
			}
			if len(r.streams) > 8 || len(r.partial) > len(r.streams) {
				t.Fatalf("%d chunk streams, %d messages in progress (limit 8)", len(r.streams), len(r.partial))
			}
			inProgress := 0
			for _, p := range r.partial {
				inProgress += int(p.length)
				if len(p.buf) >= int(p.length) && p.length > 0 {
					t.Fatalf("a whole message left in progress: %d of %d bytes", len(p.buf), p.length)
				}
			}
			if inProgress != r.pending {
				t.Fatalf("pending %d, messages in progress declare %d", r.pending, inProgress)
			}
			twin.Compact()
			tm, terr := twin.ReadMessage()
			if (err == nil) != (terr == nil) || !reflect.DeepEqual(m, tm) {
				t.Fatalf("message %d: %+v, %v; compacted reader: %+v, %v", i, m, err, tm, terr)
			}
			if err != nil {
				return
			}
			if len(m.Body) > 1<<16 {
				t.Fatalf("body of %d bytes over the bound", len(m.Body))
			}
			if !isMedia(m.Type) && len(m.Body) > 1<<10 {
				t.Fatalf("message of type %d and %d bytes over the bound", m.Type, len(m.Body))
			}
			if r.messages < uint64(i+1) {
				t.Fatalf("%d messages counted, %d returned", r.messages, i+1)
			}
		}
	})
}

// Benchmarks. The reader allocates one body per message and nothing per
// chunk; the writer allocates nothing per message in steady state.

func BenchmarkChunkReader(b *testing.B) {
	const size, cs = 64 << 10, 4096
	msgs := make([]Message, 16)
	for i := range msgs {
		msgs[i] = Message{Type: TypeVideo, Timestamp: uint32(i * 40), StreamID: 1, ChunkStreamID: 6, Body: make([]byte, size)}
	}
	wire := append(writeMessages(128, Message{Type: TypeSetChunkSize, ChunkStreamID: 2, Body: controlBody4(cs)}), writeMessages(cs, msgs...)...)
	br := bytes.NewReader(wire)
	bio := bufio.NewReader(br)
	r := NewChunkReader(bio, 0, 0)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := r.ReadMessage(); err != nil {
			if err != io.EOF {
				b.Fatal(err)
			}
			br.Reset(wire)
			bio.Reset(br)
			r = NewChunkReader(bio, 0, 0)
			if _, err := r.ReadMessage(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(size/cs), "chunks/msg")
}

func BenchmarkChunkWriter(b *testing.B) {
	const size = 64 << 10
	body := make([]byte, size)
	m := Message{Type: TypeVideo, Timestamp: 40, StreamID: 1, ChunkStreamID: 6, Body: body}
	w := NewChunkWriter(io.Discard)
	w.SetChunkSize(4096)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := 0; j < 16; j++ {
			w.Queue(&m)
		}
		if _, err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(16, "msgs/write")
}

// BenchmarkWriteTags measures Conn.WriteTags over a real TCP connection
// (writev): batches of 16 tags, as the live server writes them.
func BenchmarkWriteTags(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		io.Copy(io.Discard, nc)
	}()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	c := newConn(nc, 0, 0, nil)
	c.streamID = 1
	c.cw.SetChunkSize(DefaultChunkSize)
	tags := make([]*flv.Tag, 16)
	var total int
	for i := range tags {
		n := 200
		typ := flv.TagAudio
		if i%2 == 0 {
			n, typ = 8000, flv.TagVideo
		}
		tags[i] = &flv.Tag{Type: typ, Timestamp: uint32(i * 20), Data: make([]byte, n)}
		total += n
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := c.WriteTags(tags); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(tags))/b.Elapsed().Seconds(), "tags/s")
}

// TestChunkReaderAllocatesWhatArrives: a header that declares an 8 MiB
// message costs nothing until its bytes arrive: the body grows with its
// chunks, so the memory held stays within twice the bytes received (plus
// the first 64 KiB), however much the header declares.
func TestChunkReaderAllocatesWhatArrives(t *testing.T) {
	var in bytes.Buffer
	w := NewChunkWriter(&in)
	w.SetChunkSize(4096)
	body := bytes.Repeat([]byte{7}, 8<<20-1)
	w.Queue(&Message{Type: TypeVideo, ChunkStreamID: 6, Body: body})
	w.Flush()
	for _, received := range []int{20, 64 << 10, 1 << 20, len(in.Bytes())} {
		data := in.Bytes()[:received]
		r := NewChunkReader(bufio.NewReader(bytes.NewReader(data)), 0, 0)
		r.chunkSize = 4096
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		m, err := r.ReadMessage()
		runtime.ReadMemStats(&after)
		if received == len(in.Bytes()) {
			if err != nil || !bytes.Equal(m.Body, body) {
				t.Fatalf("whole message: %v", err)
			}
		} else if err == nil {
			t.Fatalf("%d bytes of an 8 MiB message read as a whole message", received)
		}
		if got, bound := after.TotalAlloc-before.TotalAlloc, uint64(3*received+(64<<10)+(8<<10)); got > bound {
			t.Errorf("%d bytes received allocated %d (bound %d)", received, got, bound)
		}
	}
}
