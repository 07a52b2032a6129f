package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// testFLV is an FLV body of n frames, alternating video (a keyframe every
// tenth, a sequence header first) and audio, with the publisher's send
// table that names them; sizes vary from 0 to a few kB so that pieces of
// any size split headers, bodies and chunk lines everywhere.
func testFLV(t *testing.T, n int) (body []byte, r *runner, pub *publisher) {
	t.Helper()
	r = &runner{epoch: time.Now()}
	r.steady = r.epoch
	r.end = r.epoch.Add(time.Hour)
	pub = &publisher{table: &sendTable{epoch: r.epoch}}
	var buf bytes.Buffer
	w := flv.NewWriter(&buf)
	if err := w.WriteHeader(true, true); err != nil {
		t.Fatal(err)
	}
	w.WriteTag(&flv.Tag{Type: flv.TagVideo, Data: []byte{0x17, 0, 0, 0, 1, 0x64}}) // AVC sequence header
	w.WriteTag(&flv.Tag{Type: flv.TagScript})                                      // an empty tag
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		ms := uint32(i * 20)
		var tag flv.Tag
		if i%2 == 0 {
			key := byte(0x27)
			if i%20 == 0 {
				key = 0x17
			}
			tag = flv.Tag{Type: flv.TagVideo, Timestamp: ms, Data: append([]byte{key, 1, 0, 0, 0}, bytes.Repeat([]byte{byte(i)}, rng.IntN(4000))...)}
			pub.table.put(trackVideo, ms, uint64(i/2), r.epoch)
		} else {
			tag = flv.Tag{Type: flv.TagAudio, Timestamp: ms, Data: append([]byte{0xaf, 1}, bytes.Repeat([]byte{byte(i)}, rng.IntN(400))...)}
			pub.table.put(trackAudio, ms, uint64(i/2), r.epoch)
		}
		if err := w.WriteTag(&tag); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes(), r, pub
}

// chunk frames body as HTTP/1.1 chunks of random sizes, with the odd
// extension and upper-case digits, and the terminating chunk.
func chunk(body []byte, rng *rand.Rand) []byte {
	var out []byte
	for len(body) > 0 {
		n := min(1+rng.IntN(9000), len(body))
		switch rng.IntN(3) {
		case 0:
			out = fmt.Appendf(out, "%x\r\n", n)
		case 1:
			out = fmt.Appendf(out, "%X;name=value\r\n", n)
		default:
			out = fmt.Appendf(out, "%x \r\n", n)
		}
		out = append(append(out, body[:n]...), "\r\n"...)
		body = body[n:]
	}
	return append(out, "0\r\n\r\n"...)
}

// The streaming parser counts what the goroutine reader counts, whatever
// the pieces the bytes arrive in, chunked or not.
func TestFLVStreamMatchesReader(t *testing.T) {
	const frames = 400
	body, r, pub := testFLV(t, frames)
	ref := &viewer{r: r, pub: pub, ttff: -1, start: r.epoch}
	if err := ref.readFLV(bufio.NewReader(bytes.NewReader(body))); err != io.EOF {
		t.Fatalf("readFLV: %v", err)
	}
	if ref.got != frames || ref.unmatched != 0 {
		t.Fatalf("reader: got %d, unmatched %d, want %d, 0", ref.got, ref.unmatched, frames)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for round := range 20 {
		chunked := round%2 == 0
		wire := body
		if chunked {
			wire = chunk(body, rng)
		}
		v := &viewer{r: r, pub: pub, ttff: -1, start: r.epoch}
		s := newFLVStream(v, chunked)
		for p := wire; len(p) > 0; {
			n := min(1+rng.IntN(1<<uint(rng.IntN(15))), len(p))
			if err := s.feed(p[:n], time.Now()); err != nil {
				t.Fatalf("round %d: feed: %v", round, err)
			}
			p = p[n:]
		}
		if v.got != ref.got || v.unmatched != ref.unmatched || v.missing() != 0 || v.ttff < 0 {
			t.Fatalf("round %d (chunked %v): got %d unmatched %d missing %d ttff %v, want %d 0 0",
				round, chunked, v.got, v.unmatched, v.missing(), v.ttff, ref.got)
		}
		if s.ended != chunked {
			t.Fatalf("round %d: ended %v, want %v (the terminating chunk)", round, s.ended, chunked)
		}
	}
}

func TestFLVStreamRefuses(t *testing.T) {
	_, r, pub := testFLV(t, 4)
	cases := []struct {
		name    string
		chunked bool
		wire    string
		want    error
	}{
		{"not flv", false, "GIF89a" + strings.Repeat("x", 20), errNotFLV},
		{"no digits", true, "\r\n", errChunkLine},
		{"bad digit", true, "zz\r\n", errChunkLine},
		{"runaway size", true, "123456789\r\n", errChunkLine},
		{"runaway line", true, "1;" + strings.Repeat("x", 100), errChunkLine},
		{"chunked not flv", true, "d\r\nGIF89a1234567\r\n", errNotFLV},
	}
	for _, c := range cases {
		v := &viewer{r: r, pub: pub, ttff: -1}
		if err := newFLVStream(v, c.chunked).feed([]byte(c.wire), time.Now()); err != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// serveOne answers one HTTP-FLV request on a loopback port with a 200
// carrying the extra header lines, then hands the connection to body; it
// returns the address.
func serveOne(t *testing.T, header string, body func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\n"+header+"\r\n")
		body(c)
	}()
	return ln.Addr().String()
}

// A polled viewer reads a real socket: the response header through net/http,
// then the body from the poller, from a server that writes it in pieces
// with pauses, as a live server does.
func TestPolledViewer(t *testing.T) {
	const frames = 200
	body, r, pub := testFLV(t, frames)
	r.proto = "flv"
	addr := serveOne(t, "Transfer-Encoding: chunked\r\n", func(c net.Conn) {
		cw := httputil.NewChunkedWriter(c)
		for p := body; len(p) > 0; {
			n := min(5000, len(p))
			cw.Write(p[:n])
			p = p[n:]
			time.Sleep(time.Millisecond)
		}
		cw.Close()
		io.WriteString(c, "\r\n")
	})
	ctx := t.Context()
	r.end = time.Now().Add(30 * time.Second)
	var wg sync.WaitGroup
	ps := startPollers(ctx, r.end, 1, &wg)
	if len(ps) == 0 {
		t.Skip("no poller on this platform")
	}
	v := &viewer{r: r, pub: pub, poller: ps[0]}
	v.run(ctx, "http://"+addr+"/live/x.flv")
	if v.err != nil || !v.connected {
		t.Fatalf("err %v, connected %v", v.err, v.connected)
	}
	if v.got != frames || v.missing() != 0 || v.unmatched != 0 {
		t.Fatalf("got %d, missing %d, unmatched %d, want %d, 0, 0", v.got, v.missing(), v.unmatched, frames)
	}
	// Each frame has a read time and the kernel's receive time, never later.
	if n, a := r.lat.n.Load(), r.arrival.n.Load(); n != frames || a != n {
		t.Fatalf("latency samples: read %d, arrival %d, want %d each", n, a, frames)
	}
	if a, l := r.arrival.quantile(0.5), r.lat.quantile(0.5); a > l*1.02 {
		t.Fatalf("arrival p50 %.3f ms after the read p50 %.3f ms", a, l)
	}
	// The arrival times came from the kernel, not from the fallback to the
	// read time (which would pass the check above by construction).
	if ps[0].stamped == 0 {
		t.Fatalf("no read had the kernel's receive time (%d without)", ps[0].unstamped)
	}
	if v.bytes < int64(len(body)) {
		t.Fatalf("bytes %d, want at least the body's %d", v.bytes, len(body))
	}
}

// A viewer whose server stalls after the response header is let go when
// the run ends: its goroutine returns, without an error, soon after the end.
func TestPolledViewerStalled(t *testing.T) {
	body, r, pub := testFLV(t, 10)
	r.proto = "flv"
	stop := make(chan struct{})
	defer close(stop)
	addr := serveOne(t, "", func(c net.Conn) {
		c.Write(body[:100]) // the FLV header and part of a tag, then nothing
		<-stop
	})
	r.end = time.Now().Add(500 * time.Millisecond)
	var wg sync.WaitGroup
	ps := startPollers(t.Context(), r.end, 1, &wg)
	if len(ps) == 0 {
		t.Skip("no poller on this platform")
	}
	v := &viewer{r: r, pub: pub, poller: ps[0]}
	done := make(chan struct{})
	go func() { v.run(t.Context(), "http://"+addr+"/live/x.flv"); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the viewer of a stalled server was not let go at the run's end")
	}
	wg.Wait()
	if v.err != nil || !v.connected {
		t.Fatalf("err %v, connected %v", v.err, v.connected)
	}
	if late := v.readEnd.Sub(r.end); late > time.Second {
		t.Fatalf("let go %v after the run's end", late)
	}
}
