package rtmp

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func TestHandshakeClientServer(t *testing.T) {
	for _, complex := range []bool{false, true} {
		cn, sn := net.Pipe()
		res := make(chan bool, 1)
		go func() {
			defer sn.Close()
			c, err := ServerHandshake(sn, sn)
			if err != nil {
				t.Error(err)
			}
			res <- c
		}()
		if err := ClientHandshake(cn, cn, complex); err != nil {
			t.Fatal(err)
		}
		if got := <-res; got != complex {
			t.Fatalf("server saw complex=%v, want %v", got, complex)
		}
		cn.Close()
	}
}

// TestHandshakeDigestSchemes checks that the server finds a C1 digest in
// both layouts and that its S1/S2 verify as the client checks them.
func TestHandshakeDigestSchemes(t *testing.T) {
	for scheme := 0; scheme <= 1; scheme++ {
		c0c1 := make([]byte, 1+handshakeSize)
		c0c1[0] = RTMPVersion
		c1 := c0c1[1:]
		fillRandom(c1[8:])
		copy(c1[4:], clientVersion[:])
		digest := append([]byte(nil), signBlock(c1, scheme, fpKey[:30])...)
		in := append(c0c1, make([]byte, handshakeSize)...) // + C2
		var out bytes.Buffer
		complex, err := ServerHandshake(bytes.NewReader(in), &out)
		if err != nil || !complex {
			t.Fatalf("scheme %d: complex=%v err=%v", scheme, complex, err)
		}
		s := out.Bytes()
		if len(s) != 1+2*handshakeSize || s[0] != RTMPVersion {
			t.Fatalf("scheme %d: bad S0S1S2 (%d bytes)", scheme, len(s))
		}
		s1, s2 := s[1:1+handshakeSize], s[1+handshakeSize:]
		if findDigest(s1, fmsKey[:36]) == nil {
			t.Fatalf("scheme %d: S1 digest does not verify", scheme)
		}
		want := append([]byte(nil), s2...)
		signResponse(want, fmsKey, digest)
		if !bytes.Equal(want, s2) {
			t.Fatalf("scheme %d: S2 signature does not verify", scheme)
		}
	}
}

// The digester's HMAC is crypto/hmac's, for every key the handshake uses
// (30, 36, 62 and 68 bytes: longer than a SHA-256 block, it is hashed
// first) and for a key that is its own last digest.
func TestHandshakeDigester(t *testing.T) {
	msg := bytes.Repeat([]byte("picosrs"), 300)
	var d digester
	for _, key := range [][]byte{fpKey[:30], fmsKey[:36], fpKey, fmsKey} {
		m := hmac.New(sha256.New, key)
		m.Write(msg[:100])
		m.Write(msg[100:])
		if got := d.mac(key, msg[:100], msg[100:]); !bytes.Equal(got, m.Sum(nil)) {
			t.Fatalf("key of %d bytes: %x, crypto/hmac %x", len(key), got, m.Sum(nil))
		}
		k := append([]byte(nil), d.mac(key, msg)...)
		m = hmac.New(sha256.New, k)
		m.Write(msg)
		if got := d.mac(d.mac(key, msg), msg); !bytes.Equal(got, m.Sum(nil)) {
			t.Fatalf("keyed with its own digest: %x, crypto/hmac %x", got, m.Sum(nil))
		}
	}
}

// A complex server handshake allocates nothing once its pool is warm: a
// burst of players leaves nothing of it to the collector.
func TestServerHandshakeAllocations(t *testing.T) {
	c0c1 := make([]byte, 1+handshakeSize)
	c0c1[0] = RTMPVersion
	copy(c0c1[5:9], clientVersion[:])
	fillRandom(c0c1[9:])
	signBlock(c0c1[1:], 1, fpKey[:30])
	in := append(c0c1, make([]byte, handshakeSize)...) // + C2
	r := bytes.NewReader(in)
	run := func() {
		r.Reset(in)
		if complex, err := ServerHandshake(r, io.Discard); err != nil || !complex {
			t.Fatalf("complex %v, %v", complex, err)
		}
	}
	run()
	if got, over := heapAllocatedOver(256, run); over {
		t.Fatalf("a complex server handshake allocates %d bytes", got)
	}
}

func TestHandshakeSimpleEcho(t *testing.T) {
	in := make([]byte, 1+2*handshakeSize)
	in[0] = RTMPVersion
	for i := range in[1:] {
		in[1+i] = byte(i)
	}
	in[5], in[6], in[7], in[8] = 0, 0, 0, 0 // version 0: simple handshake
	var out bytes.Buffer
	complex, err := ServerHandshake(bytes.NewReader(in), &out)
	if err != nil || complex {
		t.Fatalf("complex=%v err=%v", complex, err)
	}
	if !bytes.Equal(out.Bytes()[1+handshakeSize:], in[1:1+handshakeSize]) {
		t.Fatal("S2 does not echo C1")
	}
}

func TestHandshakeErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"garbage version", append([]byte("GET / HTTP/1.1\r\n"), make([]byte, 2000)...)},
		{"truncated C1", append([]byte{3}, make([]byte, 100)...)},
		{"no C2", append([]byte{3}, make([]byte, handshakeSize)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ServerHandshake(bytes.NewReader(tc.in), io.Discard); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestAcceptTimeout: a client that sends half a handshake is dropped at the
// handshake timeout, and garbage fails at once.
func TestAcceptTimeout(t *testing.T) {
	cn, sn := net.Pipe()
	defer cn.Close()
	go cn.Write([]byte{3, 1, 2, 3})
	start := time.Now()
	_, err := Accept(sn, ServerConfig{HandshakeTimeout: 100 * time.Millisecond})
	if err == nil {
		t.Fatal("no error")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("took %v", d)
	}

	cn2, sn2 := net.Pipe()
	defer cn2.Close()
	go cn2.Write(bytes.Repeat([]byte("garbage!"), 200))
	if _, err := Accept(sn2, ServerConfig{HandshakeTimeout: 5 * time.Second}); err == nil {
		t.Fatal("garbage accepted")
	}
}

func FuzzHandshake(f *testing.F) {
	simple := make([]byte, 1+2*handshakeSize)
	simple[0] = RTMPVersion
	f.Add(simple)
	c0c1 := make([]byte, 1+handshakeSize)
	c0c1[0] = RTMPVersion
	copy(c0c1[5:], clientVersion[:])
	signBlock(c0c1[1:], 1, fpKey[:30])
	f.Add(append(c0c1, make([]byte, handshakeSize)...))
	f.Add([]byte{3})
	f.Add([]byte{6, 0, 0})
	f.Add([]byte("GET /live/s.flv HTTP/1.1\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var out bytes.Buffer
		_, err := ServerHandshake(bytes.NewReader(b), &out)
		if len(b) > 0 && b[0] != RTMPVersion && (!errors.Is(err, ErrHandshakeVersion) || out.Len() != 0) {
			t.Fatalf("version %d: got %v, wrote %d bytes", b[0], err, out.Len())
		}
		if err == nil {
			if len(b) < 1+2*handshakeSize {
				t.Fatalf("accepted %d bytes", len(b))
			}
			if out.Len() != 1+2*handshakeSize {
				t.Fatalf("wrote %d bytes", out.Len())
			}
		}
	})
}

// The first byte decides: an HTTP request or RTMPE on the RTMP port fails
// as soon as its first byte arrives, not at the handshake timeout, even
// though far fewer bytes than C0C1 were sent and the client keeps the
// connection open.
func TestHandshakeFirstByte(t *testing.T) {
	for _, first := range []string{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\x06", "\x00"} {
		cn, sn := net.Pipe()
		go cn.Write([]byte(first))
		start := time.Now()
		_, err := Accept(sn, ServerConfig{HandshakeTimeout: 5 * time.Second})
		if !errors.Is(err, ErrHandshakeVersion) {
			t.Fatalf("%q: got %v, want ErrHandshakeVersion", first, err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("%q: refused after %v", first, d)
		}
		cn.Close()
		sn.Close()
	}
}

// TestHandshakeSimpleAfterComplex: the server's blocks are reused, so a
// simple handshake right after a complex one must still send S1 with time
// and version 0 (not the complex answer's server version).
func TestHandshakeSimpleAfterComplex(t *testing.T) {
	for range 20 {
		c0c1 := make([]byte, 1+handshakeSize)
		c0c1[0] = RTMPVersion
		fillRandom(c0c1[9:])
		copy(c0c1[5:], clientVersion[:])
		signBlock(c0c1[1:], 0, fpKey[:30])
		var out bytes.Buffer
		if complex, err := ServerHandshake(bytes.NewReader(append(c0c1, make([]byte, handshakeSize)...)), &out); err != nil || !complex {
			t.Fatalf("complex handshake: complex=%v err=%v", complex, err)
		}
		simple := make([]byte, 1+2*handshakeSize)
		simple[0] = RTMPVersion
		out.Reset()
		if complex, err := ServerHandshake(bytes.NewReader(simple), &out); err != nil || complex {
			t.Fatalf("simple handshake: complex=%v err=%v", complex, err)
		}
		if s1 := out.Bytes()[1 : 1+handshakeSize]; !bytes.Equal(s1[:8], make([]byte, 8)) {
			t.Fatalf("simple S1 starts % x, want time and version 0", s1[:8])
		}
	}
}
