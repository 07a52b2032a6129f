package main

import (
	"bytes"
	"errors"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/access"
	"github.com/picosrs/picosrs/conf"
)

const signConf = `
listen 127.0.0.1:1936;
http_server { enabled on; listen 8080; }
vhost __defaultVhost__ {
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv [vhost]/[app]/[stream].ts; }
    secure_link { enabled on; secret 0123456789abcdef0123; }
}
vhost cam.example {
    http_remux { enabled on; mount [vhost]/[app]/[stream].flv; }
    secure_link { enabled on; secret another-secret-of-16; bind_ip on; }
}
vhost open.example {
}
`

// TestSign: -sign prints URLs whose tokens the vhost's secure_link accepts
// for that stream until the expiry, on the vhost the server would resolve;
// it refuses what cannot be signed.
func TestSign(t *testing.T) {
	root, err := conf.ParseString(signConf, "sign.conf")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := conf.FromDirective(root, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	sign := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		f := &signFlags{on: true, vhost: "__defaultVhost__", app: "live", host: "127.0.0.1", expires: time.Hour}
		for i := 0; i < len(args); i += 2 {
			switch args[i] {
			case "vhost":
				f.vhost = args[i+1]
			case "stream":
				f.stream = args[i+1]
			case "ip":
				f.ip = args[i+1]
			}
		}
		rc := runSign(cfg, f, now, &out, &errOut)
		return out.String(), errOut.String(), rc
	}
	out, _, rc := sign("stream", "cam1")
	lines := strings.Fields(out)
	if rc != 0 || len(lines) != 3 || !strings.HasPrefix(lines[0], "rtmp://127.0.0.1:1936/live/cam1?expires=") ||
		!strings.HasPrefix(lines[1], "http://127.0.0.1:8080/live/cam1.flv?") || !strings.HasPrefix(lines[2], "http://127.0.0.1:8080/live/cam1.ts?") {
		t.Fatalf("rc %d, output:\n%s", rc, out)
	}
	l := secureLink(cfg.Vhosts[0].SecureLink)
	client := &net.TCPAddr{IP: net.ParseIP("192.0.2.1")}
	for _, line := range lines {
		u, _ := url.Parse(line)
		if err := l.Check(access.Play, "__defaultVhost__", "live", "cam1", "?"+u.RawQuery, client, now.Add(59*time.Minute)); err != nil {
			t.Errorf("%s: %v", line, err)
		}
		if err := l.Check(access.Play, "__defaultVhost__", "live", "cam1", "?"+u.RawQuery, client, now.Add(61*time.Minute)); !errors.Is(err, access.ErrTokenExpired) {
			t.Errorf("%s after an hour: %v", line, err)
		}
	}

	// A named vhost with bind_ip: the URLs name the vhost and need -ip.
	out, _, rc = sign("vhost", "cam.example", "stream", "door", "ip", "192.0.2.9")
	lines = strings.Fields(out)
	if rc != 0 || len(lines) != 2 || !strings.Contains(lines[0], "?vhost=cam.example&expires=") {
		t.Fatalf("named vhost: rc %d:\n%s", rc, out)
	}
	u, _ := url.Parse(lines[1])
	l = secureLink(cfg.Vhosts[1].SecureLink)
	if err := l.Check(access.Play, "cam.example", "live", "door", "?"+u.RawQuery, &net.TCPAddr{IP: net.ParseIP("192.0.2.9")}, now); err != nil {
		t.Errorf("bound URL: %v", err)
	}
	for _, c := range [][]string{
		{"vhost", "cam.example", "stream", "door"}, // bind_ip and no -ip
		{"stream", ""},                           // no stream
		{"vhost", "open.example", "stream", "s"}, // no secure_link there
		{"stream", "a/b"},                        // cannot be signed
	} {
		if _, msg, rc := sign(c...); rc == 0 || !strings.HasPrefix(msg, "picosrs -sign: ") {
			t.Errorf("%q: rc %d, %q", c, rc, msg)
		}
	}
}
