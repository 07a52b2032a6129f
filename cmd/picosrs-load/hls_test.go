package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestHLSPlayer: the player starts three segments from the live end,
// reads each new segment once as the playlist slides, and counts a bad
// segment as an error.
func TestHLSPlayer(t *testing.T) {
	var mu sync.Mutex
	first := 10 // media sequence of the first listed segment
	got := map[string]int{}
	seg := make([]byte, 188*10)
	for i := 0; i < len(seg); i += 188 {
		seg[i] = 0x47
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case r.URL.Path == "/live/s.m3u8":
			first++ // a new segment each reload
			var b strings.Builder
			fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:%d\n#EXT-X-TARGETDURATION:1\n", first)
			for i := first; i < first+5; i++ {
				fmt.Fprintf(&b, "#EXTINF:1.000, no desc\ns-%d.ts\n", i)
			}
			w.Write([]byte(b.String()))
		case r.URL.Path == "/live/s-bad.ts":
			w.Write(seg[1:])
		case strings.HasPrefix(r.URL.Path, "/live/s-"):
			got[r.URL.Path]++
			w.Write(seg)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2200*time.Millisecond)
	defer cancel()
	p := &hlsPlayer{url: srv.URL + "/live/s.m3u8"}
	p.run(ctx)
	bad := &hlsPlayer{url: srv.URL + "/live/s.m3u8"}
	if err := bad.segment(context.Background(), http.DefaultClient, srv.URL+"/live/s-bad.ts", make([]byte, hlsBuffer)); err == nil {
		t.Error("a segment that is not whole packets passed")
	}
	mu.Lock()
	defer mu.Unlock()
	if _, ok := got["/live/s-11.ts"]; ok {
		t.Error("started at the oldest segment, not three from the end")
	}
	if got["/live/s-13.ts"] != 1 {
		t.Errorf("first segment read %d times: %v", got["/live/s-13.ts"], got)
	}
	for path, n := range got {
		if n != 1 {
			t.Errorf("%s read %d times", path, n)
		}
	}
	if p.segments != int64(len(got)) || p.bytes != int64(len(got)*len(seg)) || p.errs != 0 || p.playlists < 2 || p.firstSeg < 0 {
		t.Errorf("player %+v, server served %v", p, got)
	}
}
