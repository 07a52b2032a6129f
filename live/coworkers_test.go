package live

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picosrs/picosrs/internal/textlog"
)

// fakeCoworker is a coworker's HTTP API that answers /api/v1/clusters with
// answer (for the stream asked), counting the questions.
type fakeCoworker struct {
	srv   *httptest.Server
	asked atomic.Int32
	query atomic.Value // the last query
}

func newFakeCoworker(t *testing.T, answer func(w http.ResponseWriter, r *http.Request)) *fakeCoworker {
	f := &fakeCoworker{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/clusters" {
			http.NotFound(w, r)
			return
		}
		f.asked.Add(1)
		f.query.Store(r.URL.RawQuery)
		answer(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCoworker) addr() string { return strings.TrimPrefix(f.srv.URL, "http://") }

// srsAnswer writes SRS's answer: origin null, or the origin at ip:port.
func srsAnswer(ip string, port, httpPort int) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		origin := "null"
		if ip != "" {
			origin = fmt.Sprintf(`{"ip":%q,"port":%d,"vhost":"__defaultVhost__","api":"x:1985","routers":["x:1985"]`, ip, port)
			if httpPort > 0 {
				origin += fmt.Sprintf(`,"http_port":%d`, httpPort)
			}
			origin += "}"
		}
		fmt.Fprintf(w, `{"code":0,"data":{"query":{"ip":"","vhost":"","app":"live","stream":"s"},"origin":%s}}`, origin)
	}
}

// TestCoworkersLocate: the coworkers are asked at once with SRS's query, the
// one that has the stream answers without waiting for one that hangs, and
// one with nothing, a bad answer or no answer at all means "not there".
func TestCoworkersLocate(t *testing.T) {
	key := StreamKey{DefaultVhost, "live", "s"}
	none := newFakeCoworker(t, srsAnswer("", 0, 0))
	has := newFakeCoworker(t, srsAnswer("10.0.0.3", 19352, 8082))
	hangs := newFakeCoworker(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	var c coworkers
	start := time.Now()
	at := c.locate([]string{none.addr(), hangs.addr(), has.addr()}, key, textlog.Discard())
	if at == nil || at.IP != "10.0.0.3" || at.Port != 19352 || at.HTTPPort != 8082 || at.Coworker != has.addr() {
		t.Fatalf("got %+v", at)
	}
	if d := time.Since(start); d > coworkerTimeout*3/4 {
		t.Errorf("took %v: waited for the coworker that hangs", d)
	}
	want := "vhost=__defaultVhost__&ip=&app=live&stream=s&coworker=" + has.addr()
	if q := has.query.Load(); q != want {
		t.Errorf("asked %q, want %q", q, want)
	}
	if u := at.RTMPURL(key, "?token=1"); u != "rtmp://10.0.0.3:19352/live/s?token=1" {
		t.Errorf("rtmp url %s", u)
	}
	if h := at.HTTPHost("8080"); h != "10.0.0.3:8082" {
		t.Errorf("http host %s", h)
	}

	bad := []func(http.ResponseWriter, *http.Request){
		func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "not json") },
		func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, `{"code":1000,"data":{}}`) },
		func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) },
		srsAnswer("evil\r\nLocation: x", 1935, 0),
		srsAnswer("10.0.0.3", 0, 0),
		func(w http.ResponseWriter, r *http.Request) { w.Write(make([]byte, coworkerAnswerMax+10)) },
	}
	for i, answer := range bad {
		var c coworkers
		f := newFakeCoworker(t, answer)
		if at := c.locate([]string{f.addr()}, key, textlog.Discard()); at != nil {
			t.Errorf("bad answer %d taken: %+v", i, at)
		}
	}
	var c2 coworkers
	if at := c2.locate([]string{none.addr(), "127.0.0.1:1"}, key, textlog.Discard()); at != nil {
		t.Errorf("nobody has it, got %+v", at)
	}
	// An SRS coworker says no HTTP port: the player's own port is used.
	srs := newFakeCoworker(t, srsAnswer("10.0.0.4", 1935, 0))
	var c3 coworkers
	if at := c3.locate([]string{srs.addr()}, key, textlog.Discard()); at == nil || at.HTTPHost("8080") != "10.0.0.4:8080" {
		t.Errorf("SRS coworker: %+v", at)
	}
}

// TestCoworkersShareAndCache: a crowd of players of one stream costs the
// coworker one question, reused for coworkerCacheTTL; the cache stays
// within coworkerCacheMax streams.
func TestCoworkersShareAndCache(t *testing.T) {
	slow := newFakeCoworker(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(200 * time.Millisecond)
		srsAnswer("10.0.0.3", 1935, 0)(w, r)
	})
	var c coworkers
	key := StreamKey{DefaultVhost, "live", "s"}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if at := c.locate([]string{slow.addr()}, key, textlog.Discard()); at == nil {
				t.Error("a player was not redirected")
			}
		}()
	}
	wg.Wait()
	c.locate([]string{slow.addr()}, key, textlog.Discard())
	if n := slow.asked.Load(); n != 1 {
		t.Errorf("20 players and one more cost %d questions, want 1", n)
	}
	time.Sleep(coworkerCacheTTL + 100*time.Millisecond)
	c.locate([]string{slow.addr()}, key, textlog.Discard())
	if n := slow.asked.Load(); n != 2 {
		t.Errorf("after the TTL: %d questions, want 2", n)
	}

	fast := newFakeCoworker(t, srsAnswer("", 0, 0))
	for i := range coworkerCacheMax + 50 {
		c.locate([]string{fast.addr()}, StreamKey{DefaultVhost, "live", fmt.Sprint(i)}, nil)
	}
	c.mu.Lock()
	n := len(c.found)
	c.mu.Unlock()
	if n > coworkerCacheMax {
		t.Errorf("%d answers kept, want at most %d", n, coworkerCacheMax)
	}
}

// TestClusterRedirect: an origin with origin_cluster redirects a player of a
// stream published on a coworker, serves one published here, and lets one
// published nowhere wait; an edge never asks.
func TestClusterRedirect(t *testing.T) {
	has := newFakeCoworker(t, srsAnswer("10.0.0.3", 19352, 0))
	none := newFakeCoworker(t, srsAnswer("", 0, 0))
	vh := NewVhostConfig(DefaultVhost)
	vh.OriginCluster, vh.Coworkers = true, []string{has.addr()}
	srv := NewServer(&Config{Vhosts: []*VhostConfig{vh}})
	req := PlayRequest{Key: StreamKey{DefaultVhost, "live", "s"}, Format: FormatFLV, Conn: io.NopCloser(nil)}
	var re *RedirectError
	if err := srv.CanPlay(req); !errors.As(err, &re) || re.Port != 19352 {
		t.Fatalf("CanPlay: %v", err)
	}
	if _, err := srv.Play(req); !errors.As(err, &re) {
		t.Fatalf("Play: %v", err)
	}
	if srv.Stream(req.Key) != nil {
		t.Error("a redirected player left a stream behind")
	}
	// Published here: served here, the coworkers are not asked.
	st := testStream(srv, "s")
	if err := st.startPublish(1); err != nil {
		t.Fatal(err)
	}
	asked := has.asked.Load()
	if err := srv.CanPlay(req); err != nil {
		t.Fatalf("published here: %v", err)
	}
	if has.asked.Load() != asked {
		t.Error("asked the coworkers about a stream published here")
	}
	st.stopPublish(1)

	// Published nowhere: the player waits here (HSTRS).
	vh2 := NewVhostConfig(DefaultVhost)
	vh2.OriginCluster, vh2.Coworkers = true, []string{none.addr()}
	srv2 := NewServer(&Config{Vhosts: []*VhostConfig{vh2}})
	v, err := srv2.Play(req)
	if err != nil {
		t.Fatalf("published nowhere: %v", err)
	}
	v.Close(nil)

	// An edge with origin_cluster set (SRS ignores it there) does not ask.
	vh3 := NewVhostConfig(DefaultVhost)
	vh3.OriginCluster, vh3.Coworkers, vh3.Origins = true, []string{has.addr()}, []string{"127.0.0.1:1"}
	srv3 := NewServer(&Config{Vhosts: []*VhostConfig{vh3}})
	asked = has.asked.Load()
	if err := srv3.CanPlay(req); err != nil || has.asked.Load() != asked {
		t.Errorf("edge: %v, asked %d times", err, has.asked.Load()-asked)
	}
}

func TestEdgeProtocol(t *testing.T) {
	cases := []struct {
		proto  string
		follow bool
		req    PlayRequest
		want   string
	}{
		{"", false, PlayRequest{Format: FormatFLV}, "rtmp"},
		{"rtmp", false, PlayRequest{Format: FormatFLV, Protocol: "flv"}, "rtmp"},
		{"flv", false, PlayRequest{Format: FormatRTMP}, "flv"},
		{"flvs", false, PlayRequest{Format: FormatTS}, "flvs"},
		{"rtmp", true, PlayRequest{Format: FormatTS, Protocol: "flv"}, "flv"},
		{"rtmp", true, PlayRequest{Format: FormatFLV, Protocol: "flvs"}, "flvs"},
		{"flv", true, PlayRequest{Format: FormatRTMP}, "rtmp"},
		{"flv", true, PlayRequest{Format: FormatMP3}, "flv"},
	}
	for _, c := range cases {
		vh := NewVhostConfig(DefaultVhost)
		vh.EdgeProtocol, vh.FollowClient = c.proto, c.follow
		if got := edgeProtocol(vh, c.req); got != c.want {
			t.Errorf("protocol %q follow %v %+v: got %s, want %s", c.proto, c.follow, c.req, got, c.want)
		}
	}
}
