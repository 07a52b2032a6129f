package nbio

import (
	"syscall"
	"unsafe"
)

const supported = true

// maxIov bounds one writev and so the iovec array kept per connection (1 KB
// of iovecs): a longer vector, such as a new viewer's start-up burst, goes
// out in several calls.
const maxIov = 64

type iov struct {
	vec []syscall.Iovec
	hi  int // entries used since the last release
}

// fill points the iovec array at the first slices of v and returns how many
// bytes they hold.
func (w *Writer) fill(v [][]byte) int {
	if w.vec == nil {
		w.vec = make([]syscall.Iovec, 0, maxIov)
	}
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
	w.hi = max(w.hi, len(w.vec))
	return want
}

// release drops the iovec array's pointers into the caller's buffers.
func (w *Writer) release() {
	clear(w.vec[:w.hi])
	w.hi = 0
}

func (w *Writer) writev(fd uintptr) (int, syscall.Errno) {
	r, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.vec[0])), uintptr(len(w.vec)))
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}
