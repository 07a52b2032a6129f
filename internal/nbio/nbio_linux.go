package nbio

import (
	"syscall"
	"unsafe"
)

const supported = true

// maxIov is the kernel's IOV_MAX: a longer vector goes in several calls.
const maxIov = 1024

// iov is the per-connection iovec array and the result of the last call.
type iov struct {
	vec   []syscall.Iovec
	fn    func(fd uintptr) bool
	n     int
	errno syscall.Errno
}

// fill points the iovec array at the first slices of v and returns how many
// bytes they hold.
func (w *Writer) fill(v [][]byte) int {
	w.vec = w.vec[:0]
	want := 0
	for _, b := range v {
		if len(w.vec) == maxIov {
			break
		}
		if len(b) == 0 {
			continue
		}
		var e syscall.Iovec
		e.Base = &b[0]
		e.SetLen(len(b))
		w.vec = append(w.vec, e)
		want += len(b)
	}
	return want
}

// reset drops the iovec array's pointers into the caller's buffers.
func (w *Writer) reset() { clear(w.vec) }

// writev is called by RawConn.Write with the descriptor held open. It always
// returns true: a full socket is reported, never waited on.
func (x *iov) writev(fd uintptr) bool {
	for {
		r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&x.vec[0])), uintptr(len(x.vec)))
		if e == syscall.EINTR {
			continue
		}
		x.n, x.errno = int(r), e
		if e != 0 {
			x.n = 0
		}
		return true
	}
}
