package connlimit

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

func listen(t *testing.T, l *Limiter, refuse func(net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return l.Listen(ln, refuse)
}

// accepted dials ln and returns the server side of the connection, or nil
// when the limiter refused it (the dialled side is then closed by the peer).
func dialAccept(t *testing.T, ln net.Listener, acc <-chan net.Conn) (client, server net.Conn) {
	t.Helper()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	select {
	case s := <-acc:
		return c, s
	case <-time.After(300 * time.Millisecond):
		return c, nil
	}
}

func acceptLoop(ln net.Listener) <-chan net.Conn {
	acc := make(chan net.Conn, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			acc <- c
		}
	}()
	return acc
}

// TestLimit: connections count from accept to close; beyond the limit they
// are refused, and a closed one frees its slot once however often it is
// closed.
func TestLimit(t *testing.T) {
	var l Limiter
	l.SetMax(2)
	ln := listen(t, &l, nil)
	acc := acceptLoop(ln)
	_, s1 := dialAccept(t, ln, acc)
	_, s2 := dialAccept(t, ln, acc)
	if s1 == nil || s2 == nil || l.Open() != 2 {
		t.Fatalf("two connections under a limit of 2: open %d", l.Open())
	}
	c3, s3 := dialAccept(t, ln, acc)
	if s3 != nil {
		t.Fatal("third connection accepted past the limit")
	}
	c3.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c3.Read(make([]byte, 1)); err == nil {
		t.Fatal("refused connection not closed")
	}
	if l.Refused() != 1 {
		t.Fatalf("refused %d, want 1", l.Refused())
	}
	s1.Close()
	s1.Close()
	if l.Open() != 1 {
		t.Fatalf("open %d after closing one twice, want 1", l.Open())
	}
	if _, s4 := dialAccept(t, ln, acc); s4 == nil {
		t.Fatal("a freed slot was not reused")
	}
	l.SetMax(0)
	for i := 0; i < 3; i++ {
		if _, s := dialAccept(t, ln, acc); s == nil {
			t.Fatal("refused with no limit")
		}
	}
}

// TestRefuseHTTP: a refused HTTP client reads a 503, even when it had sent
// its request before the answer (closing with unread input would reset the
// connection and lose the answer).
func TestRefuseHTTP(t *testing.T) {
	var l Limiter
	l.SetMax(1)
	ln := listen(t, &l, RefuseHTTP)
	acc := acceptLoop(ln)
	dialAccept(t, ln, acc)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /live/x.flv HTTP/1.1\r\nHost: x\r\n\r\n"+strings.Repeat("x", 4000))
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", resp.StatusCode)
	}
	start := time.Now()
	io.Copy(io.Discard, c)
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("refused connection held %v", d)
	}
}

// TestConnRawAccess: a counted connection still gives raw socket access
// (internal/nbio needs it) and TCP options.
func TestConnRawAccess(t *testing.T) {
	var l Limiter
	ln := listen(t, &l, nil)
	acc := acceptLoop(ln)
	_, s := dialAccept(t, ln, acc)
	if _, ok := s.(syscall.Conn); !ok {
		t.Fatal("counted connection hides SyscallConn")
	}
	if _, err := s.(syscall.Conn).SyscallConn(); err != nil {
		t.Fatal(err)
	}
	if err := s.(interface{ SetNoDelay(bool) error }).SetNoDelay(false); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.(io.ReaderFrom); !ok {
		t.Fatal("counted connection hides ReadFrom (sendfile)")
	}
}
