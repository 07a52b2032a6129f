//go:build linux && !386

package main

import (
	"syscall"
	"unsafe"
)

// recvmsg reads what a non-blocking socket holds into buf, and a control
// message into oob.
func recvmsg(fd int, buf, oob []byte) (n, oobn int, err error) {
	iov := syscall.Iovec{Base: &buf[0]}
	iov.SetLen(len(buf))
	msg := syscall.Msghdr{Iov: &iov, Iovlen: 1, Control: &oob[0]}
	msg.SetControllen(len(oob))
	r, _, e := syscall.RawSyscall(syscall.SYS_RECVMSG, uintptr(fd), uintptr(unsafe.Pointer(&msg)), 0)
	if e != 0 {
		return 0, 0, e
	}
	return int(r), int(msg.Controllen), nil
}
