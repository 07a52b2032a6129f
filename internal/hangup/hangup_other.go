//go:build !linux

package hangup

import "net"

// impl, elsewhere than Linux: a goroutine per connection.
type impl struct{}

func (impl) init() error { return nil }

func (impl) watch(c net.Conn, gone func()) (func(), error) {
	return readUntilClosed(c, gone), nil
}
