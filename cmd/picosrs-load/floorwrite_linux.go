package main

import (
	"net"
	"syscall"
	"unsafe"
)

// floorWrite writes all of p to c, waiting as conn.Write does when the
// socket is full, but with each write(2) made raw: the socket is
// non-blocking, and through syscall.Syscall the runtime's monitor thread
// woke every 20 µs to take the processor back during the floor's back-to-back
// writes, a cost no server needs to pay (the server's writev is raw too,
// internal/nbio).
func floorWrite(c net.Conn, p []byte) error {
	sc, ok := c.(syscall.Conn)
	if !ok {
		_, err := c.Write(p)
		return err
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for len(p) > 0 {
			n, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			switch e {
			case 0:
				p = p[n:]
			case syscall.EINTR:
			case syscall.EAGAIN:
				return false // wait until the socket takes more
			default:
				werr = e
				return true
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	return werr
}
