package access

import (
	"net"
	"net/netip"
	"strings"
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
	allow := func(a Action, target string) Rule {
		return Rule{Allow: true, Action: a, Target: target}
	}
	deny := func(a Action, target string) Rule {
		return Rule{Allow: false, Action: a, Target: target}
	}
	const pub, play = Publish, Play
	cases := []struct {
		name  string
		rules []Rule
		play  Action
		addr  net.Addr
		want  bool
	}{
		{"off: no rules", nil, pub, tcpAddr("1.2.3.4:5"), true},
		{"off: no rules, play", nil, play, tcpAddr("1.2.3.4:5"), true},
		// security { enabled on; deny publish 127.0.0.1; allow play all; }
		{"deny publish ip", []Rule{deny(pub, "127.0.0.1"), allow(play, "all")}, pub, tcpAddr("127.0.0.1:1000"), false},
		{"no allow publish rule", []Rule{deny(pub, "127.0.0.1"), allow(play, "all")}, pub, tcpAddr("10.0.0.1:1000"), false},
		{"allow play all", []Rule{deny(pub, "127.0.0.1"), allow(play, "all")}, play, tcpAddr("127.0.0.1:1000"), true},
		{"allow all publish", []Rule{allow(pub, "all")}, pub, tcpAddr("8.8.8.8:1"), true},
		{"allow publish only: play denied", []Rule{allow(pub, "all")}, play, tcpAddr("8.8.8.8:1"), false},
		{"deny wins over allow, allow first", []Rule{allow(pub, "all"), deny(pub, "10.0.0.0/8")}, pub, tcpAddr("10.1.2.3:1"), false},
		{"deny wins over allow, deny first", []Rule{deny(pub, "10.0.0.0/8"), allow(pub, "all")}, pub, tcpAddr("10.1.2.3:1"), false},
		{"deny cidr misses", []Rule{deny(pub, "10.0.0.0/8"), allow(pub, "all")}, pub, tcpAddr("11.1.2.3:1"), true},
		{"allow cidr", []Rule{allow(play, "192.168.1.0/24")}, play, tcpAddr("192.168.1.77:1"), true},
		{"allow cidr misses", []Rule{allow(play, "192.168.1.0/24")}, play, tcpAddr("192.168.2.77:1"), false},
		{"allow exact ip misses", []Rule{allow(play, "192.168.1.1")}, play, tcpAddr("192.168.1.2:1"), false},
		{"deny all play", []Rule{allow(play, "127.0.0.1"), deny(play, "all")}, play, tcpAddr("127.0.0.1:1"), false},
		{"rules of the other action do not apply", []Rule{deny(play, "all"), allow(pub, "all")}, pub, tcpAddr("127.0.0.1:1"), true},
		{"ipv4-mapped client", []Rule{allow(play, "127.0.0.1")}, play, tcpAddr("[::ffff:127.0.0.1]:1"), true},
		{"ipv4-mapped client in cidr", []Rule{deny(play, "127.0.0.0/8"), allow(play, "all")}, play, tcpAddr("[::ffff:127.0.0.2]:1"), false},
		{"ipv4-mapped prefix", []Rule{allow(play, "::ffff:10.0.0.0/104")}, play, tcpAddr("10.9.9.9:1"), true},
		{"ipv6 exact", []Rule{allow(play, "::1")}, play, tcpAddr("[::1]:1"), true},
		{"ipv6 cidr", []Rule{allow(pub, "2001:db8::/32")}, pub, tcpAddr("[2001:db8::5]:1"), true},
		{"ipv6 cidr misses", []Rule{allow(pub, "2001:db8::/32")}, pub, tcpAddr("[2001:db9::5]:1"), false},
		{"non-tcp addr", []Rule{allow(play, "10.0.0.0/8")}, play, strAddr("10.0.0.1:99"), true},
		{"unknown addr only matches all", []Rule{allow(play, "10.0.0.0/8")}, play, nil, false},
		{"unknown addr, all", []Rule{allow(play, "all")}, play, nil, true},
		{"bad target matches nothing", []Rule{allow(play, "all"), deny(play, "not-an-ip"), deny(play, "1.2.3.4/99")}, play, tcpAddr("1.2.3.4:1"), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &Rules{List: c.rules}
			if got := r.Allowed(c.play, c.addr); got != c.want {
				t.Fatalf("allowed(play=%v, %v) = %v, want %v", c.play, c.addr, got, c.want)
			}
		})
	}
}

func TestSecurityNil(t *testing.T) {
	var r *Rules
	if !r.Allowed(Play, tcpAddr("1.2.3.4:1")) {
		t.Fatal("nil rules must allow")
	}
	if (&Rules{Enabled: true}).Allowed(Play, tcpAddr("1.2.3.4:1")) {
		t.Fatal("an enabled block with no rules must refuse")
	}
}

// FuzzSecurityTarget checks the rules' properties on arbitrary targets and
// addresses: deny wins whatever the order; rules of the other action never
// apply; "allow all" admits everyone; an exact IP or CIDR target covers what
// netip says it covers.
func FuzzSecurityTarget(f *testing.F) {
	for _, s := range []string{"all", "127.0.0.1", "10.0.0.0/8", "::1", "::ffff:10.0.0.0/104", "x/y", "1.2.3.4/99", "", " all "} {
		f.Add(s, "10.1.2.3")
		f.Add(s, "::ffff:10.0.0.1")
	}
	f.Fuzz(func(t *testing.T, target, ip string) {
		addr := strAddr(net.JoinHostPort(ip, "1"))
		allowAll := Rule{Allow: true, Action: Play, Target: "all"}
		deny := Rule{Allow: false, Action: Play, Target: target}
		a := (&Rules{List: []Rule{allowAll, deny}}).Allowed(Play, addr)
		b := (&Rules{List: []Rule{deny, allowAll}}).Allowed(Play, addr)
		if a != b {
			t.Fatalf("order matters: %v vs %v", a, b)
		}
		if !(&Rules{List: []Rule{allowAll}}).Allowed(Play, addr) {
			t.Fatal("allow all refused a client")
		}
		other := Rule{Allow: false, Action: Publish, Target: target}
		if !(&Rules{List: []Rule{allowAll, other}}).Allowed(Play, addr) {
			t.Fatal("a publish rule applied to play")
		}
		if !a == !covers(target, addr) {
			t.Fatalf("deny %q for %q: allowed=%v, but netip says covered=%v", target, ip, a, covers(target, addr))
		}
	})
}

// covers is an independent statement of what a target covers.
func covers(target string, addr net.Addr) bool {
	target = strings.TrimSpace(target)
	if target == "all" {
		return true
	}
	ip := addrIP(addr)
	if !ip.IsValid() {
		return false
	}
	if p, err := netip.ParsePrefix(target); err == nil {
		return p.Contains(ip) || p.Contains(netip.AddrFrom16(ip.As16()))
	}
	if a, err := netip.ParseAddr(target); err == nil {
		return a.Unmap() == ip
	}
	return false
}
