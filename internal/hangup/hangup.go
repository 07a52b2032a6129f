// Package hangup notices that the peer of a connection has closed it,
// without a goroutine parked in a read per connection: a live HTTP viewer
// sends nothing after its request, so all the server needs to hear from it
// is that it left. On Linux one goroutine watches every connection with
// epoll (EPOLLRDHUP); elsewhere each connection gets a goroutine that reads
// until the peer closes.
//
// It sits beside the HTTP room (httpd), which watches each hijacked live
// viewer's connection and hangs the viewer up when it leaves.
package hangup

import (
	"net"
	"sync"
)

// Watcher calls a function when the peer of a watched connection closes it
// (or resets it). Bytes the peer sends are left unread.
type Watcher struct {
	once sync.Once
	err  error
	impl
}

// Watch calls gone once, from the watcher's goroutine, when c's peer
// closes it. Call stop before closing c (after stop, gone is not called);
// stop may be called more than once. An error means c cannot be watched
// here (the caller then reads c itself).
func (w *Watcher) Watch(c net.Conn, gone func()) (stop func(), err error) {
	w.once.Do(func() { w.err = w.init() })
	if w.err != nil {
		return nil, w.err
	}
	return w.watch(c, gone)
}

// readUntilClosed is the fallback: a goroutine that reads c until its peer
// closes it, then calls gone, unless stopped first.
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
