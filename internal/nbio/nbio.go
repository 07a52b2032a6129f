// Package nbio writes a vector of byte slices to a connection without
// waiting. The live fan-out writes every caught-up viewer from one goroutine
// per stream; a socket that cannot take a whole batch at once must not hold
// up the others, so what it did not take is left to the viewer's own
// goroutine, which may wait (WriteAll).
package nbio

import (
	"net"
	"syscall"
)

// Writer does vectored writes to one connection through its RawConn, with
// an iovec array of its own that never exceeds maxIov entries (net keeps
// the longest vector's array for the connection's life). It is not safe for
// concurrent use; the connection may be written by others in between.
type Writer struct {
	rc    syscall.RawConn
	fn    func(fd uintptr) bool // w.step, bound once: a method value per call would allocate
	cur   *[][]byte
	total int64
	errno syscall.Errno
	wait  bool
	iov
}

// New returns a Writer for c, or nil when c is not a socket this platform
// can write without waiting (the caller then writes with c.Write).
func New(c net.Conn) *Writer {
	sc, ok := c.(syscall.Conn)
	if !ok || !supported {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	w := &Writer{rc: rc}
	w.fn = w.step
	return w
}

// TryWrite writes as much of *v as the socket takes now and removes what was
// written from the front of *v (the slices themselves are never modified,
// only re-sliced). It returns the bytes written; *v is empty when all of it
// went. A full socket is not an error. An error means the connection is
// unusable (closed, reset).
func (w *Writer) TryWrite(v *[][]byte) (int64, error) { return w.do(v, false) }

// WriteAll writes all of *v, waiting for the socket as needed and for no
// longer than the connection's write deadline, and removes what was written
// from *v.
func (w *Writer) WriteAll(v *[][]byte) (int64, error) { return w.do(v, true) }

func (w *Writer) do(v *[][]byte, wait bool) (int64, error) {
	if len(*v) == 0 {
		return 0, nil
	}
	w.cur, w.total, w.errno, w.wait = v, 0, 0, wait
	err := w.rc.Write(w.fn)
	w.cur = nil
	w.release()
	switch {
	case err != nil:
		return w.total, err
	case w.errno != 0:
		return w.total, &net.OpError{Op: "writev", Net: "tcp", Err: w.errno}
	}
	return w.total, nil
}

// step is called by RawConn.Write with the descriptor held open. Returning
// false makes RawConn.Write wait until the socket is writable and call it
// again: only WriteAll does, right after the write that found it full, so
// no wake-up can slip in between.
func (w *Writer) step(fd uintptr) bool {
	for {
		want := w.fill(*w.cur)
		if want == 0 {
			*w.cur = (*w.cur)[:0]
			return true
		}
		n, errno := w.writev(fd)
		switch errno {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return !w.wait
		default:
			w.errno = errno
			return true
		}
		w.total += int64(n)
		consume(w.cur, n)
		if n < want && !w.wait {
			return true // the socket is full
		}
	}
}

// consume drops n written bytes from the front of *v.
func consume(v *[][]byte, n int) {
	for len(*v) > 0 {
		l := len((*v)[0])
		if l > n {
			(*v)[0] = (*v)[0][n:]
			return
		}
		n -= l
		(*v)[0] = nil
		*v = (*v)[1:]
	}
}
