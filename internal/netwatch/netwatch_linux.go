package netwatch

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
	m    map[uint64]entry
}

// entry is what a token calls; a hang-up is reported once and forgotten,
// input every time the registration is re-armed.
type entry struct {
	fn   func()
	keep bool
}

const (
	epollET      = 1 << 31
	epollOneShot = 1 << 30
	// hangupEvents: the peer closed its side, the connection hung up or
	// failed; edge-triggered, so a closed connection is reported once.
	hangupEvents = syscall.EPOLLRDHUP | syscall.EPOLLHUP | syscall.EPOLLERR | epollET
	// inputEvents: bytes to read as well, level-triggered and one-shot, so
	// a registration reports once per re-arm, and at once if bytes are
	// still waiting then.
	inputEvents = syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLHUP | syscall.EPOLLERR | epollOneShot
)

func (w *impl) init() error {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	w.epfd, w.m = fd, map[uint64]entry{}
	go w.loop()
	return nil
}

func (w *impl) watch(c net.Conn, gone func()) (func(), error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return readUntilClosed(c, gone), nil
	}
	r := &registration{}
	if err := w.register(sc, hangupEvents, entry{fn: gone}, r); err != nil {
		return nil, err
	}
	if err := r.ctl(syscall.EPOLL_CTL_ADD); err != nil {
		w.forget(r.tok)
		return nil, err
	}
	return r.stop, nil
}

func (w *impl) watchInput(c net.Conn, ready func()) (*Input, error) {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, ErrUnsupported
	}
	in := &Input{}
	if err := w.register(sc, inputEvents, entry{fn: ready, keep: true}, &in.reg); err != nil {
		return nil, err
	}
	return in, nil
}

// registration is one watch: its token, and the descriptor's events.
type registration struct {
	w     *impl
	rc    syscall.RawConn
	tok   uint64
	ev    syscall.EpollEvent
	once  sync.Once
	added bool // under w.mu
}

// register makes r, a zero registration, sc's with a new token; nothing is
// watched until the registration is added to the epoll set.
func (w *impl) register(sc syscall.Conn, events uint32, e entry, r *registration) error {
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	w.mu.Lock()
	w.next++
	tok := w.next
	w.m[tok] = e
	w.mu.Unlock()
	r.w, r.rc, r.tok = w, rc, tok
	r.ev = syscall.EpollEvent{Events: events, Fd: int32(tok), Pad: int32(tok >> 32)}
	return nil
}

// ctl applies op to the registration's descriptor. Control fails, without
// calling its function, once the connection is closed, so the descriptor
// it passes is the registration's own.
func (r *registration) ctl(op int) (err error) {
	if cerr := r.rc.Control(func(fd uintptr) { err = syscall.EpollCtl(r.w.epfd, op, int(fd), &r.ev) }); cerr != nil {
		return cerr
	}
	return err
}

// arm adds a one-shot registration the first time, and re-arms it after.
func (r *registration) arm() {
	r.w.mu.Lock()
	_, live := r.w.m[r.tok]
	op := syscall.EPOLL_CTL_MOD
	if !r.added {
		op, r.added = syscall.EPOLL_CTL_ADD, true
	}
	r.w.mu.Unlock()
	if live {
		r.ctl(op)
	}
}

func (r *registration) stop() {
	r.once.Do(func() {
		r.w.forget(r.tok)
		r.ctl(syscall.EPOLL_CTL_DEL)
	})
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
			e, ok := w.m[tok]
			if ok && !e.keep {
				delete(w.m, tok)
			}
			w.mu.Unlock()
			if ok {
				e.fn()
			}
		}
	}
}
