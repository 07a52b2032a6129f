package live

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/fixture"
)

// flvOrigin serves the h264_aac fixture at /live/s.flv and records the
// query it was asked with.
func flvOrigin(t *testing.T, tls bool) (*httptest.Server, <-chan string) {
	raw, err := os.ReadFile(fixture.Fixture("h264_aac.flv"))
	if err != nil {
		t.Fatal(err)
	}
	queries := make(chan string, 16)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/live/s.flv" {
			http.NotFound(w, r)
			return
		}
		queries <- r.URL.RawQuery
		w.Header().Set("Content-Type", "video/x-flv")
		w.Write(raw)
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv, queries
}

// redirector answers every request with code to target's host, same path
// and query: a GSLB.
func redirector(t *testing.T, code int, target func() string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target()+r.URL.RequestURI(), code)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func host(srv *httptest.Server) string {
	return strings.TrimPrefix(strings.TrimPrefix(srv.URL, "http://"), "https://")
}

// readAll reads an upstream to its end and returns its tags.
func readAll(t *testing.T, u upstream) []flv.Tag {
	t.Helper()
	var tags []flv.Tag
	for {
		tag, err := u.ReadTag()
		if err == io.EOF {
			return tags
		}
		if err != nil {
			t.Fatalf("after %d tags: %v", len(tags), err)
		}
		tags = append(tags, tag)
	}
}

func sameFLVTags(t *testing.T, got, want []flv.Tag) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d tags, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Type != want[i].Type || got[i].Timestamp != want[i].Timestamp || string(got[i].Data) != string(want[i].Data) {
			t.Fatalf("tag %d differs", i)
		}
	}
}

// TestFLVUpstream: the pull reads every tag the origin sends, asks with the
// player's param and the upstream vhost, follows up to three redirects of
// every kind, and reads HTTPS origins with self-signed certificates.
func TestFLVUpstream(t *testing.T) {
	want := fixture.ReadFLV(t, "h264_aac.flv")
	origin, queries := flvOrigin(t, false)
	st := testStream(NewServer(testConfig()), "s")
	ctx := context.Background()

	u, err := dialFLV(ctx, st, "http", host(origin), "v.test", "?token=abc&vhost=x")
	if err != nil {
		t.Fatal(err)
	}
	sameFLVTags(t, readAll(t, u), want)
	if u.BytesIn() == 0 || !strings.HasPrefix(u.Addr(), origin.URL) {
		t.Errorf("bytes %d, addr %s", u.BytesIn(), u.Addr())
	}
	u.Close()
	u.Close() // twice is fine
	if q := <-queries; q != "token=abc&vhost=v.test" {
		t.Errorf("origin asked with %q", q)
	}

	// Three redirects in a row, of every code net/http follows for a GET.
	gslb3 := redirector(t, http.StatusTemporaryRedirect, func() string { return origin.URL })
	gslb2 := redirector(t, http.StatusPermanentRedirect, func() string { return gslb3.URL })
	gslb1 := redirector(t, http.StatusMovedPermanently, func() string { return gslb2.URL })
	gslb0 := redirector(t, http.StatusFound, func() string { return gslb1.URL })
	gslbSeeOther := redirector(t, http.StatusSeeOther, func() string { return gslb2.URL })
	for _, first := range []*httptest.Server{gslb1, gslbSeeOther} {
		u, err := dialFLV(ctx, st, "http", host(first), DefaultVhost, "")
		if err != nil {
			t.Fatalf("3 redirects: %v", err)
		}
		sameFLVTags(t, readAll(t, u), want)
		u.Close()
		<-queries
	}
	// A fourth is one too many.
	if _, err := dialFLV(ctx, st, "http", host(gslb0), DefaultVhost, ""); !errors.Is(err, errTooManyRedirects) {
		t.Errorf("4 redirects: %v", err)
	}

	tlsOrigin, _ := flvOrigin(t, true)
	u, err = dialFLV(ctx, st, "https", host(tlsOrigin), DefaultVhost, "")
	if err != nil {
		t.Fatalf("https: %v", err)
	}
	sameFLVTags(t, readAll(t, u), want)
	u.Close()
}

// TestFLVUpstreamHostile: every bad answer is an error of the origin, in
// bounded time and memory, never a panic.
func TestFLVUpstreamHostile(t *testing.T) {
	hdr := flv.AppendHeader(nil, true, true)
	tagHeader := func(size int) []byte {
		b := make([]byte, flv.TagHeaderSize)
		flv.PutTagHeader(b, flv.TagVideo, 0, size)
		return b
	}
	serve := func(t *testing.T, h http.HandlerFunc) string {
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return host(srv)
	}
	cases := []struct {
		name    string
		handler func(self func() string) http.HandlerFunc
		want    error  // errors.Is
		wantMsg string // or in the message
		within  time.Duration
	}{
		{"404", func(func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
		}, nil, "404", 3 * time.Second},
		{"garbage", func(func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>not a stream</html>")) }
		}, flv.ErrNotFLV, "", 3 * time.Second},
		{"302 to itself", func(self func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, self()+r.URL.RequestURI(), http.StatusFound)
			}
		}, errRedirectLoop, "", 3 * time.Second},
		{"100 MB tag", func(func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Write(hdr)
				w.Write(tagHeader(0xffffff))
				chunk := make([]byte, 1<<20)
				for range 100 {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			}
		}, flv.ErrTagTooLarge, "", 3 * time.Second},
		{"stall mid-tag", func(func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Write(hdr)
				w.Write(tagHeader(1000))
				w.Write(make([]byte, 500))
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(30 * time.Second):
				}
			}
		}, errOriginStalled, "", edgeTimeout + 2*time.Second},
		{"body stops mid-tag", func(func() string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "1000")
				w.Write(hdr)
				w.Write(tagHeader(5000))
				w.Write(make([]byte, 1000-len(hdr)-flv.TagHeaderSize))
			}
		}, io.ErrUnexpectedEOF, "", 3 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var addr string
			addr = serve(t, c.handler(func() string { return "http://" + addr }))
			start := time.Now()
			u, err := dialFLV(context.Background(), testStream(NewServer(testConfig()), "s"), "http", addr, DefaultVhost, "")
			if err == nil {
				for err == nil {
					_, err = u.ReadTag()
				}
				u.Close()
			}
			if c.want != nil && !errors.Is(err, c.want) || c.wantMsg != "" && (err == nil || !strings.Contains(err.Error(), c.wantMsg)) {
				t.Fatalf("got %v, want %v %q", err, c.want, c.wantMsg)
			}
			if d := time.Since(start); d > c.within {
				t.Errorf("took %v, want within %v", d, c.within)
			}
			t.Logf("%v after %v", err, time.Since(start).Round(time.Millisecond))
		})
	}
}

// TestFLVUpstreamClose: Close from another goroutine ends a ReadTag that
// waits for the origin.
func TestFLVUpstreamClose(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(flv.AppendHeader(nil, true, true))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer srv.Close()
	u, err := dialFLV(context.Background(), testStream(NewServer(testConfig()), "s"), "http", host(srv), DefaultVhost, "")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := u.ReadTag()
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	u.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("ReadTag returned a tag")
		}
	case <-time.After(2 * time.Second):
		t.Fatal("ReadTag did not return after Close")
	}
}
