package conf

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

var defaultHTTPHooks = HTTPHooks{Timeout: 30 * time.Second}

func TestHTTPHooks(t *testing.T) {
	c, w, err := load(t, `listen 1935;
vhost v {
    http_hooks {
        enabled on;
        on_connect http://127.0.0.1:8085/api/v1/clients;
        on_close http://127.0.0.1:8085/api/v1/clients;
        on_publish http://127.0.0.1:8085/api/v1/streams https://localhost:8085/api/v1/streams;
        on_unpublish http://a/u;
        on_play HTTP://a/p;
        on_stop http://a/s;
        timeout 2.5;
    }
}
vhost w {}
`, nil)
	if err != nil || len(w) != 0 {
		t.Fatalf("%v, warnings %v", err, w)
	}
	want := HTTPHooks{
		Enabled:     true,
		OnConnect:   []string{"http://127.0.0.1:8085/api/v1/clients"},
		OnClose:     []string{"http://127.0.0.1:8085/api/v1/clients"},
		OnPublish:   []string{"http://127.0.0.1:8085/api/v1/streams", "https://localhost:8085/api/v1/streams"},
		OnUnpublish: []string{"http://a/u"},
		OnPlay:      []string{"HTTP://a/p"},
		OnStop:      []string{"http://a/s"},
		Timeout:     2500 * time.Millisecond,
	}
	if got := c.Vhost("v").HTTPHooks; !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got := c.Vhost("w").HTTPHooks; !reflect.DeepEqual(got, defaultHTTPHooks) {
		t.Errorf("defaults: got %+v", got)
	}
}

// TestHTTPHooksKept: on_dvr, on_hls and on_hls_notify are read but not
// called, and say so once each.
func TestHTTPHooksKept(t *testing.T) {
	c, w, err := load(t, `listen 1935;
vhost v {
    http_hooks {
        on_dvr http://a/dvr;
        on_hls http://a/hls http://b/hls;
        on_hls_notify http://a/hls/[server_id]/[app]/[stream]/[ts_url][param];
    }
}
vhost w { http_hooks { on_dvr http://a/dvr; } }
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	h := c.Vhost("v").HTTPHooks
	if !reflect.DeepEqual(h.OnDVR, []string{"http://a/dvr"}) || len(h.OnHLS) != 2 ||
		!reflect.DeepEqual(h.OnHLSNotify, []string{"http://a/hls/[server_id]/[app]/[stream]/[ts_url][param]"}) {
		t.Fatalf("%+v", h)
	}
	var got []string
	for _, x := range w {
		got = append(got, x.String())
	}
	want := []string{
		"t.conf:4: vhost.http_hooks.on_dvr is kept in HTTPHooks.OnDVR but never called: picosrs does not record (no DVR)",
		"t.conf:5: vhost.http_hooks.on_hls is kept in HTTPHooks.OnHLS but not called by picosrs",
		"t.conf:6: vhost.http_hooks.on_hls_notify is kept in HTTPHooks.OnHLSNotify but not called by picosrs",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestHTTPHooksEnv checks each SRS_VHOST_HTTP_HOOKS_* variable: it applies
// to every vhost and a list is split on spaces.
func TestHTTPHooksEnv(t *testing.T) {
	two := "http://a/x  https://b/y"
	twoList := []string{"http://a/x", "https://b/y"}
	cases := []struct {
		env, value string
		field      func(h *HTTPHooks) any
		want       any
	}{
		{"SRS_VHOST_HTTP_HOOKS_ENABLED", "on", func(h *HTTPHooks) any { return h.Enabled }, true},
		{"SRS_VHOST_HTTP_HOOKS_ON_CONNECT", two, func(h *HTTPHooks) any { return h.OnConnect }, twoList},
		{"SRS_VHOST_HTTP_HOOKS_ON_CLOSE", two, func(h *HTTPHooks) any { return h.OnClose }, twoList},
		{"SRS_VHOST_HTTP_HOOKS_ON_PUBLISH", two, func(h *HTTPHooks) any { return h.OnPublish }, twoList},
		{"SRS_VHOST_HTTP_HOOKS_ON_UNPUBLISH", two, func(h *HTTPHooks) any { return h.OnUnpublish }, twoList},
		{"SRS_VHOST_HTTP_HOOKS_ON_PLAY", two, func(h *HTTPHooks) any { return h.OnPlay }, twoList},
		{"SRS_VHOST_HTTP_HOOKS_ON_STOP", two, func(h *HTTPHooks) any { return h.OnStop }, twoList},
		{"SRS_VHOST_HTTP_HOOKS_ON_DVR", two, func(h *HTTPHooks) any { return h.OnDVR }, twoList},
		{"SRS_VHOST_HTTP_HOOKS_ON_HLS", two, func(h *HTTPHooks) any { return h.OnHLS }, twoList},
		{"SRS_VHOST_HTTP_HOOKS_ON_HLS_NOTIFY", two, func(h *HTTPHooks) any { return h.OnHLSNotify }, twoList},
		{"SRS_VHOST_HTTP_HOOKS_TIMEOUT", "0.5", func(h *HTTPHooks) any { return h.Timeout }, 500 * time.Millisecond},
	}
	conf := "listen 1935;\nvhost a {}\nvhost b { http_hooks { enabled off; on_connect http://c/c; on_close http://c/c; " +
		"on_publish http://c/c; on_unpublish http://c/c; on_play http://c/c; on_stop http://c/c; on_dvr http://c/c; " +
		"on_hls http://c/c; on_hls_notify http://c/c; timeout 9; } }\n"
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			c := mustLoad(t, conf, envMap(tc.env, tc.value))
			for _, v := range c.Vhosts {
				if got := tc.field(&v.HTTPHooks); !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("vhost %s: got %v, want %v", v.Name, got, tc.want)
				}
			}
		})
	}
}

func TestHTTPHooksInvalid(t *testing.T) {
	cases := []struct {
		name, hooks string
		env         []string
		want        string
	}{
		{"scheme", "on_publish ftp://a/b;", nil, `t.conf:4: vhost v: http_hooks.on_publish "ftp://a/b": want an http:// or https:// URL`},
		{"noScheme", "on_play 127.0.0.1:8085/api;", nil, `t.conf:4: vhost v: http_hooks.on_play "127.0.0.1:8085/api": want an http:// or https:// URL`},
		{"noHost", "on_stop http:///api;", nil, `t.conf:4: vhost v: http_hooks.on_stop "http:///api": want an http:// or https:// URL`},
		{"second", "on_connect http://a/ok rtmp://a/bad;", nil, `t.conf:4: vhost v: http_hooks.on_connect "rtmp://a/bad": want an http:// or https:// URL`},
		{"timeout", "timeout 0;", nil, "t.conf:4: vhost v: http_hooks.timeout must be > 0"},
		{"env", "enabled on;", []string{"SRS_VHOST_HTTP_HOOKS_ON_UNPUBLISH", "localhost/x"},
			`conf: vhost v: http_hooks.on_unpublish "localhost/x": want an http:// or https:// URL (from SRS_VHOST_HTTP_HOOKS_ON_UNPUBLISH)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := load(t, "listen 1935;\nvhost v {\n    http_hooks {\n        "+tc.hooks+"\n    }\n}\n", envMap(tc.env...))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}
