package httpd

import (
	"context"
	"github.com/picosrs/picosrs/internal/fixture"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/live"
)

func readFixture(t testing.TB, name string) []flv.Tag { return fixture.ReadFLV(t, name) }

// testConfigs returns the stream core's and the HTTP room's configurations
// for a default vhost with all four formats mounted.
func testConfigs() (*live.Config, *Config) {
	vh := live.NewVhostConfig(live.DefaultVhost)
	vh.Remux.FastCache = 5 * time.Second
	vh.MwLatency = 0
	lc := &live.Config{Vhosts: []*live.VhostConfig{vh}}
	hc := &Config{Crossdomain: true, Vhosts: []*Vhost{{
		Name: live.DefaultVhost, Enabled: true, Remux: true,
		Mounts: []string{"[vhost]/[app]/[stream].flv", "[vhost]/[app]/[stream].ts", "[vhost]/[app]/[stream].mp3", "[vhost]/[app]/[stream].aac"},
	}}}
	return lc, hc
}

// env is a stream core with its RTMP listener and the HTTP room in front of
// it on a real HTTP server, all on loopback.
type env struct {
	live *live.Server
	web  *Server
	rtmp string // host:port
	addr string // host:port of the HTTP server
}

func newEnv(t *testing.T, lc *live.Config, hc *Config) *env {
	t.Helper()
	e := &env{live: live.NewServer(lc)}
	e.web = New(e.live, hc)
	rln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.live.ServeRTMP(rln)
	hln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: e.web}
	go hs.Serve(hln)
	e.rtmp, e.addr = rln.Addr().String(), hln.Addr().String()
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		e.live.Shutdown(ctx)
	})
	return e
}

// publish pushes a fixture to app/stream (with ?vhost=... for a named
// vhost) over RTMP, its first second at once, the rest in real time, until
// it ends or the test does.
func (e *env) publish(t *testing.T, path, file string) <-chan error {
	return fixture.StartPublish(t, "rtmp://"+e.rtmp+"/"+path, readFixture(t, file), time.Second)
}

// waitPublishing waits until the stream of key is published.
func (e *env) waitPublishing(t *testing.T, key live.StreamKey) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if st := e.live.Stream(key); st != nil && st.Publishing() {
			return
		}
	}
	t.Fatalf("%v never published", key)
}

// waitViewers waits until the stream of key exists with n viewers.
func (e *env) waitViewers(t *testing.T, key live.StreamKey, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if st := e.live.Stream(key); st != nil && st.Info().Consumers >= n {
			return
		}
	}
	t.Fatalf("%v never had %d viewers", key, n)
}

func (e *env) url(path string) string { return "http://" + e.addr + path }
