// Package nbio writes a vector of byte slices to a connection without
// waiting. The live fan-out writes every caught-up viewer from one goroutine
// per stream; a socket that cannot take a whole batch at once must not hold
// up the others, so what it did not take is left to the viewer's own
// goroutine, which may wait.
package nbio

import (
	"net"
	"syscall"
)

// Writer does non-blocking vectored writes to one connection. It is not safe
// for concurrent use; the connection may be written by others in between.
type Writer struct {
	rc syscall.RawConn
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
	w.fn = w.iov.writev // bound once: a method value per call would allocate
	return w
}

// TryWrite writes as much of *v as the socket takes now and removes what was
// written from the front of *v (the slices themselves are never modified,
// only re-sliced). It returns the bytes written; *v is empty when all of it
// went. A full socket is not an error. An error means the connection is
// unusable (closed, reset).
func (w *Writer) TryWrite(v *[][]byte) (int64, error) {
	var total int64
	for len(*v) > 0 {
		want := w.fill(*v)
		if want == 0 {
			*v = (*v)[:0]
			break
		}
		w.n, w.errno = 0, 0
		if err := w.rc.Write(w.fn); err != nil {
			w.reset()
			return total, err
		}
		w.reset()
		switch {
		case w.errno == syscall.EAGAIN:
			return total, nil
		case w.errno != 0:
			return total, &net.OpError{Op: "writev", Net: "tcp", Err: syscall.Errno(w.errno)}
		}
		total += int64(w.n)
		consume(v, w.n)
		if w.n < want {
			return total, nil // the socket is full
		}
	}
	return total, nil
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
