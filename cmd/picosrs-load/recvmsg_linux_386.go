package main

import "syscall"

// recvmsg reads what a non-blocking socket holds into buf, and a control
// message into oob. On 386 sockets go through socketcall, which package
// syscall does not offer raw: the runtime sees this call enter the kernel.
func recvmsg(fd int, buf, oob []byte) (n, oobn int, err error) {
	n, oobn, _, _, err = syscall.Recvmsg(fd, buf, oob, 0)
	return n, oobn, err
}
