package browser

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/picosrs/picosrs/internal/websocket"
)

// Page is one tab, driven over its own DevTools WebSocket connection.
type Page struct {
	id      string
	browser *Browser
	conn    net.Conn
	wmu     sync.Mutex // one message written at a time

	mu      sync.Mutex
	nextID  int64
	waiting map[int64]chan response
	console []string // the page's last console lines and exceptions
	err     error    // why the connection ended
	closed  chan struct{}
}

type response struct {
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// maxMessage bounds a DevTools message (a screenshot is the largest).
const maxMessage = 64 << 20

func dialPage(ctx context.Context, wsURL string) (*Page, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("browser: dial devtools: %w", err)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br, _, err := websocket.ClientHandshake(conn, u.Host, u.RequestURI(), http.Header{})
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("browser: devtools handshake: %w", err)
	}
	conn.SetDeadline(time.Time{})
	p := &Page{conn: conn, waiting: map[int64]chan response{}, closed: make(chan struct{})}
	go p.read(br)
	return p, nil
}

// Close closes the tab.
func (p *Page) Close() error {
	if p.browser != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+p.browser.http+"/json/close/"+p.id, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		cancel()
	}
	return p.conn.Close()
}

// Console returns the page's console output and uncaught exceptions so
// far (the last 200 lines), for a test's failure report.
func (p *Page) Console() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.console, "\n")
}

// Call sends one DevTools command and decodes its result into out (when
// not nil).
func (p *Page) Call(ctx context.Context, method string, params, out any) error {
	p.mu.Lock()
	if p.err != nil {
		p.mu.Unlock()
		return p.err
	}
	p.nextID++
	id := p.nextID
	ch := make(chan response, 1)
	p.waiting[id] = ch
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.waiting, id)
		p.mu.Unlock()
	}()
	msg, err := json.Marshal(struct {
		ID     int64  `json:"id"`
		Method string `json:"method"`
		Params any    `json:"params,omitempty"`
	}{id, method, params})
	if err != nil {
		return err
	}
	var key [4]byte
	rand.Read(key[:])
	p.wmu.Lock()
	p.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err = p.conn.Write(websocket.AppendClientFrame(nil, websocket.OpText, msg, key))
	p.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("browser: %s: %w", method, err)
	}
	select {
	case r := <-ch:
		if r.Error != nil {
			return fmt.Errorf("browser: %s: %s (%d)", method, r.Error.Message, r.Error.Code)
		}
		if out != nil {
			return json.Unmarshal(r.Result, out)
		}
		return nil
	case <-p.closed:
		return p.err
	case <-ctx.Done():
		return fmt.Errorf("browser: %s: %w", method, ctx.Err())
	}
}

// Eval evaluates a JavaScript expression in the page, awaiting it when it
// is a promise, and decodes its value (as JSON) into out when not nil. A
// thrown exception is an error with its text.
func (p *Page) Eval(ctx context.Context, expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.Call(ctx, "Runtime.evaluate", map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true,
	}, &r)
	if err != nil {
		return err
	}
	if r.Exception != nil {
		return fmt.Errorf("browser: eval %q: %s %s", expr, r.Exception.Text, r.Exception.Exception.Description)
	}
	if out != nil && len(r.Result.Value) > 0 {
		return json.Unmarshal(r.Result.Value, out)
	}
	return nil
}

// Screenshot returns a PNG of the page as it is shown now.
func (p *Page) Screenshot(ctx context.Context) ([]byte, error) {
	var r struct {
		Data string `json:"data"`
	}
	if err := p.Call(ctx, "Page.captureScreenshot", map[string]any{"format": "png"}, &r); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(r.Data)
}

// read dispatches the browser's messages: answers to their callers, console
// lines and exceptions to the console log; everything else is dropped.
func (p *Page) read(br *bufio.Reader) {
	var err error
	defer func() {
		p.mu.Lock()
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
			err = errors.New("browser: page connection closed")
		}
		p.err = err
		p.mu.Unlock()
		close(p.closed)
	}()
	var msg []byte
	for {
		msg, err = readMessage(br, msg[:0])
		if err != nil {
			return
		}
		var m struct {
			ID     int64           `json:"id"`
			Method string          `json:"method"`
			Params json.RawMessage `json:"params"`
			response
		}
		if json.Unmarshal(msg, &m) != nil {
			continue
		}
		if m.ID != 0 {
			p.mu.Lock()
			ch := p.waiting[m.ID]
			p.mu.Unlock()
			if ch != nil {
				ch <- m.response
			}
			continue
		}
		if line := consoleLine(m.Method, m.Params); line != "" {
			p.mu.Lock()
			p.console = append(p.console, line)
			if len(p.console) > 200 {
				p.console = p.console[1:]
			}
			p.mu.Unlock()
		}
	}
}

// consoleLine renders a console call or an uncaught exception, or "".
func consoleLine(method string, params json.RawMessage) string {
	switch method {
	case "Runtime.consoleAPICalled":
		var c struct {
			Type string `json:"type"`
			Args []struct {
				Value       any    `json:"value"`
				Description string `json:"description"`
			} `json:"args"`
		}
		json.Unmarshal(params, &c)
		parts := []string{c.Type + ":"}
		for _, a := range c.Args {
			if a.Value != nil {
				parts = append(parts, fmt.Sprint(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		return strings.Join(parts, " ")
	case "Runtime.exceptionThrown":
		var e struct {
			Details struct {
				Text      string `json:"text"`
				Exception struct {
					Description string `json:"description"`
				} `json:"exception"`
			} `json:"exceptionDetails"`
		}
		json.Unmarshal(params, &e)
		return "exception: " + e.Details.Text + " " + e.Details.Exception.Description
	}
	return ""
}

// readMessage reads one whole text or binary message (unmasked, as a
// server sends), skipping control frames, appending to dst.
func readMessage(br *bufio.Reader, dst []byte) ([]byte, error) {
	var hb [websocket.MaxHeaderSize]byte
	for {
		h, err := websocket.ReadHeader(br, &hb)
		if err != nil {
			return dst, err
		}
		if h.Masked || h.Length > maxMessage || uint64(len(dst))+h.Length > maxMessage {
			return dst, errors.New("browser: devtools frame masked or too large")
		}
		n := len(dst)
		dst = append(dst, make([]byte, h.Length)...)
		if _, err := io.ReadFull(br, dst[n:]); err != nil {
			return dst, err
		}
		switch {
		case h.Opcode == websocket.OpClose:
			return dst, io.EOF
		case h.Opcode.IsControl():
			dst = dst[:n] // ping/pong: not part of the message
		case h.Fin:
			return dst, nil
		}
	}
}

// WaitLoaded waits until the page's document has loaded (readyState
// "complete"); NewPage calls it.
func (p *Page) WaitLoaded(ctx context.Context) error {
	for {
		var state string
		err := p.Eval(ctx, "document.readyState + ' ' + location.href", &state)
		if err == nil && strings.HasPrefix(state, "complete ") && !strings.HasSuffix(state, "about:blank") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("browser: page not loaded (%q, %v): %w", state, err, ctx.Err())
		case <-p.closed:
			return p.err
		case <-time.After(50 * time.Millisecond):
		}
	}
}
