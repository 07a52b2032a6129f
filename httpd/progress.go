package httpd

import (
	"io"
	"math"
	"net/http"
	"time"
)

// progressChunk bounds what one write of a static body may carry between
// two moves of the deadline: at 2 KB/s a client still takes a chunk well
// within the default write_timeout.
const progressChunk = 64 << 10

// progressWriter gives a static response a write deadline that moves with
// progress: the response may take as long as it needs, but a client that
// takes nothing for the write timeout is dropped, freeing its connection
// (a client that asks for a big file and never reads would otherwise hold
// it, and a max_connections slot, for as long as it stays connected).
// Bodies are written in chunks of progressChunk, through the connection's
// ReadFrom when it has one, so files still go out with sendfile.
type progressWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	moved   time.Time
}

func newProgressWriter(w http.ResponseWriter, timeout time.Duration) *progressWriter {
	return &progressWriter{ResponseWriter: w, rc: http.NewResponseController(w), timeout: timeout}
}

// extend moves the deadline timeout (and the second it may be moved late)
// ahead, at most once a second: a client that takes nothing is dropped
// between timeout and timeout+1s after its last progress.
func (p *progressWriter) extend() {
	if now := time.Now(); now.Sub(p.moved) >= time.Second {
		p.moved = now
		p.rc.SetWriteDeadline(now.Add(p.timeout + time.Second)) // not supported by test recorders: ignored
	}
}

func (p *progressWriter) Write(b []byte) (int, error) {
	n := 0
	for len(b) > 0 {
		p.extend()
		k, err := p.ResponseWriter.Write(b[:min(len(b), progressChunk)])
		n += k
		if err != nil {
			return n, err
		}
		b = b[k:]
	}
	return n, nil
}

// ReadFrom copies src in chunks, each through the response's own ReadFrom
// (sendfile for a file, also when src is a LimitedReader around one, as
// http.ServeContent passes it).
func (p *progressWriter) ReadFrom(src io.Reader) (int64, error) {
	rf, ok := p.ResponseWriter.(io.ReaderFrom)
	if !ok {
		return io.Copy(writeOnly{p}, src)
	}
	lr, ok := src.(*io.LimitedReader)
	if !ok {
		lr = &io.LimitedReader{R: src, N: math.MaxInt64}
	}
	var total int64
	for lr.N > 0 {
		p.extend()
		want := min(lr.N, progressChunk)
		n, err := rf.ReadFrom(&io.LimitedReader{R: lr.R, N: want})
		total += n
		lr.N -= n
		if err != nil || n < want {
			return total, err
		}
	}
	return total, nil
}

// Unwrap lets http.ResponseController reach the response underneath.
func (p *progressWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// writeOnly hides every method but Write, so io.Copy cannot loop back into
// ReadFrom.
type writeOnly struct{ io.Writer }
