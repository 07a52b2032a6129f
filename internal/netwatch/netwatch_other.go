//go:build !linux

package netwatch

import "net"

// impl, elsewhere than Linux: a goroutine per connection for Watch, and no
// WatchInput.
type impl struct{}

func (impl) init() error { return nil }

func (impl) watch(c net.Conn, gone func()) (func(), error) {
	return readUntilClosed(c, gone), nil
}

func (impl) watchInput(net.Conn, func()) (*Input, error) {
	return nil, ErrUnsupported
}

// registration: none here (an Input is never made).
type registration struct{}

func (*registration) arm()  {}
func (*registration) stop() {}
