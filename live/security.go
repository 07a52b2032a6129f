package live

import (
	"net"
	"net/netip"
	"strings"
)

// allowed applies the vhost's security rules (SRS's security { allow|deny
// publish|play all|IP|CIDR; }) to a client address, as SRS's
// SrsSecurity::do_check does: a client is let in when an allow rule for its
// action matches it and no deny rule for that action does. The order of the
// rules does not matter and deny wins. With security off (no rules and
// SecurityEnabled unset) every client is let in; an enabled block with no
// rules lets nobody in, as in SRS.
func (vh *VhostConfig) allowed(play bool, addr net.Addr) bool {
	if vh == nil || (!vh.SecurityEnabled && len(vh.Security) == 0) {
		return true
	}
	ip := addrIP(addr)
	allow := false
	for _, r := range vh.Security {
		if r.Play != play || !r.matches(ip) {
			continue
		}
		if !r.Allow {
			return false
		}
		allow = true
	}
	return allow
}

// matches reports whether the rule's target ("all", an IP or a CIDR) covers
// ip. An unknown client address is covered only by "all"; a target that does
// not parse covers nothing (conf validates targets on load).
func (r SecurityRule) matches(ip netip.Addr) bool {
	t := strings.TrimSpace(r.Target)
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
