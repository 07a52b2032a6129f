package websocket

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// FuzzHeader: any bytes either fail to parse, or parse to a header whose
// shortest encoding is what was read (the parser refuses non-minimal
// lengths), and never read past the header.
func FuzzHeader(f *testing.F) {
	for _, c := range headerCases {
		f.Add(c.enc)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := ParseHeader(b)
		if err != nil {
			return
		}
		if n > MaxHeaderSize || n > len(b) || n != h.headerSize() {
			t.Fatalf("size %d of %d for %+v", n, len(b), h)
		}
		if enc := AppendHeader(nil, h); !bytes.Equal(enc, b[:n]) {
			t.Fatalf("re-encoded %x, read %x", enc, b[:n])
		}
	})
}

// countingReader counts the bytes a Reader takes from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// FuzzReader: the client-frame reader on any bytes never panics, returns
// only control opcodes with at most 125 bytes, gives a close code for every
// error, and never reads more than it was given (a declared length is
// never trusted: a header claiming a gigabyte fails before reading it).
// Memory is fixed: TestReaderAllocs holds Next to no allocation at all.
func FuzzReader(f *testing.F) {
	for _, c := range readerCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		cr := &countingReader{r: bytes.NewReader(b)}
		r := NewReader(cr, 0)
		for i := 0; ; i++ {
			op, p, err := r.Next()
			if err != nil {
				if c := CloseCode(err); !ValidCloseCode(c) {
					t.Fatalf("close code %d for %v", c, err)
				}
				break
			}
			if !op.IsControl() || len(p) > MaxControlPayload {
				t.Fatalf("returned opcode %v with %d bytes", op, len(p))
			}
			if i > len(b) {
				t.Fatal("more frames than bytes")
			}
		}
		if cr.n > len(b) {
			t.Fatalf("read %d of %d bytes", cr.n, len(b))
		}
	})
}

// FuzzHandshake: CheckHandshake accepts only a GET of HTTP/1.1+ with
// version 13 and a key that is 16 bytes in base64, whatever the headers.
func FuzzHandshake(f *testing.F) {
	for _, c := range handshakeCases {
		f.Add(c.method, c.minor, c.h.Get("Connection"), c.h.Get("Sec-WebSocket-Version"), c.h.Get("Sec-WebSocket-Key"))
	}
	f.Fuzz(func(t *testing.T, method string, minor int, conn, version, key string) {
		h := http.Header{}
		h.Set("Upgrade", "websocket")
		h.Set("Connection", conn)
		h.Set("Sec-WebSocket-Version", version)
		h.Set("Sec-WebSocket-Key", key)
		k, err := CheckHandshake(method, 1, minor, h)
		if err != nil {
			for _, e := range []error{ErrMethod, ErrHTTPVer, ErrConnection, ErrVersion, ErrKey} {
				if errors.Is(err, e) {
					return
				}
			}
			t.Fatalf("unexpected error %v", err)
		}
		if method != "GET" || minor < 1 || strings.TrimSpace(version) != "13" || len(k) != 24 || k != strings.TrimSpace(key) {
			t.Fatalf("accepted %q %d %q %q %q", method, minor, conn, version, key)
		}
		if a := AcceptKey(k); len(a) != 28 {
			t.Fatalf("accept %q", a)
		}
	})
}
