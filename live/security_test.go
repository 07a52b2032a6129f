package live

import (
	"net"
	"net/netip"
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

// FuzzSecurityTarget: for any rule targets and client address,
//   - `allow play all` alone admits every address to play, and nobody to
//     publish (no rule of that action);
//   - a rule set admits a client exactly when an allow rule of its action
//     matches it and no deny rule of that action does: a matching deny
//     always refuses, rules of the other action never matter;
//   - the order of the rules never matters;
//   - the same address as a *net.TCPAddr or as text gets the same answer,
//     and an address always matches itself as an IP target and a
//     full-length prefix.
func FuzzSecurityTarget(f *testing.F) {
	for _, s := range []string{"all", "127.0.0.1", "10.0.0.0/8", "::1", "::ffff:10.0.0.0/104", "x/y", "1.2.3.4/99", ""} {
		f.Add(s, "10.0.0.0/8", "10.1.2.3", byte(0x1f))
	}
	f.Add("127.0.0.1", "all", "::ffff:127.0.0.1", byte(0x2a))
	f.Add("fe80::/10", "::1", "fe80::1%eth0", byte(0x15))
	f.Add("10.0.0.0/8", "10.1.2.3", "10.1.2.3", byte(0x3e)) // deny play 10/8, allow play 10.1.2.3, allow play all
	f.Fuzz(func(t *testing.T, target, target2, ip string, kinds byte) {
		addrs := []net.Addr{strAddr(net.JoinHostPort(ip, "1"))}
		if p := net.ParseIP(ip); p != nil {
			addrs = append(addrs, &net.TCPAddr{IP: p, Port: 1})
		}
		vh := NewVhostConfig("v")
		vh.Security = []SecurityRule{{Allow: true, Play: true, Target: "all"}}
		for _, a := range addrs {
			if !vh.allowed(true, a) {
				t.Fatalf("allow play all refused %v", a)
			}
			if vh.allowed(false, a) {
				t.Fatalf("allow play all let %v publish", a)
			}
		}

		rules := []SecurityRule{
			{Allow: kinds&1 != 0, Play: kinds&2 != 0, Target: target},
			{Allow: kinds&4 != 0, Play: kinds&8 != 0, Target: target2},
			{Allow: kinds&16 != 0, Play: kinds&32 != 0, Target: "all"},
		}
		ipAddr := addrIP(addrs[0])
		for _, play := range []bool{false, true} {
			allow, deny := false, false
			for _, r := range rules {
				if r.Play == play && r.matches(ipAddr) {
					allow = allow || r.Allow
					deny = deny || !r.Allow
				}
			}
			want := allow && !deny
			for _, perm := range [][3]int{{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}} {
				vh.Security = []SecurityRule{rules[perm[0]], rules[perm[1]], rules[perm[2]]}
				for _, a := range addrs {
					if got := vh.allowed(play, a); got != want {
						t.Fatalf("rules %+v, play=%v, %v: allowed %v, want %v (an allow matches: %v, a deny matches: %v)",
							vh.Security, play, a, got, want, allow, deny)
					}
				}
			}
			// Rules of the other action change nothing.
			var own []SecurityRule
			for _, r := range rules {
				if r.Play == play {
					own = append(own, r)
				}
			}
			vh.Security = append(own, SecurityRule{Allow: false, Play: !play, Target: "all"})
			if got := vh.allowed(play, addrs[0]); got != want && len(own) > 0 {
				t.Fatalf("a deny of the other action changed the answer for play=%v: %v", play, got)
			}
			// A matching deny always refuses, whatever else allows.
			if (SecurityRule{Target: target}).matches(ipAddr) {
				vh.Security = append([]SecurityRule{{Allow: true, Play: play, Target: "all"}}, rules...)
				vh.Security = append(vh.Security, SecurityRule{Allow: false, Play: play, Target: target})
				if vh.allowed(play, addrs[0]) {
					t.Fatalf("deny %s matches %s but play=%v was allowed", target, ip, play)
				}
			}
		}
		// An address matches itself.
		if ipAddr.IsValid() {
			if !(SecurityRule{Target: ipAddr.String()}).matches(ipAddr) {
				t.Fatalf("%s does not match itself", ipAddr)
			}
			if p := netip.PrefixFrom(ipAddr, ipAddr.BitLen()); !(SecurityRule{Target: p.String()}).matches(ipAddr) {
				t.Fatalf("%s does not match %s", ipAddr, p)
			}
		}
	})
}
