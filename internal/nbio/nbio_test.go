package nbio

import (
	"bytes"
	"io"
	"net"
	"runtime"
	"testing"
)

// pair returns both ends of a loopback TCP connection.
func pair(t *testing.T) (client, server net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		acc <- c
	}()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server = <-acc
	if server == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestNewNeedsASocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if New(a) != nil {
		t.Fatal("New(net.Pipe) should be nil: a pipe has no descriptor")
	}
	c, _ := pair(t)
	if (New(c) != nil) != (runtime.GOOS == "linux") {
		t.Fatalf("New(tcp) = %v on %s", New(c), runtime.GOOS)
	}
}

// TestFullSocket writes to a peer that does not read until the socket is
// full: TryWrite must come back without error and without waiting, having
// written a prefix; the prefix plus the rest, written later, must arrive in
// order and intact.
func TestFullSocket(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("non-blocking writes are implemented on linux only")
	}
	c, s := pair(t)
	s.(*net.TCPConn).SetWriteBuffer(4096)
	w := New(s)
	var want bytes.Buffer
	var rest [][]byte
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 1024) // 16 KiB
	full := false
	for i := 0; i < 4096 && !full; i++ {
		// Three slices per batch, one of them empty, as the sinks build them.
		v := [][]byte{[]byte{byte(i)}, nil, chunk[i%16:]}
		for _, b := range v {
			want.Write(b)
		}
		n, err := w.TryWrite(&v)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		left := 0
		for _, b := range v {
			left += len(b)
		}
		if int(n)+left != 1+len(chunk[i%16:]) {
			t.Fatalf("batch %d: wrote %d, left %d of %d", i, n, left, 1+len(chunk[i%16:]))
		}
		if len(v) > 0 {
			full, rest = true, v
		}
	}
	if !full {
		t.Fatal("the socket never filled up")
	}
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(c)
		got <- b
	}()
	if _, err := (*net.Buffers)(&rest).WriteTo(s); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if b := <-got; !bytes.Equal(b, want.Bytes()) {
		t.Fatalf("received %d bytes, want %d, or not in order", len(b), want.Len())
	}
}

// TestLongVector writes more slices than one writev takes (IOV_MAX).
func TestLongVector(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("non-blocking writes are implemented on linux only")
	}
	c, s := pair(t)
	w := New(s)
	var v [][]byte
	var want []byte
	for i := 0; i < 3*maxIov+7; i++ {
		b := []byte{byte(i), byte(i >> 8)}
		v = append(v, b)
		want = append(want, b...)
	}
	n, err := w.TryWrite(&v)
	if err != nil || int(n) != len(want) || len(v) != 0 {
		t.Fatalf("TryWrite = %d, %v with %d slices left; want %d", n, err, len(v), len(want))
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read %v: bytes differ", err)
	}
}

func TestClosed(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("non-blocking writes are implemented on linux only")
	}
	_, s := pair(t)
	w := New(s)
	s.Close()
	v := [][]byte{[]byte("x")}
	if _, err := w.TryWrite(&v); err == nil {
		t.Fatal("TryWrite on a closed connection: no error")
	}
}

func TestResetPeer(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("non-blocking writes are implemented on linux only")
	}
	c, s := pair(t)
	c.(*net.TCPConn).SetLinger(0)
	c.Close() // RST
	w := New(s)
	var err error
	for i := 0; i < 100 && err == nil; i++ {
		v := [][]byte{bytes.Repeat([]byte("x"), 1000)}
		_, err = w.TryWrite(&v)
	}
	if err == nil {
		t.Fatal("writes to a reset connection never failed")
	}
}

func BenchmarkTryWrite(b *testing.B) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			io.Copy(io.Discard, c)
		}
	}()
	s, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	w := New(s)
	if w == nil {
		b.Skip("no non-blocking writes here")
	}
	hdr, body, tail := make([]byte, 11), make([]byte, 4000), make([]byte, 4)
	vec := make([][]byte, 0, 3)
	b.ReportAllocs()
	for range b.N {
		vec = append(vec[:0], hdr, body, tail)
		for len(vec) > 0 {
			if _, err := w.TryWrite(&vec); err != nil {
				b.Fatal(err)
			}
		}
	}
}
