//go:build !linux

package nbio

import "syscall"

const supported = false

type iov struct {
	fn    func(fd uintptr) bool
	n     int
	errno syscall.Errno
}

func (w *Writer) fill(v [][]byte) int { return 0 }
func (w *Writer) reset()              {}
func (x *iov) writev(fd uintptr) bool { return true }
