package websocket

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"runtime"
	"testing"
)

// headerCases feed decode, encode and the fuzz seeds.
var headerCases = []struct {
	name string
	enc  []byte
	dec  Header
}{
	{"binary 0", []byte{0x82, 0x00}, Header{Fin: true, Opcode: OpBinary}},
	{"binary 125", []byte{0x82, 125}, Header{Fin: true, Opcode: OpBinary, Length: 125}},
	{"binary 126", []byte{0x82, 126, 0, 126}, Header{Fin: true, Opcode: OpBinary, Length: 126}},
	{"binary 65535", []byte{0x82, 126, 0xff, 0xff}, Header{Fin: true, Opcode: OpBinary, Length: 65535}},
	{"binary 65536", []byte{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}, Header{Fin: true, Opcode: OpBinary, Length: 65536}},
	{"masked ping", []byte{0x89, 0x85, 1, 2, 3, 4}, Header{Fin: true, Opcode: OpPing, Masked: true, Mask: [4]byte{1, 2, 3, 4}, Length: 5}},
	{"1 GB masked", []byte{0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 9, 9, 9, 9}, Header{Fin: true, Opcode: OpBinary, Masked: true, Mask: [4]byte{9, 9, 9, 9}, Length: 1 << 30}},
	{"fragment rsv", []byte{0x70 | 0x02, 3}, Header{RSV: 7, Opcode: OpBinary, Length: 3}},
}

func TestHeaderDecode(t *testing.T) {
	for _, c := range headerCases {
		h, n, err := ParseHeader(c.enc)
		if err != nil || n != len(c.enc) || h != c.dec {
			t.Errorf("%s: got %+v %d %v, want %+v %d", c.name, h, n, err, c.dec, len(c.enc))
		}
		var buf [MaxHeaderSize]byte
		h2, err := ReadHeader(bytes.NewReader(c.enc), &buf)
		if err != nil || h2 != c.dec {
			t.Errorf("%s: ReadHeader got %+v %v", c.name, h2, err)
		}
	}
}

func TestHeaderEncode(t *testing.T) {
	for _, c := range headerCases {
		if got := AppendHeader(nil, c.dec); !bytes.Equal(got, c.enc) {
			t.Errorf("%s: got %x, want %x", c.name, got, c.enc)
		}
	}
	if got := AppendBinaryHeader(nil, 300); !bytes.Equal(got, []byte{0x82, 126, 1, 44}) {
		t.Errorf("AppendBinaryHeader(300) = %x", got)
	}
}

func TestHeaderErrors(t *testing.T) {
	for _, b := range [][]byte{
		{0x82}, {0x82, 126, 0}, {0x82, 127, 0, 0}, {0x82, 0x80, 1, 2},
	} {
		if _, _, err := ParseHeader(b); !errors.Is(err, ErrShortHeader) {
			t.Errorf("%x: %v, want ErrShortHeader", b, err)
		}
	}
	for _, b := range [][]byte{
		{0x82, 126, 0, 125},                       // 16-bit form for a 7-bit length
		{0x82, 127, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, // 64-bit form for a 16-bit length
		{0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0},    // top bit set
	} {
		if _, _, err := ParseHeader(b); !errors.Is(err, ErrLengthEncoding) {
			t.Errorf("%x: %v, want ErrLengthEncoding", b, err)
		}
	}
}

func TestMask(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	// RFC 6455 section 5.7: "Hello" masked.
	b := []byte{0x7f, 0x9f, 0x4d, 0x51, 0x58}
	MaskBytes(key, 0, b[:2])
	MaskBytes(key, 2, b[2:])
	if string(b) != "Hello" {
		t.Fatalf("unmasked %q", b)
	}
}

func TestAcceptKey(t *testing.T) {
	// RFC 6455 section 1.3.
	if got := AcceptKey("dGhlIHNhbXBsZSBub25jZQ=="); got != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
		t.Fatalf("got %s", got)
	}
}

// handshakeCases: a request's method, protocol and headers, and the error.
var handshakeCases = []struct {
	name   string
	method string
	minor  int
	h      http.Header
	err    error
}{
	{"ok", "GET", 1, hdr("Upgrade", "websocket", "Connection", "keep-alive, Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), nil},
	{"post", "POST", 1, hdr("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ErrMethod},
	{"http/1.0", "GET", 0, hdr("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ErrHTTPVer},
	{"no connection", "GET", 1, hdr("Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ErrConnection},
	{"version 8", "GET", 1, hdr("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "8", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ErrVersion},
	{"no version", "GET", 1, hdr("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ErrVersion},
	{"no key", "GET", 1, hdr("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13"), ErrKey},
	{"short key", "GET", 1, hdr("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "c2hvcnQ="), ErrKey},
	{"bad base64", "GET", 1, hdr("Upgrade", "websocket", "Connection", "Upgrade", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!=="), ErrKey},
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func TestCheckHandshake(t *testing.T) {
	for _, c := range handshakeCases {
		if !IsUpgrade(c.h) {
			t.Errorf("%s: not seen as an upgrade", c.name)
		}
		key, err := CheckHandshake(c.method, 1, c.minor, c.h)
		if !errors.Is(err, c.err) || (err == nil && key != "dGhlIHNhbXBsZSBub25jZQ==") {
			t.Errorf("%s: got %q %v, want %v", c.name, key, err, c.err)
		}
	}
	if IsUpgrade(hdr("Upgrade", "h2c")) {
		t.Error("h2c seen as a WebSocket upgrade")
	}
	a := string(AppendAccept(nil, "dGhlIHNhbXBsZSBub25jZQ==", "Server: x"))
	want := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nServer: x\r\n\r\n"
	if a != want {
		t.Errorf("accept answer %q", a)
	}
}

func TestClose(t *testing.T) {
	f := AppendCloseFrame(nil, CloseTooBig, "too big")
	h, n, err := ParseHeader(f)
	if err != nil || h.Opcode != OpClose || int(h.Length) != len(f)-n {
		t.Fatalf("close frame %x: %+v %v", f, h, err)
	}
	code, reason, err := ParseClose(f[n:])
	if code != CloseTooBig || string(reason) != "too big" || err != nil {
		t.Fatalf("got %d %q %v", code, reason, err)
	}
	long := AppendCloseFrame(nil, CloseNormal, string(bytes.Repeat([]byte("é"), 100)))
	if h, n, _ := ParseHeader(long); h.Length > MaxControlPayload || len(long)-n > MaxControlPayload {
		t.Fatalf("long reason not cut: %d", h.Length)
	}
	if _, _, err := ParseClose(long[2:]); err != nil {
		t.Fatalf("cut reason: %v", err)
	}
	for _, p := range [][]byte{{3}, {0x03, 0xed}, {0x03, 0xe8, 0xff}} { // 1 byte, 1005, bad UTF-8
		if _, _, err := ParseClose(p); !errors.Is(err, ErrBadClose) {
			t.Errorf("%x: %v", p, err)
		}
	}
}

var mk = [4]byte{0xa1, 0xb2, 0xc3, 0xd4}

// readerCases: what a client sends, and what Reader.Next returns each time
// until the error.
var readerCases = []struct {
	name string
	in   []byte
	ops  []Opcode
	err  error
	code uint16
}{
	{"ping pong close", cat(AppendClientFrame(nil, OpPing, []byte("hi"), mk), AppendClientFrame(nil, OpPong, nil, mk),
		AppendClientFrame(nil, OpClose, []byte{0x03, 0xe8}, mk)), []Opcode{OpPing, OpPong, OpClose}, io.EOF, CloseNormal},
	{"small binary dropped", cat(AppendClientFrame(nil, OpBinary, make([]byte, 100), mk), AppendClientFrame(nil, OpPing, nil, mk)),
		[]Opcode{OpPing}, io.EOF, CloseNormal},
	{"fragmented binary", cat([]byte{0x02, 0x82}, mk[:], []byte{1, 2}, AppendClientFrame(nil, OpContinuation, []byte{3}, mk), AppendClientFrame(nil, OpPing, nil, mk)),
		[]Opcode{OpPing}, io.EOF, CloseNormal},
	{"unmasked", []byte{0x89, 0}, nil, ErrUnmasked, CloseProtocolError},
	{"text", AppendClientFrame(nil, OpText, []byte("hello"), mk), nil, ErrText, CloseUnsupportedData},
	{"too big", AppendClientFrame(nil, OpBinary, make([]byte, 5000), mk), nil, ErrTooBig, CloseTooBig},
	{"fragments over the limit", cat([]byte{0x02, 0xfe, 0x0b, 0xb8}, mk[:], make([]byte, 3000), // 3000 bytes, not final
		AppendClientFrame(nil, OpContinuation, make([]byte, 3000), mk)), nil, ErrTooBig, CloseTooBig},
	{"1 GB header", []byte{0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4}, nil, ErrTooBig, CloseTooBig},
	{"rsv", []byte{0xc2, 0x80, 1, 2, 3, 4}, nil, ErrReserved, CloseProtocolError},
	{"opcode 3", []byte{0x83, 0x80, 1, 2, 3, 4}, nil, ErrReserved, CloseProtocolError},
	{"long ping", AppendClientFrame(nil, OpPing, make([]byte, 126), mk), nil, ErrBadControl, CloseProtocolError},
	{"fragmented ping", []byte{0x09, 0x80, 1, 2, 3, 4}, nil, ErrBadControl, CloseProtocolError},
	{"lone continuation", AppendClientFrame(nil, OpContinuation, nil, mk), nil, ErrContinuation, CloseProtocolError},
	{"bad close", AppendClientFrame(nil, OpClose, []byte{3}, mk), nil, ErrBadClose, CloseProtocolError},
	{"cut payload", AppendClientFrame(nil, OpPing, []byte("hello"), mk)[:8], nil, io.ErrUnexpectedEOF, CloseNormal},
}

func cat(b ...[]byte) []byte { return bytes.Join(b, nil) }

func TestReader(t *testing.T) {
	for _, c := range readerCases {
		r := NewReader(bytes.NewReader(c.in), 0)
		var ops []Opcode
		var err error
		for {
			var op Opcode
			var p []byte
			op, p, err = r.Next()
			if err != nil {
				break
			}
			if op == OpPing && c.name == "ping pong close" && string(p) != "hi" {
				t.Errorf("%s: ping payload %q", c.name, p)
			}
			ops = append(ops, op)
		}
		if !errors.Is(err, c.err) || len(ops) != len(c.ops) || CloseCode(err) != c.code {
			t.Errorf("%s: got %v %v (code %d), want %v %v (code %d)", c.name, ops, err, CloseCode(err), c.ops, c.err, c.code)
			continue
		}
		for i := range ops {
			if ops[i] != c.ops[i] {
				t.Errorf("%s: op %d is %v, want %v", c.name, i, ops[i], c.ops[i])
			}
		}
	}
}

func TestMessageReader(t *testing.T) {
	srv := cat(AppendBinaryHeader(nil, 3), []byte("abc"), AppendHeader(nil, Header{Fin: true, Opcode: OpPing, Length: 1}), []byte{9},
		AppendBinaryHeader(nil, 70000), bytes.Repeat([]byte{'x'}, 70000), AppendCloseFrame(nil, CloseGoingAway, "bye"))
	m := NewMessageReader(bytes.NewReader(srv))
	got, err := io.ReadAll(m)
	if err != nil || len(got) != 70003 || string(got[:4]) != "abcx" {
		t.Fatalf("got %d bytes %v", len(got), err)
	}
	if code, reason, ok := m.Close(); !ok || code != CloseGoingAway || reason != "bye" || m.Frames() != 2 {
		t.Fatalf("close %d %q %v, %d frames", code, reason, ok, m.Frames())
	}
	if _, err := NewMessageReader(bytes.NewReader(AppendClientFrame(nil, OpBinary, []byte("x"), mk))).Read(make([]byte, 4)); !errors.Is(err, ErrServerMasked) {
		t.Fatalf("masked server frame: %v", err)
	}
}

// TestReaderAllocs: reading frames allocates only a few small values (an
// error's text), whatever lengths the headers declare, so a client's memory
// cost is the Reader's fixed size.
func TestReaderAllocs(t *testing.T) {
	in := cat(AppendClientFrame(nil, OpPing, []byte("hello"), mk), AppendClientFrame(nil, OpBinary, make([]byte, 3000), mk),
		[]byte{0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4})
	br := bytes.NewReader(in)
	r := NewReader(br, 0)
	const runs = 1000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		br.Reset(in)
		r.inMessage, r.msgLen = false, 0
		r.Next()
		if _, _, err := r.Next(); !errors.Is(err, ErrTooBig) {
			t.Fatal(err)
		}
	}
	runtime.ReadMemStats(&after)
	if per := (after.TotalAlloc - before.TotalAlloc) / runs; per > 512 {
		t.Fatalf("%d bytes allocated per run", per)
	}
}
