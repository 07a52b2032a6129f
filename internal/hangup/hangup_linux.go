package hangup

import (
	"net"
	"sync"
	"syscall"
)

// impl, on Linux: one epoll instance and one goroutine for every watched
// connection. Each registration carries a token of its own (not the file
// descriptor, which the kernel reuses once a connection is closed), so an
// event that was already on its way when a connection stopped being watched
// never reaches the next one given the same number.
type impl struct {
	epfd int
	mu   sync.Mutex
	next uint64
	m    map[uint64]func() // token -> gone
}

// events: the peer closed its side, the connection hung up or failed;
// edge-triggered (EPOLLET, bit 31), so a closed connection is reported once
// and not again until it is no longer watched.
const events = syscall.EPOLLRDHUP | syscall.EPOLLHUP | syscall.EPOLLERR | 1<<31

func (w *impl) init() error {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	w.epfd, w.m = fd, map[uint64]func(){}
	go w.loop()
	return nil
}

func (w *impl) watch(c net.Conn, gone func()) (func(), error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return readUntilClosed(c, gone), nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.next++
	tok := w.next
	w.m[tok] = gone
	w.mu.Unlock()
	ev := syscall.EpollEvent{Events: uint32(events), Fd: int32(tok), Pad: int32(tok >> 32)}
	var cerr error
	if err := rc.Control(func(fd uintptr) {
		cerr = syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_ADD, int(fd), &ev)
	}); err != nil || cerr != nil {
		w.forget(tok)
		if err == nil {
			err = cerr
		}
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			w.forget(tok)
			// The descriptor is still open (the caller closes it after
			// stop), so this is the registration it made.
			rc.Control(func(fd uintptr) {
				syscall.EpollCtl(w.epfd, syscall.EPOLL_CTL_DEL, int(fd), nil)
			})
		})
	}, nil
}

func (w *impl) forget(tok uint64) {
	w.mu.Lock()
	delete(w.m, tok)
	w.mu.Unlock()
}

func (w *impl) loop() {
	var evs [64]syscall.EpollEvent
	for {
		n, err := syscall.EpollWait(w.epfd, evs[:], -1)
		if err != nil {
			if err == syscall.EINTR {
				continue
			}
			return
		}
		for _, ev := range evs[:n] {
			tok := uint64(uint32(ev.Fd)) | uint64(uint32(ev.Pad))<<32
			w.mu.Lock()
			gone := w.m[tok]
			delete(w.m, tok)
			w.mu.Unlock()
			if gone != nil {
				gone()
			}
		}
	}
}
