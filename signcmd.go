package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/picosrs/picosrs/conf"
	"github.com/picosrs/picosrs/httpd"
	"github.com/picosrs/picosrs/live"
)

// signFlags are the flags of `picosrs -sign`, which prints the signed URLs
// of a stream for its vhost's secure_link.
type signFlags struct {
	on                       bool
	vhost, app, stream, host string
	ip                       string
	expires                  time.Duration
}

func addSignFlags(fs *flag.FlagSet) *signFlags {
	f := &signFlags{}
	fs.BoolVar(&f.on, "sign", false, "print the signed URLs of -app/-stream on -vhost (secure_link) and exit")
	fs.StringVar(&f.vhost, "vhost", live.DefaultVhost, "with -sign: the vhost")
	fs.StringVar(&f.app, "app", "live", "with -sign: the app")
	fs.StringVar(&f.stream, "stream", "", "with -sign: the stream name")
	fs.DurationVar(&f.expires, "expires", time.Hour, "with -sign: how long the URLs stay good")
	fs.StringVar(&f.ip, "ip", "", "with -sign: the client IP the URLs are for (needed with secure_link.bind_ip)")
	fs.StringVar(&f.host, "host", "127.0.0.1", "with -sign: the host name in the printed URLs")
	return f
}

// runSign prints, one per line, the RTMP URL and the HTTP URL of each of
// the vhost's mounts for f's stream, signed with the vhost's secure_link
// secret: the vhost is resolved as the server resolves a client's (its
// name, else the default vhost), so the URLs work as printed.
func runSign(cfg *conf.Config, f *signFlags, now time.Time, out, stderr io.Writer) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "picosrs -sign: "+format+"\n", args...)
		return 1
	}
	if f.stream == "" || f.app == "" {
		return fail("-app and -stream name the stream to sign")
	}
	if f.expires <= 0 {
		return fail("-expires must be > 0")
	}
	var v *conf.Vhost
	for _, name := range []string{f.vhost, live.DefaultVhost} {
		for _, cv := range cfg.Vhosts {
			if cv.Name == name && v == nil {
				v = cv
			}
		}
	}
	if v == nil {
		return fail("no vhost %s (and no default vhost) in the configuration", f.vhost)
	}
	l := secureLink(v.SecureLink)
	if !l.Enabled {
		return fail("vhost %s has no secure_link enabled: its URLs need no signature", v.Name)
	}
	tok, err := l.Sign(v.Name, f.app, f.stream, now.Add(f.expires), f.ip)
	if err != nil {
		return fail("%v", err)
	}
	query := tok.Query()
	if f.vhost != live.DefaultVhost && f.vhost != f.host {
		query = "vhost=" + f.vhost + "&" + query // the host in the URL does not name the vhost
	}
	if len(cfg.Listen) > 0 {
		fmt.Fprintf(out, "rtmp://%s/%s/%s?%s\n", urlHost(f.host, cfg.Listen[0], "1935"), f.app, f.stream, query)
	}
	if cfg.HTTPServer.Enabled && v.HTTPRemux.Enabled {
		for _, m := range v.HTTPRemux.Mounts {
			mhost, p := httpd.MountPath(m, v.Name, f.app, f.stream)
			if mhost != "" && mhost != f.vhost || strings.Contains(p, "[") {
				continue // answers another host only, or a template this cannot fill
			}
			fmt.Fprintf(out, "http://%s%s?%s\n", urlHost(f.host, cfg.HTTPServer.Listen, "80"), p, query)
		}
	}
	if l.BindIP {
		fmt.Fprintf(stderr, "picosrs -sign: the URLs are good from %s only (bind_ip)\n", f.ip)
	}
	return 0
}

// urlHost is host with the port of an SRS listen value ("[ip:]port"),
// left out when it is the scheme's default.
func urlHost(host, listen, defaultPort string) string {
	port := listen
	if _, p, err := net.SplitHostPort(listen); err == nil {
		port = p
	}
	if port == defaultPort {
		return host
	}
	return net.JoinHostPort(host, port)
}
