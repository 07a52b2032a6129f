package live

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// This file is the tests' stand-in for package httpd (which imports live,
// so live's own tests cannot use it): a listener that serves
// GET /app/stream.ext as a live viewer through Server.Play, with HTTP
// chunked framing, and a sink that counts how the fan-out wrote.

var testCRLF = []byte("\r\n")

// testChunked is HTTP chunked framing, as httpd's.
type testChunked struct {
	head []byte
	sent bool
	size [20]byte
}

func (c *testChunked) Frame(n int) (h0, h1, tail []byte) {
	if !c.sent {
		h0, c.sent = c.head, true
	}
	if n > 0 {
		h1, tail = append(strconv.AppendInt(c.size[:0], int64(n), 16), '\r', '\n'), testCRLF
	}
	return h0, h1, tail
}

var testFormats = map[string]Format{".flv": FormatFLV, ".ts": FormatTS, ".mp3": FormatMP3, ".aac": FormatAAC}

var testContentTypes = map[Format]string{FormatFLV: "video/x-flv", FormatTS: "video/MP2T", FormatMP3: "audio/mpeg", FormatAAC: "audio/x-aac"}

func testHead(f Format) []byte {
	return []byte("HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Type: " + testContentTypes[f] + "\r\nTransfer-Encoding: chunked\r\n\r\n")
}

// countingSink counts the fan-out's writes and the batches it handed to
// the viewer's goroutine (a write without waiting that did not take all).
type countingSink struct {
	Sink
	mu          sync.Mutex
	tries, left int
}

func (c *countingSink) TryWrite(v [][]byte, now time.Time) (bool, error) {
	done, err := c.Sink.TryWrite(v, now)
	c.mu.Lock()
	c.tries++
	if err == nil && !done {
		c.left++
	}
	c.mu.Unlock()
	return done, err
}

// counts returns the fan-out's writes and hand-offs so far.
func (c *countingSink) counts() (tries, left int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tries, c.left
}

// testViewers is a stand-in HTTP server of live viewers.
type testViewers struct {
	srv   *Server
	mu    sync.Mutex
	sinks []*countingSink
	conns []net.Conn // the server side of each viewer's connection
}

// sink returns the i-th viewer's sink once it is attached.
func (tv *testViewers) sink(t *testing.T, i int) (*countingSink, net.Conn) {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		tv.mu.Lock()
		if i < len(tv.sinks) {
			s, c := tv.sinks[i], tv.conns[i]
			tv.mu.Unlock()
			return s, c
		}
		tv.mu.Unlock()
	}
	t.Fatalf("viewer %d never attached", i)
	return nil, nil
}

// startHTTP starts a server for cfg and a stand-in HTTP listener of live
// viewers on loopback.
func startHTTP(t *testing.T, cfg *Config) (*Server, string) {
	srv, addr, _ := startViewers(t, cfg)
	return srv, addr
}

func startViewers(t *testing.T, cfg *Config) (*Server, string, *testViewers) {
	t.Helper()
	srv := NewServer(cfg)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tv := &testViewers{srv: srv}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go tv.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close(); srv.Shutdown(t.Context()) })
	return srv, ln.Addr().String(), tv
}

func (tv *testViewers) serve(conn net.Conn) {
	defer conn.Close()
	req, err := http.ReadRequest(bufio.NewReader(conn))
	if err != nil {
		return
	}
	host := req.URL.Query().Get("vhost")
	if host == "" {
		host, _, _ = strings.Cut(req.Host, ":")
	}
	vh := tv.srv.Config().ResolveVhost(host)
	app, file := path.Split(strings.TrimPrefix(req.URL.Path, "/"))
	f, ok := testFormats[path.Ext(file)]
	if vh == nil || !ok {
		io.WriteString(conn, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
		return
	}
	key := StreamKey{vh.Name, strings.TrimSuffix(app, "/"), strings.TrimSuffix(file, path.Ext(file))}
	v, err := tv.srv.Play(PlayRequest{Key: key, Format: f, Remote: conn.RemoteAddr(), Conn: conn})
	if err != nil {
		status := http.StatusNotFound
		if errors.Is(err, ErrCodecMismatch) {
			status = http.StatusUnsupportedMediaType
		}
		io.WriteString(conn, "HTTP/1.1 "+strconv.Itoa(status)+" x\r\nContent-Length: 0\r\n\r\n")
		return
	}
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		var b [64]byte
		for {
			if _, err := conn.Read(b[:]); err != nil {
				return
			}
		}
	}()
	fr := &testChunked{head: testHead(f)}
	out := v.ConnSink(conn, fr)
	cs := &countingSink{Sink: out}
	tv.mu.Lock()
	tv.sinks = append(tv.sinks, cs)
	tv.conns = append(tv.conns, conn)
	tv.mu.Unlock()
	err = v.Serve(cs, gone)
	if err == io.EOF || errors.Is(err, ErrShutdown) {
		end := [][]byte{[]byte("0\r\n\r\n")}
		if !fr.sent {
			end = append([][]byte{fr.head}, end...)
		}
		out.WriteFinal(end...)
	}
	v.Close(err)
}

// waitStream waits until the stream of key exists with at least consumers
// consumers attached.
func waitStream(t *testing.T, srv *Server, key StreamKey, consumers int) *Stream {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		if st := srv.Stream(key); st != nil {
			st.mu.RLock()
			n := len(st.consumers)
			st.mu.RUnlock()
			if n >= consumers {
				return st
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("stream %v never had %d consumers", key, consumers)
	return nil
}

// subscribeFormat attaches a consumer for format f, as Play does.
func subscribeFormat(st *Stream, f Format) *Consumer {
	kind := kindAV
	if f.audioOnly() {
		kind = kindAudioOnly
	}
	return st.subscribe(kind, f == FormatTS)
}
