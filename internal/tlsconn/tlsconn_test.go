package tlsconn

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"math/rand"
	"net"
	"os"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/fixture"
)

// pair returns a server-side *tls.Conn over a Conn and the client side,
// handshaken.
func pair(t testing.TB) (*tls.Conn, *tls.Conn) {
	t.Helper()
	certFile, keyFile := fixture.WriteCert(t, t.TempDir(), "c.pem", "k.pem")
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := NewListener(raw, &tls.Config{Certificates: []tls.Certificate{cert}, DynamicRecordSizingDisabled: true})
	t.Cleanup(func() { ln.Close() })
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(certFile)
	pool.AppendCertsFromPEM(pem)
	cc := make(chan *tls.Conn, 1)
	go func() {
		c, err := tls.Dial("tcp", raw.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "localhost"})
		if err != nil {
			t.Error(err)
			close(cc)
			return
		}
		c.Handshake()
		cc <- c
	}()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	s := sc.(*tls.Conn)
	if err := s.Handshake(); err != nil {
		t.Fatal(err)
	}
	c := <-cc
	if c == nil {
		t.FailNow()
	}
	t.Cleanup(func() { s.Close(); c.Close() })
	return s, c
}

// batches makes n vectors of random slices, small and large, as the fan-out
// hands them over (framing, tag headers, payloads), and their concatenation.
func batches(n int) ([][][]byte, []byte) {
	rng := rand.New(rand.NewSource(1))
	var all [][][]byte
	var flat []byte
	for i := 0; i < n; i++ {
		var v [][]byte
		for j := rng.Intn(12); j >= 0; j-- {
			size := []int{0, 4, 11, 300, 3000, 20000, 70000}[rng.Intn(7)]
			b := make([]byte, size)
			rng.Read(b)
			v = append(v, b)
			flat = append(flat, b...)
		}
		all = append(all, v)
	}
	return all, flat
}

// TestWriterBytes: whatever the batches and however full the socket, the
// client reads exactly the bytes written, in order: TryWrite when the
// socket takes it, WriteAll (the viewer's goroutine) for what it left.
func TestWriterBytes(t *testing.T) {
	s, c := pair(t)
	w := NewWriter(s)
	if w == nil {
		t.Skip("no writes without waiting on this platform")
	}
	all, flat := batches(200)
	got := make(chan []byte, 1)
	c.SetReadDeadline(time.Now().Add(30 * time.Second)) // a lost byte fails, not hangs
	// The reader reads nothing until the socket is full (the batches are
	// about 17 MB, more than loopback buffers hold), so the WriteAll path
	// runs however fast or slow the machine is (a reader that only slept
	// first kept up under qemu).
	filled := make(chan struct{})
	go func() {
		select {
		case <-filled:
		case <-time.After(10 * time.Second):
		}
		b, _ := io.ReadAll(io.LimitReader(c, int64(len(flat))))
		got <- b
	}()
	partial := 0
	s.SetWriteDeadline(time.Now().Add(20 * time.Second))
	for _, v := range all {
		v := append([][]byte(nil), v...)
		if _, err := w.TryWrite(&v); err != nil {
			t.Fatal(err)
		}
		if len(v) > 0 {
			if partial == 0 {
				close(filled)
			}
			partial++
			if _, err := w.WriteAll(&v); err != nil {
				t.Fatal(err)
			}
			if len(v) != 0 {
				t.Fatalf("WriteAll left %d slices", len(v))
			}
		}
	}
	if b := <-got; !bytes.Equal(b, flat) {
		t.Fatalf("read %d bytes, differ from the %d written", len(b), len(flat))
	}
	if partial == 0 {
		t.Error("the socket never filled: the WriteAll path was not exercised")
	}
	t.Logf("%d of %d batches finished by WriteAll", partial, len(all))
}

// TestWriterCloseNotify: closing a taken-over connection still sends the
// close_notify crypto/tls queues, so the client sees a clean EOF.
func TestWriterCloseNotify(t *testing.T) {
	s, c := pair(t)
	w := NewWriter(s)
	if w == nil {
		t.Skip("no writes without waiting on this platform")
	}
	v := [][]byte{[]byte("hello")}
	if _, err := w.WriteAll(&v); err != nil {
		t.Fatal(err)
	}
	s.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	if string(b) != "hello" || err != nil {
		t.Fatalf("read %q, %v (want hello and a clean EOF)", b, err)
	}
}

// TestNotTLS: a plain connection gets no Writer.
func TestNotTLS(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if NewWriter(a) != nil {
		t.Fatal("a Writer for a plain connection")
	}
}
