package tlsconn

import (
	"crypto/tls"
	"net"
	"sync"
)

// Sizes of the Writer's records.
const (
	// maxRecord is TLS's largest record payload (RFC 8446 section 5.1).
	maxRecord = 16 << 10
	// chunk is the plaintext sealed between two writes to the socket.
	chunk = 64 << 10
)

// small is the size below which a slice is gathered with its neighbours
// into one record rather than sealed as a record of its own (a variable for
// BenchmarkWriter, which compares thresholds).
var small = 2 << 10

// Writer writes a live viewer's batches to a TLS connection over a Conn:
// the batch is sealed into records queued in the Conn, and the queue is
// written with a writev that never waits (TryWrite) or waits (WriteAll).
// It has the methods live.ConnSink expects of its socket writer. It is not
// safe for concurrent use (the viewer's write lock serialises its users).
type Writer struct {
	tc      *tls.Conn
	c       *Conn
	records uint64 // records sealed, for BenchmarkWriter
}

// NewWriter returns a Writer for nc when nc is a *tls.Conn over a Conn on a
// platform that writes without waiting, and takes the Conn over: from now
// on it queues what crypto/tls writes. Otherwise it returns nil.
func NewWriter(nc net.Conn) *Writer {
	tc, ok := nc.(*tls.Conn)
	if !ok {
		return nil
	}
	c, ok := tc.NetConn().(*Conn)
	if !ok || c.nb == nil {
		return nil
	}
	c.mu.Lock()
	c.owned = true
	c.mu.Unlock()
	return &Writer{tc: tc, c: c}
}

// pending is what TryWrite leaves in *v when every slice was sealed but
// records still wait for the socket: an empty slice, so that the caller
// sees a write not finished and calls WriteAll, which sends the queue.
var pending = []byte{}

// TryWrite seals and writes what the socket takes now: the records already
// queued first, then *v, at most chunk bytes at a time. It removes what was
// sealed from the front of *v (re-slicing only); *v is empty when all of it
// is on the socket. It returns the bytes written to the socket.
func (w *Writer) TryWrite(v *[][]byte) (int64, error) { return w.do(v, false) }

// WriteAll seals and writes all of *v after the records already queued,
// waiting for the socket as needed (up to its write deadline).
func (w *Writer) WriteAll(v *[][]byte) (int64, error) { return w.do(v, true) }

func (w *Writer) do(v *[][]byte, wait bool) (int64, error) {
	var total int64
	for {
		// The queue first: records must reach the socket in order.
		n, left, ok, err := w.c.flush(wait, !wait)
		if !ok {
			break // crypto/tls is queuing (an alert): leave it to WriteAll
		}
		total += n
		if err != nil {
			return total, err
		}
		if left || len(*v) == 0 {
			break
		}
		if err := w.seal(v); err != nil {
			return total, err
		}
	}
	if len(*v) == 0 && w.c.queued() {
		*v = append(*v, pending)
	} else if len(*v) == 1 && len((*v)[0]) == 0 && !w.c.queued() {
		*v = (*v)[:0]
	}
	return total, nil
}

var stagePool = sync.Pool{New: func() any { b := make([]byte, 0, maxRecord); return &b }}

// seal hands up to chunk bytes from the front of *v to crypto/tls, which
// queues the records in the Conn: runs of small slices are gathered into
// one record (copied, a few bytes each), larger slices are sealed where they
// are, at most maxRecord bytes per record.
func (w *Writer) seal(v *[][]byte) error {
	sp := stagePool.Get().(*[]byte)
	stage := (*sp)[:0]
	defer func() { *sp = stage[:0]; stagePool.Put(sp) }()
	flush := func() error {
		if len(stage) == 0 {
			return nil
		}
		_, err := w.tc.Write(stage)
		w.records++
		stage = stage[:0]
		return err
	}
	budget := chunk
	for len(*v) > 0 && budget > 0 {
		b := (*v)[0]
		switch {
		case len(b) == 0:
			*v = (*v)[1:]
		case len(b) < small && len(stage)+len(b) <= maxRecord:
			stage = append(stage, b...)
			*v = (*v)[1:]
			budget -= len(b)
		case len(b) < small || len(stage) > 0:
			// A small slice that does not fit, or a large one after small
			// ones: the gathered record goes first.
			if err := flush(); err != nil {
				return err
			}
		default:
			k := min(len(b), maxRecord, max(budget, 1))
			if _, err := w.tc.Write(b[:k]); err != nil {
				return err
			}
			w.records++
			(*v)[0] = b[k:]
			budget -= k
		}
	}
	return flush()
}
