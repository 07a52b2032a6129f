package conf

import (
	"testing"
	"time"
)

// TestRootExtensions covers write_timeout, memory_limit, mpegts_js and
// hls_js: value, environment override, and error with FILE:LINE.
func TestRootExtensions(t *testing.T) {
	cases := []struct {
		name string
		conf string
		env  []string
		want string // error; "" to run check
		chk  func(c *Config) bool
	}{
		{name: "defaults", conf: "", chk: func(c *Config) bool {
			return c.WriteTimeout == 30*time.Second && c.MemoryLimit == 0 &&
				c.HTTPServer.MpegtsJS == DefaultMpegtsJS && c.HTTPServer.HLSJS == DefaultHLSJS
		}},
		{name: "writeTimeout", conf: "write_timeout 2.5;", chk: func(c *Config) bool { return c.WriteTimeout == 2500*time.Millisecond }},
		{name: "writeTimeoutEnv", conf: "write_timeout 2.5;", env: []string{"SRS_WRITE_TIMEOUT", "7"},
			chk: func(c *Config) bool { return c.WriteTimeout == 7*time.Second }},
		{name: "writeTimeoutZero", conf: "write_timeout 0;", want: "t.conf:2: write_timeout must be > 0"},
		{name: "writeTimeoutEnvZero", env: []string{"SRS_WRITE_TIMEOUT", "-1"}, want: "conf: write_timeout must be > 0 (from SRS_WRITE_TIMEOUT)"},
		{name: "memoryLimit", conf: "memory_limit 48m;", chk: func(c *Config) bool { return c.MemoryLimit == 48<<20 }},
		{name: "memoryLimitBytes", conf: "memory_limit 1000000;", chk: func(c *Config) bool { return c.MemoryLimit == 1000000 }},
		{name: "memoryLimitEnv", conf: "memory_limit 48m;", env: []string{"SRS_MEMORY_LIMIT", "1G"},
			chk: func(c *Config) bool { return c.MemoryLimit == 1<<30 }},
		{name: "memoryLimitSyntax", conf: "memory_limit 48MB;",
			want: `t.conf:2: memory_limit "48MB": want bytes with an optional k, m or g suffix (KiB, MiB, GiB)`},
		{name: "memoryLimitEnvSyntax", env: []string{"SRS_MEMORY_LIMIT", "-5"},
			want: `conf: memory_limit "-5": want bytes with an optional k, m or g suffix (KiB, MiB, GiB) (from SRS_MEMORY_LIMIT)`},
		{name: "scripts", conf: "http_server {\n    mpegts_js /js/mpegts.js;\n    hls_js //cdn.example/hls.js;\n}",
			chk: func(c *Config) bool {
				return c.HTTPServer.MpegtsJS == "/js/mpegts.js" && c.HTTPServer.HLSJS == "//cdn.example/hls.js"
			}},
		{name: "scriptsRelative", conf: "http_server { mpegts_js js/mpegts.js; hls_js http://192.168.1.1:8080/hls.min.js; }",
			chk: func(c *Config) bool {
				return c.HTTPServer.MpegtsJS == "js/mpegts.js" && c.HTTPServer.HLSJS == "http://192.168.1.1:8080/hls.min.js"
			}},
		{name: "scriptsEnv", env: []string{"SRS_HTTP_SERVER_MPEGTS_JS", "/m.js", "SRS_HTTP_SERVER_HLS_JS", "/h.js"},
			chk: func(c *Config) bool { return c.HTTPServer.MpegtsJS == "/m.js" && c.HTTPServer.HLSJS == "/h.js" }},
		{name: "mpegtsJSScheme", conf: "http_server {\n    mpegts_js javascript:alert(1);\n}",
			want: `t.conf:3: http_server.mpegts_js "javascript:alert(1)": want an http(s) URL or a path, without spaces, quotes or <>`},
		{name: "hlsJSQuote", conf: "http_server {\n    hls_js 'x\"><script>';\n}",
			want: `t.conf:3: http_server.hls_js "x\"><script>": want an http(s) URL or a path, without spaces, quotes or <>`},
		{name: "hlsJSNoHost", env: []string{"SRS_HTTP_SERVER_HLS_JS", "https:///hls.js"},
			want: `conf: http_server.hls_js "https:///hls.js": want an http(s) URL or a path, without spaces, quotes or <> (from SRS_HTTP_SERVER_HLS_JS)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, w, err := load(t, "listen 1935;\n"+tc.conf+"\n", envMap(tc.env...))
			if tc.want != "" {
				if err == nil || err.Error() != tc.want {
					t.Fatalf("got  %v\nwant %s", err, tc.want)
				}
				return
			}
			if err != nil || len(w) != 0 {
				t.Fatalf("%v, warnings %v", err, w)
			}
			if !tc.chk(c) {
				t.Fatalf("%+v", c)
			}
		})
	}
}
