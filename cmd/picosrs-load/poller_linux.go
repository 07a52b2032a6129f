package main

import (
	"context"
	"errors"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

// A poller reads the sockets of many HTTP-FLV viewers from one goroutine:
// one epoll set, one read per ready socket into one shared buffer, parsed
// in place (flvStream). A goroutine per viewer made the tool pay a wake-up,
// a read that finds nothing and two copies per tag per viewer; at 1000
// viewers of mw_latency 0 that took 80-98 % of its core, so the latency it
// measured was partly its own. The epoll descriptor itself waits in Go's
// network poller, so the loop never blocks a thread the publisher needs.
type poller struct {
	epfd int
	ep   *os.File // epfd, registered with Go's poller
	rc   syscall.RawConn

	mu      sync.Mutex
	streams map[int32]*polled // by descriptor
	closed  bool              // run has let every viewer go

	// Reads with and without the kernel's receive time; written by run's
	// goroutine, read once every viewer has been let go.
	stamped, unstamped int64
}

// polled is one viewer handed to a poller: its descriptor (a duplicate the
// poller owns) and its parser; done is closed when the poller lets go.
type polled struct {
	fd   int
	s    *flvStream
	err  error
	done chan struct{}
}

var errPollerClosed = errors.New("picosrs-load: the run has ended")

func newPoller() (*poller, error) {
	fd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "epoll")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &poller{epfd: fd, ep: f, rc: rc, streams: map[int32]*polled{}}, nil
}

// add takes over nc's socket for s (nc is closed; the poller reads a
// duplicate of its descriptor, left non-blocking) and feeds it first what
// was already read from it. It returns what waits for the end.
func (p *poller) add(nc net.Conn, s *flvStream, buffered []byte) (*polled, error) {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return nil, errors.ErrUnsupported
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	if cerr := rc.Control(func(d uintptr) { fd, err = syscall.Dup(int(d)) }); cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(fd)
	// The kernel's receive time of what each read returns (the last
	// segment's), for the arrival latency; without it only the read time.
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TIMESTAMPNS, 1)
	pv := &polled{fd: fd, s: s, done: make(chan struct{})}
	if len(buffered) > 0 {
		// Read with the response header: the read time stands for the
		// arrival, an upper bound.
		now := time.Now()
		s.v.arrived = now
		if err := s.feed(buffered, now); err != nil {
			syscall.Close(fd)
			return nil, err
		}
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		syscall.Close(fd)
		return nil, errPollerClosed
	}
	p.streams[int32(fd)] = pv
	p.mu.Unlock()
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(fd)}
	if err := syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		p.mu.Lock()
		delete(p.streams, int32(fd))
		p.mu.Unlock()
		syscall.Close(fd)
		return nil, err
	}
	return pv, nil
}

// run reads until end or until ctx ends, then lets every viewer go.
func (p *poller) run(ctx context.Context, end time.Time) {
	p.ep.SetReadDeadline(end)
	stop := context.AfterFunc(ctx, func() { p.ep.SetReadDeadline(time.Now()) })
	defer stop()
	buf := make([]byte, 256<<10)
	var oob [8]uint64 // a control message: one timespec, 8-byte aligned
	var evs [256]syscall.EpollEvent
	for ctx.Err() == nil && time.Now().Before(end) {
		err := p.rc.Read(func(uintptr) bool {
			for {
				n, err := epollPoll(p.epfd, evs[:])
				if err == syscall.EINTR {
					continue
				}
				if n <= 0 {
					return false // nothing ready: wait in Go's poller
				}
				for _, ev := range evs[:n] {
					p.read(ev.Fd, buf, &oob)
				}
				if !time.Now().Before(end) || ctx.Err() != nil {
					return true
				}
			}
		})
		if err != nil {
			break // the deadline, or the run was interrupted
		}
	}
	p.mu.Lock()
	left := p.streams
	p.streams, p.closed = map[int32]*polled{}, true
	p.mu.Unlock()
	for _, pv := range left {
		p.release(pv, nil)
	}
	p.ep.Close()
}

// read reads once from a ready socket and parses what came.
func (p *poller) read(fd int32, buf []byte, oob *[8]uint64) {
	p.mu.Lock()
	pv := p.streams[fd]
	p.mu.Unlock()
	if pv == nil {
		return
	}
	ob := unsafe.Slice((*byte)(unsafe.Pointer(oob)), len(oob)*8)
	n, oobn, err := recvmsg(int(fd), buf, ob)
	now := time.Now()
	if at := arrival(ob[:oobn]); !at.IsZero() {
		pv.s.v.arrived = at
		p.stamped++
	} else {
		// No receive time (bytes queued before timestamps were on): the
		// read time, an upper bound.
		pv.s.v.arrived = now
		p.unstamped++
	}
	switch {
	case err == syscall.EAGAIN || err == syscall.EINTR:
		return
	case err != nil:
		p.drop(pv, err)
		return
	case n == 0:
		p.drop(pv, nil) // the server closed the response
		return
	}
	pv.s.v.bytes += int64(n)
	if err := pv.s.feed(buf[:n], now); err != nil {
		p.drop(pv, err)
	} else if pv.s.ended {
		p.drop(pv, nil)
	}
}

// The poller's system calls never block (a zero timeout, non-blocking
// sockets), so they are made raw: through syscall.Syscall the runtime
// counted each as a goroutine entering the kernel, and its monitor thread,
// woken every 20 µs to take back processors stuck in system calls, cost the
// tool a fifth of its core.

// epollPoll returns the events ready now, without waiting.
func epollPoll(epfd int, evs []syscall.EpollEvent) (int, error) {
	n, _, e := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&evs[0])), uintptr(len(evs)), 0, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), nil
}

// arrival returns the receive time in a control message of SO_TIMESTAMPNS,
// or the zero time.
func arrival(oob []byte) time.Time {
	h := syscall.CmsgLen(0)
	if len(oob) < syscall.CmsgSpace(int(unsafe.Sizeof(syscall.Timespec{}))) {
		return time.Time{}
	}
	c := (*syscall.Cmsghdr)(unsafe.Pointer(&oob[0]))
	if c.Level != syscall.SOL_SOCKET || c.Type != syscall.SO_TIMESTAMPNS {
		return time.Time{}
	}
	ts := (*syscall.Timespec)(unsafe.Pointer(&oob[h]))
	return time.Unix(int64(ts.Sec), int64(ts.Nsec))
}

// drop ends one viewer before the run's end.
func (p *poller) drop(pv *polled, err error) {
	p.mu.Lock()
	delete(p.streams, int32(pv.fd))
	p.mu.Unlock()
	syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, pv.fd, nil)
	p.release(pv, err)
}

func (p *poller) release(pv *polled, err error) {
	syscall.Close(pv.fd)
	pv.err = err
	close(pv.done)
}

// startPollers starts n pollers, or none if epoll is not available; wg is
// done when they have ended.
func startPollers(ctx context.Context, end time.Time, n int, wg *sync.WaitGroup) []*poller {
	var ps []*poller
	for range n {
		p, err := newPoller()
		if err != nil {
			break
		}
		wg.Add(1)
		go func() { defer wg.Done(); p.run(ctx, end) }()
		ps = append(ps, p)
	}
	return ps
}
