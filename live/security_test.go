package live

import (
	"net"
	"testing"
)

type strAddr string

func (a strAddr) Network() string { return "tcp" }
func (a strAddr) String() string  { return string(a) }

func tcpAddr(s string) net.Addr {
	a, err := net.ResolveTCPAddr("tcp", s)
	if err != nil {
		panic(err)
	}
	return a
}

func TestSecurityAllowed(t *testing.T) {
	allow := func(play bool, target string) SecurityRule {
		return SecurityRule{Allow: true, Play: play, Target: target}
	}
	deny := func(play bool, target string) SecurityRule {
		return SecurityRule{Allow: false, Play: play, Target: target}
	}
	const pub, play = false, true
	cases := []struct {
		name  string
		rules []SecurityRule
		play  bool
		addr  net.Addr
		want  bool
	}{
		{"off: no rules", nil, pub, tcpAddr("1.2.3.4:5"), true},
		{"off: no rules, play", nil, play, tcpAddr("1.2.3.4:5"), true},
		// security { enabled on; deny publish 127.0.0.1; allow play all; }
		{"deny publish ip", []SecurityRule{deny(pub, "127.0.0.1"), allow(play, "all")}, pub, tcpAddr("127.0.0.1:1000"), false},
		{"no allow publish rule", []SecurityRule{deny(pub, "127.0.0.1"), allow(play, "all")}, pub, tcpAddr("10.0.0.1:1000"), false},
		{"allow play all", []SecurityRule{deny(pub, "127.0.0.1"), allow(play, "all")}, play, tcpAddr("127.0.0.1:1000"), true},
		{"allow all publish", []SecurityRule{allow(pub, "all")}, pub, tcpAddr("8.8.8.8:1"), true},
		{"allow publish only: play denied", []SecurityRule{allow(pub, "all")}, play, tcpAddr("8.8.8.8:1"), false},
		{"deny wins over allow, allow first", []SecurityRule{allow(pub, "all"), deny(pub, "10.0.0.0/8")}, pub, tcpAddr("10.1.2.3:1"), false},
		{"deny wins over allow, deny first", []SecurityRule{deny(pub, "10.0.0.0/8"), allow(pub, "all")}, pub, tcpAddr("10.1.2.3:1"), false},
		{"deny cidr misses", []SecurityRule{deny(pub, "10.0.0.0/8"), allow(pub, "all")}, pub, tcpAddr("11.1.2.3:1"), true},
		{"allow cidr", []SecurityRule{allow(play, "192.168.1.0/24")}, play, tcpAddr("192.168.1.77:1"), true},
		{"allow cidr misses", []SecurityRule{allow(play, "192.168.1.0/24")}, play, tcpAddr("192.168.2.77:1"), false},
		{"allow exact ip misses", []SecurityRule{allow(play, "192.168.1.1")}, play, tcpAddr("192.168.1.2:1"), false},
		{"deny all play", []SecurityRule{allow(play, "127.0.0.1"), deny(play, "all")}, play, tcpAddr("127.0.0.1:1"), false},
		{"rules of the other action do not apply", []SecurityRule{deny(play, "all"), allow(pub, "all")}, pub, tcpAddr("127.0.0.1:1"), true},
		{"ipv4-mapped client", []SecurityRule{allow(play, "127.0.0.1")}, play, tcpAddr("[::ffff:127.0.0.1]:1"), true},
		{"ipv4-mapped client in cidr", []SecurityRule{deny(play, "127.0.0.0/8"), allow(play, "all")}, play, tcpAddr("[::ffff:127.0.0.2]:1"), false},
		{"ipv4-mapped prefix", []SecurityRule{allow(play, "::ffff:10.0.0.0/104")}, play, tcpAddr("10.9.9.9:1"), true},
		{"ipv6 exact", []SecurityRule{allow(play, "::1")}, play, tcpAddr("[::1]:1"), true},
		{"ipv6 cidr", []SecurityRule{allow(pub, "2001:db8::/32")}, pub, tcpAddr("[2001:db8::5]:1"), true},
		{"ipv6 cidr misses", []SecurityRule{allow(pub, "2001:db8::/32")}, pub, tcpAddr("[2001:db9::5]:1"), false},
		{"non-tcp addr", []SecurityRule{allow(play, "10.0.0.0/8")}, play, strAddr("10.0.0.1:99"), true},
		{"unknown addr only matches all", []SecurityRule{allow(play, "10.0.0.0/8")}, play, nil, false},
		{"unknown addr, all", []SecurityRule{allow(play, "all")}, play, nil, true},
		{"bad target matches nothing", []SecurityRule{allow(play, "all"), deny(play, "not-an-ip"), deny(play, "1.2.3.4/99")}, play, tcpAddr("1.2.3.4:1"), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vh := NewVhostConfig("v")
			vh.Security = c.rules
			if got := vh.allowed(c.play, c.addr); got != c.want {
				t.Fatalf("allowed(play=%v, %v) = %v, want %v", c.play, c.addr, got, c.want)
			}
		})
	}
}

func TestSecurityNilVhost(t *testing.T) {
	var vh *VhostConfig
	if !vh.allowed(true, tcpAddr("1.2.3.4:1")) {
		t.Fatal("nil vhost must allow")
	}
}

func FuzzSecurityTarget(f *testing.F) {
	for _, s := range []string{"all", "127.0.0.1", "10.0.0.0/8", "::1", "::ffff:10.0.0.0/104", "x/y", "1.2.3.4/99", ""} {
		f.Add(s, "10.1.2.3")
	}
	f.Fuzz(func(t *testing.T, target, ip string) {
		vh := NewVhostConfig("v")
		vh.Security = []SecurityRule{{Allow: true, Play: true, Target: target}}
		vh.allowed(true, strAddr(net.JoinHostPort(ip, "1")))
	})
}
