package conf

import (
	"reflect"
	"testing"
)

var defaultSecureLink = SecureLink{Publish: true, Play: true}

func TestSecureLink(t *testing.T) {
	c, w, err := load(t, `listen 1935;
vhost v {
    secure_link {
        enabled on;
        secret 0123456789abcdef;
        publish off;
        play on;
        bind_ip on;
    }
}
vhost w {}
`, nil)
	if err != nil || len(w) != 0 {
		t.Fatalf("%v, warnings %v", err, w)
	}
	want := SecureLink{Enabled: true, Secret: "0123456789abcdef", Publish: false, Play: true, BindIP: true}
	if got := c.Vhost("v").SecureLink; got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got := c.Vhost("w").SecureLink; got != defaultSecureLink {
		t.Errorf("defaults: got %+v", got)
	}
}

func TestSecureLinkEnv(t *testing.T) {
	secret := "a secret of 24 bytes...."
	cases := []struct {
		env, value string
		want       func(s SecureLink) SecureLink
	}{
		{"SRS_VHOST_SECURE_LINK_ENABLED", "on", func(s SecureLink) SecureLink { s.Enabled = true; return s }},
		{"SRS_VHOST_SECURE_LINK_SECRET", secret, func(s SecureLink) SecureLink { s.Secret = secret; return s }},
		{"SRS_VHOST_SECURE_LINK_PUBLISH", "off", func(s SecureLink) SecureLink { s.Publish = false; return s }},
		{"SRS_VHOST_SECURE_LINK_PLAY", "off", func(s SecureLink) SecureLink { s.Play = false; return s }},
		{"SRS_VHOST_SECURE_LINK_BIND_IP", "on", func(s SecureLink) SecureLink { s.BindIP = true; return s }},
	}
	conf := "listen 1935;\nvhost a {}\nvhost b { secure_link { enabled off; secret bbbbbbbbbbbbbbbbbbbb; publish on; play on; bind_ip off; } }\n"
	base := map[string]SecureLink{"a": defaultSecureLink, "b": {Secret: "bbbbbbbbbbbbbbbbbbbb", Publish: true, Play: true}}
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			env := envMap(tc.env, tc.value, "SRS_VHOST_SECURE_LINK_SECRET", secret)
			if tc.env == "SRS_VHOST_SECURE_LINK_SECRET" {
				env = envMap(tc.env, tc.value)
			}
			c := mustLoad(t, conf, env)
			for _, v := range c.Vhosts {
				want := tc.want(base[v.Name])
				want.Secret = secret
				if !reflect.DeepEqual(v.SecureLink, want) {
					t.Fatalf("vhost %s: got %+v, want %+v", v.Name, v.SecureLink, want)
				}
			}
		})
	}
}

func TestSecureLinkInvalid(t *testing.T) {
	cases := []struct {
		name, block string
		env         []string
		want        string
	}{
		{"noSecret", "enabled on;", nil, "t.conf:4: vhost v: secure_link.secret is required when secure_link is enabled"},
		{"short", "enabled on;\n        secret 0123456789abcde;", nil, "t.conf:5: vhost v: secure_link.secret must be at least 16 bytes, got 15"},
		{"envEnabled", "secret x;", []string{"SRS_VHOST_SECURE_LINK_ENABLED", "on"}, "t.conf:4: vhost v: secure_link.secret must be at least 16 bytes, got 1"},
		{"envNoSecret", "publish on;", []string{"SRS_VHOST_SECURE_LINK_ENABLED", "on"},
			"conf: vhost v: secure_link.secret is required when secure_link is enabled (from SRS_VHOST_SECURE_LINK_ENABLED)"},
		{"envShort", "enabled on;", []string{"SRS_VHOST_SECURE_LINK_SECRET", "short"},
			"conf: vhost v: secure_link.secret must be at least 16 bytes, got 5 (from SRS_VHOST_SECURE_LINK_SECRET)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := load(t, "listen 1935;\nvhost v {\n    secure_link {\n        "+tc.block+"\n    }\n}\n", envMap(tc.env...))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
	// Disabled: a short secret is not an error.
	mustLoad(t, "listen 1935;\nvhost v { secure_link { secret x; } }\n", nil)
	// Unknown names inside secure_link are refused.
	if _, _, err := load(t, "listen 1935;\nvhost v { secure_link { key x; } }\n", nil); err == nil ||
		err.Error() != "t.conf:2: illegal vhost.secure_link.key of v" {
		t.Fatalf("got %v", err)
	}
}
