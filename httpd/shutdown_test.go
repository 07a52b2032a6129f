package httpd

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/websocket"
)

// TestPlayDuringShutdown: an HTTP or WebSocket player that comes once the
// stream core is shutting down (the HTTP listener not yet closed) is
// refused cleanly: 503, or a close frame 1001, and no viewer is attached.
func TestPlayDuringShutdown(t *testing.T) {
	lc, hc := testConfigs()
	e := newEnv(t, lc, hc)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := e.live.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(e.url("/live/s.flv"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("HTTP-FLV during shutdown: status %d, want 503", resp.StatusCode)
	}
	_, br := e.wsDial(t, "/live/s.flv", nil)
	if _, code, err := serverFrames(br, false); err != nil || code != websocket.CloseGoingAway {
		t.Errorf("WebSocket during shutdown: close %d (%v), want %d", code, err, websocket.CloseGoingAway)
	}
	if n := len(e.live.Clients()); n != 0 {
		t.Errorf("%d clients attached during shutdown", n)
	}
}
