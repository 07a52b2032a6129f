package access

import (
	"net"
	"net/netip"
	"strings"
)

// Action is what a client asks to do.
type Action int

// Actions the rules apply to.
const (
	Publish Action = iota
	Play
)

// Rule is one allow or deny line of a vhost's security block (SRS's
// `allow|deny publish|play all|IP|CIDR;`).
type Rule struct {
	Allow  bool
	Action Action
	Target string // "all", an IP or a CIDR
}

// Rules is a vhost's security block.
type Rules struct {
	Enabled bool // security.enabled: with no rules, nobody gets in
	List    []Rule
}

// Allowed applies the rules to a client address, as SRS's
// SrsSecurity::do_check does: a client is let in when an allow rule for its
// action matches it and no deny rule for that action does. The order of the
// rules does not matter and deny wins. With security off (no rules and
// Enabled unset) every client is let in; an enabled block with no rules
// lets nobody in, as in SRS. A nil Rules lets everyone in.
func (r *Rules) Allowed(a Action, addr net.Addr) bool {
	if r == nil || (!r.Enabled && len(r.List) == 0) {
		return true
	}
	ip := addrIP(addr)
	allow := false
	for _, rule := range r.List {
		if rule.Action != a || !matches(rule.Target, ip) {
			continue
		}
		if !rule.Allow {
			return false
		}
		allow = true
	}
	return allow
}

// matches reports whether a rule's target ("all", an IP or a CIDR) covers
// ip. An unknown client address is covered only by "all"; a target that does
// not parse covers nothing (conf validates targets on load).
func matches(target string, ip netip.Addr) bool {
	t := strings.TrimSpace(target)
	if t == "all" {
		return true
	}
	if !ip.IsValid() {
		return false
	}
	if strings.Contains(t, "/") {
		p, err := netip.ParsePrefix(t)
		if err != nil {
			return false
		}
		// An IPv4-mapped prefix (::ffff:10.0.0.0/104) covers IPv4 clients too.
		return p.Contains(ip) || ip.Is4() && p.Contains(netip.AddrFrom16(ip.As16()))
	}
	a, err := netip.ParseAddr(t)
	if err != nil {
		return false
	}
	return a.Unmap() == ip
}

// addrIP is the client's IP, with IPv4-mapped IPv6 addresses made IPv4 so
// that "127.0.0.1" also matches a client seen as ::ffff:127.0.0.1.
func addrIP(addr net.Addr) netip.Addr {
	var ip netip.Addr
	switch a := addr.(type) {
	case *net.TCPAddr:
		ip, _ = netip.AddrFromSlice(a.IP)
	case nil:
	default:
		if ap, err := netip.ParseAddrPort(a.String()); err == nil {
			ip = ap.Addr()
		} else if h, _, err := net.SplitHostPort(a.String()); err == nil {
			ip, _ = netip.ParseAddr(h)
		}
	}
	return ip.Unmap().WithZone("")
}
