package access

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// hookService is a hook service for the tests: it records the bodies it
// gets, in order, and answers with answer.
type hookService struct {
	mu     sync.Mutex
	calls  []string // "name body"
	answer func(w http.ResponseWriter, r *http.Request)
}

func (h *hookService) handler(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.calls = append(h.calls, name+" "+r.Method+" "+r.Header.Get("Content-Type")+" "+string(b))
		h.mu.Unlock()
		h.answer(w, r)
	})
}

func (h *hookService) got() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.calls...)
}

func answer(status int, body string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// TestAdmitOrder: the URLs are called in order with the body as JSON; the
// first that refuses stops the rest and is the one named.
func TestAdmitOrder(t *testing.T) {
	svc := &hookService{}
	ok := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "0") }
	svc.answer = ok
	a := httptest.NewServer(svc.handler("a"))
	defer a.Close()
	b := httptest.NewServer(svc.handler("b"))
	defer b.Close()
	c := httptest.NewServer(svc.handler("c"))
	defer c.Close()
	hc := NewHookClient(nil)
	body := []byte(`{"action":"on_play"}`)
	if err := hc.Admit(context.Background(), OnPlay, []string{a.URL, b.URL + "/x?y=1", c.URL}, time.Second, body); err != nil {
		t.Fatal(err)
	}
	want := []string{"a POST application/json " + string(body), "b POST application/json " + string(body), "c POST application/json " + string(body)}
	if got := svc.got(); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("calls %q, want %q", got, want)
	}

	// b refuses: c is not called, and the error names b, its status and body.
	svc.calls = nil
	svc.answer = func(w http.ResponseWriter, r *http.Request) {
		if r.Host == strings.TrimPrefix(b.URL, "http://") {
			io.WriteString(w, `{"code": 403, "msg": "no"}`)
			return
		}
		ok(w, r)
	}
	err := hc.Admit(context.Background(), OnPlay, []string{a.URL, b.URL, c.URL}, time.Second, body)
	var he *HookError
	if !errors.As(err, &he) || !errors.Is(err, ErrHookDenied) || !errors.Is(err, ErrHookAnswer) {
		t.Fatalf("err %v, want a HookError for ErrHookAnswer", err)
	}
	if he.URL != b.URL || he.Status != 200 || he.Body != `{"code": 403, "msg": "no"}` || he.Event != OnPlay {
		t.Errorf("HookError %+v", he)
	}
	if n := len(svc.got()); n != 2 {
		t.Errorf("%d calls after a refusal, want 2 (a, b)", n)
	}

	// Notify calls every URL whatever they answer, and returns each failure.
	svc.calls = nil
	errs := hc.Notify(context.Background(), OnStop, []string{b.URL, a.URL, b.URL}, time.Second, body)
	if len(errs) != 2 || len(svc.got()) != 3 {
		t.Errorf("notify: %d failures, %d calls; want 2 and 3", len(errs), len(svc.got()))
	}
}

// TestCallFailures: a 500, a timeout, a refused connection, a redirect, a
// bad URL and a huge answer each deny, with the reason and no more than
// MaxHookAnswer bytes read.
func TestCallFailures(t *testing.T) {
	release := make(chan struct{})
	var sent int64
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/500":
			http.Error(w, "boom", 500)
		case "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
			io.WriteString(w, "0")
		case "/redirect":
			http.Redirect(w, r, "/ok", http.StatusFound)
		case "/ok":
			io.WriteString(w, "0")
		case "/huge":
			chunk := []byte(strings.Repeat("0", 32<<10))
			for i := 0; i < 1000; i++ { // 32 MB if anyone read it all
				n, err := w.Write(chunk)
				mu.Lock()
				sent += int64(n)
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}))
	defer srv.Close()
	defer close(release)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String() + "/"
	ln.Close()

	hc := NewHookClient(nil)
	cases := []struct {
		url    string
		want   error
		status int
	}{
		{srv.URL + "/500", ErrHookStatus, 500},
		{srv.URL + "/slow", ErrHookUnreachable, 0},
		{refused, ErrHookUnreachable, 0},
		{srv.URL + "/redirect", ErrHookStatus, 302},
		{"http://[::1", ErrHookUnreachable, 0},
		{srv.URL + "/huge", ErrHookTooLarge, 200},
	}
	for _, c := range cases {
		start := time.Now()
		err := hc.Call(context.Background(), OnPublish, c.url, 300*time.Millisecond, []byte("{}"))
		var he *HookError
		if !errors.As(err, &he) || !errors.Is(err, c.want) || !errors.Is(err, ErrHookDenied) {
			t.Errorf("%s: err %v, want %v", c.url, err, c.want)
			continue
		}
		if he.Status != c.status || he.URL != c.url {
			t.Errorf("%s: status %d url %q, want %d", c.url, he.Status, he.URL, c.status)
		}
		if len(he.Body) > maxLoggedBody {
			t.Errorf("%s: logged body of %d bytes", c.url, len(he.Body))
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v with a 300ms timeout", c.url, d)
		}
	}
	// The timeout bounds the call: the slow hook gave up near 300 ms.
	start := time.Now()
	hc.Call(context.Background(), OnPlay, srv.URL+"/slow", 200*time.Millisecond, nil)
	if d := time.Since(start); d < 150*time.Millisecond || d > time.Second {
		t.Errorf("slow hook returned after %v, want about 200ms", d)
	}
	// The huge answer was not read whole (the server stops when the client
	// hangs up; the kernel buffers hold at most a few MB).
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if sent > 16<<20 {
		t.Errorf("the client took %d bytes of a huge answer", sent)
	}
}

// TestCallHTTPS: https hook URLs work with the roots given.
func TestCallHTTPS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"code":0}`)
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	hc := NewHookClient(&tls.Config{RootCAs: pool})
	if err := hc.Call(context.Background(), OnConnect, srv.URL+"/hook", time.Second, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	// An unknown certificate is no answer.
	err := NewHookClient(nil).Call(context.Background(), OnConnect, srv.URL+"/hook", time.Second, []byte("{}"))
	if !errors.Is(err, ErrHookUnreachable) {
		t.Errorf("untrusted certificate: %v", err)
	}
}

// TestCallCancelled: a caller's context ends the call (a client that left,
// a shutdown).
func TestCallCancelled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	err := NewHookClient(nil).Call(ctx, OnPlay, srv.URL, 10*time.Second, nil)
	if !errors.Is(err, ErrHookUnreachable) || time.Since(start) > 2*time.Second {
		t.Errorf("cancelled call: %v after %v", err, time.Since(start))
	}
}
