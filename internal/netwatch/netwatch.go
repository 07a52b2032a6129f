// Package netwatch tells the server about a connection it is not reading,
// without a goroutine parked in a read per connection. A live HTTP viewer
// sends nothing after its request, so all the server needs to hear from it
// is that it left (Watch); an RTMP player sends an acknowledgement or a
// command now and then, so the server reads it only when it has sent
// something (WatchInput). On Linux one goroutine watches every connection
// with epoll; elsewhere Watch gives each connection a goroutine that reads
// until the peer closes, and WatchInput is not available (the caller keeps
// a reading goroutine).
//
// It sits beside the rooms that serve players: httpd watches each hijacked
// live viewer's connection, live each RTMP player's.
package netwatch

import (
	"errors"
	"net"
	"sync"
)

// ErrUnsupported is WatchInput's answer where the platform or the
// connection offers no way to wait for input without a goroutine.
var ErrUnsupported = errors.New("netwatch: input of this connection cannot be watched")

// Watcher calls a function when something happens on a watched connection.
// The zero value is ready to use.
type Watcher struct {
	once sync.Once
	err  error
	impl
}

func (w *Watcher) start() error {
	w.once.Do(func() { w.err = w.init() })
	return w.err
}

// Watch calls gone once, from the watcher's goroutine, when c's peer closes
// it (or resets it). Bytes the peer sends are left unread. Call stop before
// closing c (after stop, gone is not called); stop may be called more than
// once. An error means c cannot be watched here (the caller then reads c
// itself).
func (w *Watcher) Watch(c net.Conn, gone func()) (stop func(), err error) {
	if err := w.start(); err != nil {
		return nil, err
	}
	return w.watch(c, gone)
}

// Input is a connection whose input is watched (WatchInput).
type Input struct {
	reg registration
}

// WatchInput returns c's input watch, not armed yet: once Arm is called, the
// watcher calls ready, from its goroutine, when c has bytes to read or its
// peer has closed it, and then nothing more until Arm is called again. ready
// must not block: it starts whatever reads c, which calls Arm when it has
// handled all it read (bytes still in the socket then are reported at once).
// Call Stop before closing c; after Stop, ready is not called and Arm does
// nothing. The error is ErrUnsupported where c cannot be watched this way.
func (w *Watcher) WatchInput(c net.Conn, ready func()) (*Input, error) {
	if err := w.start(); err != nil {
		return nil, err
	}
	return w.watchInput(c, ready)
}

// Arm asks for ready to be called once more.
func (in *Input) Arm() { in.reg.arm() }

// Stop ends the watch; it may be called more than once.
func (in *Input) Stop() { in.reg.stop() }

// readUntilClosed is Watch's fallback: a goroutine that reads c until its
// peer closes it, then calls gone, unless stopped first.
func readUntilClosed(c net.Conn, gone func()) (stop func()) {
	var mu sync.Mutex
	stopped := false
	go func() {
		var b [64]byte
		for {
			if _, err := c.Read(b[:]); err != nil {
				break
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if !stopped {
			gone()
		}
	}()
	return func() {
		mu.Lock()
		stopped = true
		mu.Unlock()
	}
}
