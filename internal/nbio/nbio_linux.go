package nbio

import (
	"sync"
	"syscall"
	"unsafe"
)

const supported = true

// maxIov bounds one writev and so an iovec array (1 KB of iovecs): a longer
// vector, such as a new viewer's start-up burst, goes out in several calls.
const maxIov = 64

// iovArrays lends iovec arrays for the length of a write: a server with
// thousands of viewers keeps as many arrays as it writes at once, not one
// per connection.
var iovArrays = sync.Pool{New: func() any { return new([maxIov]syscall.Iovec) }}

type iov struct {
	arr *[maxIov]syscall.Iovec // borrowed from iovArrays for one write
	vec []syscall.Iovec
	hi  int // entries used since the array was borrowed
}

// fill points the iovec array at the first slices of v and returns how many
// bytes they hold.
func (w *Writer) fill(v [][]byte) int {
	if w.arr == nil {
		w.arr = iovArrays.Get().(*[maxIov]syscall.Iovec)
	}
	w.vec = w.arr[:0]
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

// release drops the iovec array's pointers into the caller's buffers and
// gives the array back.
func (w *Writer) release() {
	if w.arr == nil {
		return
	}
	clear(w.arr[:w.hi])
	w.hi = 0
	w.vec = nil
	iovArrays.Put(w.arr)
	w.arr = nil
}

// writev is one writev(2) on a non-blocking socket. It cannot block, so it
// is made raw: through syscall.Syscall the runtime counts each call as a
// goroutine entering the kernel, and at mw_latency 0 (a write per viewer per
// tag, back to back) its monitor thread then woke every 20 µs to take the
// processor back and hand it to another thread, about a sixth of the
// server's CPU in a profile of 1000 viewers on one core.
func (w *Writer) writev(fd uintptr) (int, syscall.Errno) {
	r, _, e := syscall.RawSyscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.vec[0])), uintptr(len(w.vec)))
	if e != 0 {
		return 0, e
	}
	return int(r), 0
}
