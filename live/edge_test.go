package live

import "testing"

func TestEdgeURL(t *testing.T) {
	cases := []struct {
		name                              string
		server, vhost, app, stream, param string
		want                              string
	}{
		{"default vhost", "127.0.0.1:19350", DefaultVhost, "live", "s", "", "rtmp://127.0.0.1:19350/live/s"},
		{"port defaults", "origin", DefaultVhost, "live", "s", "", "rtmp://origin:1935/live/s"},
		{"named vhost", "o:1935", "v.test", "live", "s", "", "rtmp://o:1935/live/s?vhost=v.test"},
		{"param kept", "o:1935", "v.test", "live", "s", "?token=abc", "rtmp://o:1935/live/s?token=abc&vhost=v.test"},
		{"vhost param replaced", "o:1935", "v.test", "live", "s", "?vhost=x&k=1", "rtmp://o:1935/live/s?k=1&vhost=v.test"},
		{"domain param dropped", "o:1935", DefaultVhost, "live", "s", "?domain=x", "rtmp://o:1935/live/s"},
		{"nested app", "o:1935", DefaultVhost, "a/b", "s", "?k=1", "rtmp://o:1935/a/b/s?k=1"},
		{"ipv6", "[::1]:1936", DefaultVhost, "live", "s", "", "rtmp://[::1]:1936/live/s"},
	}
	for _, c := range cases {
		if got := edgeURL(c.server, c.vhost, c.app, c.stream, c.param); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestUpstreamVhost(t *testing.T) {
	vh := NewVhostConfig("edge.test")
	for _, c := range []struct{ cfg, want string }{{"", "edge.test"}, {"[vhost]", "edge.test"}, {"origin.test", "origin.test"}} {
		vh.EdgeVhost = c.cfg
		if got := upstreamVhost(vh, "edge.test"); got != c.want {
			t.Errorf("cluster.vhost %q: got %q, want %q", c.cfg, got, c.want)
		}
	}
}

func TestRedirectAddr(t *testing.T) {
	cases := []struct{ in, want string }{
		{"rtmp://10.0.0.2:19350/live", "10.0.0.2:19350"},
		{"rtmp://10.0.0.2/live/s?vhost=x", "10.0.0.2:1935"},
		{"rtmp://o.test:1936", "o.test:1936"},
	}
	for _, c := range cases {
		got, err := redirectAddr(c.in)
		if err != nil || got != c.want {
			t.Errorf("%s: got %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := redirectAddr("not a url"); err == nil {
		t.Error("bad redirect accepted")
	}
}
