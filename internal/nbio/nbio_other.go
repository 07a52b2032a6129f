//go:build !linux

package nbio

import "syscall"

const supported = false

const maxIov = 64

type iov struct{}

func (w *Writer) fill(v [][]byte) int                    { return 0 }
func (w *Writer) release()                               {}
func (w *Writer) writev(fd uintptr) (int, syscall.Errno) { return 0, syscall.EINVAL }
