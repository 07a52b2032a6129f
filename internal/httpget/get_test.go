package httpget

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

func mustURL(t testing.TB, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestGet: a GET carries Host, User-Agent and Connection: close; the body
// is read from the returned connection; https works with an unchecked
// certificate only when asked.
func TestGet(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != "picosrs-test" || !r.Close || r.URL.RequestURI() != "/live/s.flv?token=1" {
			http.Error(w, "bad request "+r.URL.RequestURI(), 400)
			return
		}
		io.WriteString(w, "FLV body")
	})
	for _, srv := range []*httptest.Server{httptest.NewServer(h), httptest.NewTLSServer(h)} {
		defer srv.Close()
		u := mustURL(t, srv.URL+"/live/s.flv?token=1")
		resp, conn, err := Get(context.Background(), u, Options{Timeout: 2 * time.Second, InsecureTLS: true, UserAgent: "picosrs-test"})
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		conn.Close()
		if err != nil || resp.StatusCode != 200 || string(body) != "FLV body" {
			t.Fatalf("%s: %d %q %v", u.Scheme, resp.StatusCode, body, err)
		}
		if u.Scheme == "https" {
			if _, _, err := Get(context.Background(), u, Options{Timeout: 2 * time.Second}); err == nil {
				t.Error("an unknown certificate was accepted without InsecureTLS")
			}
		}
	}
	if _, _, err := Get(context.Background(), mustURL(t, "ftp://x/y"), Options{Timeout: time.Second}); !errors.Is(err, ErrScheme) {
		t.Errorf("ftp: %v", err)
	}
}

// TestGetBounds: a server that never answers costs Timeout, a cancelled
// context ends the wait at once, and an answer head over MaxHeaderBytes is
// refused.
func TestGetBounds(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				line, _ := r.ReadString('\n')
				if strings.Contains(line, "/huge") {
					io.WriteString(c, "HTTP/1.1 200 OK\r\n")
					for range 2000 {
						if _, err := io.WriteString(c, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n"); err != nil {
							return
						}
					}
				}
				io.Copy(io.Discard, r) // never answers
			}()
		}
	}()
	base := "http://" + ln.Addr().String()
	start := time.Now()
	if _, _, err := Get(context.Background(), mustURL(t, base+"/silent"), Options{Timeout: 300 * time.Millisecond}); err == nil {
		t.Fatal("no error from a silent server")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a silent server cost %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	if _, _, err := Get(ctx, mustURL(t, base+"/silent"), Options{Timeout: 10 * time.Second}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("cancel took %v", d)
	}
	if _, _, err := Get(context.Background(), mustURL(t, base+"/huge"), Options{Timeout: 5 * time.Second}); err == nil || !strings.Contains(err.Error(), "head over") {
		t.Errorf("huge head: %v", err)
	}
}

func TestLocation(t *testing.T) {
	from := mustURL(t, "http://gslb:8080/live/s.flv?token=1")
	cases := []struct{ loc, want string }{
		{"http://o1:8080/live/s.flv?token=1", "http://o1:8080/live/s.flv?token=1"},
		{"https://o1/live/s.flv", "https://o1/live/s.flv"},
		{"/other/s.flv", "http://gslb:8080/other/s.flv"},
		{"//o2:81/live/s.flv", "http://o2:81/live/s.flv"},
		{"", "error"},
		{"ftp://o1/x", "error"},
		{"http://[::1", "error"},
	}
	for _, c := range cases {
		resp := &http.Response{Header: http.Header{}}
		if c.loc != "" {
			resp.Header.Set("Location", c.loc)
		}
		to, err := Location(from, resp)
		got := "error"
		if err == nil {
			got = to.String()
		} else if !errors.Is(err, ErrLocation) {
			t.Errorf("%q: error %v is not ErrLocation", c.loc, err)
		}
		if got != c.want {
			t.Errorf("%q: got %s, want %s", c.loc, got, c.want)
		}
	}
	for status, want := range map[int]bool{301: true, 302: true, 303: true, 307: true, 308: true, 200: false, 304: false, 300: false, 404: false} {
		if Redirect(status) != want {
			t.Errorf("Redirect(%d) = %v", status, !want)
		}
	}
}

// FuzzGet: whatever a server answers, get returns an answer or an error,
// never a panic, having read at most MaxHeaderBytes of head; a redirect
// taken names an http(s) URL with a host.
func FuzzGet(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\n\r\nFLV\x01"))
	f.Add([]byte("HTTP/1.1 302 Found\r\nLocation: http://o1:8080/live/s.flv\r\nContent-Length: 0\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 404 Not Found\r\n\r\n"))
	f.Add([]byte("garbage\r\n\r\n"))
	u := &url.URL{Scheme: "http", Host: "origin:8080", Path: "/live/s.flv"}
	f.Fuzz(func(t *testing.T, answer []byte) {
		pipe, server := net.Pipe()
		client := &countingConn{Conn: pipe}
		defer client.Close()
		go func() {
			defer server.Close()
			r := bufio.NewReader(server)
			for {
				line, err := r.ReadString('\n')
				if err != nil || line == "\r\n" {
					break
				}
			}
			server.Write(answer)
		}()
		resp, conn, err := get(context.Background(), client, u, Options{}, time.Now().Add(time.Second))
		if client.n > MaxHeaderBytes {
			t.Fatalf("read %d bytes of head, limit %d", client.n, MaxHeaderBytes)
		}
		if err != nil {
			return
		}
		if Redirect(resp.StatusCode) {
			if to, err := Location(u, resp); err == nil && ((to.Scheme != "http" && to.Scheme != "https") || to.Host == "") {
				t.Fatalf("redirect to %s", to)
			}
		}
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		conn.Close()
	})
}

// countingConn counts the bytes read from it.
type countingConn struct {
	net.Conn
	n int
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.n += n
	return n, err
}
