package conf

import (
	"testing"
	"time"
)

// TestRootExtensions covers write_timeout and memory_limit: value,
// environment override, and error with FILE:LINE.
func TestRootExtensions(t *testing.T) {
	cases := []struct {
		name string
		conf string
		env  []string
		want string // error; "" to run check
		chk  func(c *Config) bool
	}{
		{name: "defaults", conf: "", chk: func(c *Config) bool {
			return c.WriteTimeout == 30*time.Second && c.MemoryLimit == 0
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
