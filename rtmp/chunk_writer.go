package rtmp

import (
	"io"
	"net"

	"github.com/picosrs/picosrs/internal/nbio"
)

// Chunk writer.
// Specification: spec-rtmp_specification_1.0 section 5.3 (chunking). Every
// message is written as one format-0 chunk followed by format-3 chunks
// (5.3.1.2.1, 5.3.1.2.4); timestamps of 0xffffff and above go in the extended
// timestamp field, which is repeated on every format-3 chunk of the message
// (5.3.1.3), as ffmpeg and librtmp expect.

// ChunkWriter batches messages into chunks and writes a batch with one
// vectored write (net.Buffers, writev on a TCP connection). Chunk headers go
// into a scratch buffer that is reused between batches; message bodies are
// never copied. It is not safe for concurrent use.
type ChunkWriter struct {
	w         io.Writer
	nw        *nbio.Writer // writes with it when set (SetNonblocking)
	chunkSize int
	scratch   []byte
	iov       net.Buffers // queued header and body slices
	out       net.Buffers // what WriteTo consumes (a field, so it does not escape per call)
}

// NewChunkWriter returns a writer of chunks to w with the spec's initial
// chunk size of 128 bytes (section 5.4.1). Give it the net.Conn itself so that
// batches go out with writev.
func NewChunkWriter(w io.Writer) *ChunkWriter {
	return &ChunkWriter{w: w, chunkSize: 128}
}

// SetChunkSize changes the outgoing chunk size for messages queued from now
// on. The caller must have sent Set Chunk Size (section 5.4.1) first.
func (w *ChunkWriter) SetChunkSize(n int) {
	if n < 1 {
		n = 1
	}
	if n > maxChunkSize {
		n = maxChunkSize
	}
	w.chunkSize = n
}

// ChunkSize returns the outgoing chunk size.
func (w *ChunkWriter) ChunkSize() int { return w.chunkSize }

// Buffered reports how many slices are queued.
func (w *ChunkWriter) Buffered() int { return len(w.iov) }

// queuedBytes returns the bytes queued.
func (w *ChunkWriter) queuedBytes() int {
	n := 0
	for _, b := range w.iov {
		n += len(b)
	}
	return n
}

func appendBasicHeader(b []byte, format byte, csid uint32) []byte {
	switch {
	case csid < 64:
		return append(b, format<<6|byte(csid))
	case csid < 320:
		return append(b, format<<6, byte(csid-64))
	default:
		return append(b, format<<6|1, byte(csid-64), byte((csid-64)>>8))
	}
}

// Queue adds m to the batch. The body is referenced, not copied: it must stay
// unchanged until Flush returns. The caller ensures the body is shorter than
// 16 MiB, the largest length a message header can carry (section 5.3.1.2.1).
func (w *ChunkWriter) Queue(m *Message) {
	if w.iov == nil {
		// Room for a batch of answers (a connect's, a play's): the
		// vector does not grow step by step from nothing.
		w.iov = make(net.Buffers, 0, 16)
	}
	start := len(w.scratch)
	w.scratch = AppendMessageHeaders(w.scratch, m.ChunkStreamID, m.Type, m.Timestamp, m.StreamID, len(m.Body), w.chunkSize)
	hdr := w.scratch[start:len(w.scratch):len(w.scratch)]
	w.iov = AppendMessageVector(w.iov, hdr, m.Body, m.ChunkStreamID, m.Timestamp, w.chunkSize)
}

// QueueVector adds slices already cut into chunks (AppendMessageVector) to
// the batch, after anything queued before. Neither the slices nor what they
// point at are copied: they must stay unchanged until the batch is written.
func (w *ChunkWriter) QueueVector(v [][]byte) { w.iov = append(w.iov, v...) }

// SetNonblocking makes the writer write through nw: Flush waits as before,
// TryFlush becomes possible, and one iovec array of bounded size serves
// both.
func (w *ChunkWriter) SetNonblocking(nw *nbio.Writer) { w.nw = nw }

// Flush writes the batch with one vectored write and returns the bytes written.
func (w *ChunkWriter) Flush() (int64, error) {
	if len(w.iov) == 0 {
		return 0, nil
	}
	w.out = w.iov
	n, err := w.writeOut()
	w.reset()
	return n, err
}

// writeOut writes all of w.out, waiting as needed: through the non-blocking
// writer when there is one, else with the vector's own WriteTo.
func (w *ChunkWriter) writeOut() (int64, error) {
	if w.nw != nil {
		return w.nw.WriteAll((*[][]byte)(&w.out))
	}
	return w.out.WriteTo(w.w)
}

// reset empties the batch, and lets go of a vector or scratch buffer that a
// burst (a new player's cached GOP) made large.
func (w *ChunkWriter) reset() {
	clear(w.iov) // drop references to bodies
	w.iov = w.iov[:0]
	w.out = nil
	w.scratch = w.scratch[:0]
	if cap(w.iov) > 16 {
		w.iov = nil // a player's: it needs one only when the socket was full
	}
	if cap(w.scratch) > 2048 {
		w.scratch = nil
	}
}

// WriteVector writes v, slices cut into chunks, after anything still
// queued, waiting as needed. While nothing is queued, v is written from
// where it is, as TryWriteVector does; otherwise the batch is written and
// its vector let go (release). The elements of v may be changed.
func (w *ChunkWriter) WriteVector(v [][]byte) (int64, error) {
	if len(w.iov) > 0 {
		w.QueueVector(v)
		n, err := w.Flush()
		w.release()
		return n, err
	}
	w.out = v
	n, err := w.writeOut()
	w.out = nil
	return n, err
}

// release lets go of the (empty) batch's vector and header scratch, for a
// connection whose next batch may be long in coming: a player's next
// answer, which may never come, keeps none.
func (w *ChunkWriter) release() {
	w.iov, w.scratch = nil, nil
}

// TryWriteVector writes v, slices cut into chunks, after anything still
// queued, as far as the socket takes it without waiting (SetNonblocking
// must have been called); what does not go stays queued, as with TryFlush.
// While nothing is queued, v is written from where it is: the writer keeps
// no vector of its own for a player that keeps up, only for the rest of a
// batch the socket did not take. The elements of v may be changed.
func (w *ChunkWriter) TryWriteVector(v [][]byte) (int64, bool, error) {
	if len(w.iov) > 0 {
		w.QueueVector(v)
		return w.TryFlush()
	}
	w.out = v
	n, err := w.nw.TryWrite((*[][]byte)(&w.out))
	if len(w.out) > 0 {
		w.iov = append(w.iov, w.out...)
	}
	w.out = nil
	return n, len(w.iov) == 0, err
}

// TryFlush writes as much of the batch as the socket takes without waiting
// (SetNonblocking must have been called). It reports whether all of it went;
// what did not stays queued, ahead of any message queued later, for the next
// Flush or TryFlush.
func (w *ChunkWriter) TryFlush() (int64, bool, error) {
	if len(w.iov) == 0 {
		return 0, true, nil
	}
	w.out = w.iov
	n, err := w.nw.TryWrite((*[][]byte)(&w.out))
	if len(w.out) == 0 {
		w.reset()
		return n, true, err
	}
	// Keep the rest at the front of the vector. The headers it points at
	// stay in scratch, which later messages only append to.
	k := copy(w.iov, w.out)
	clear(w.iov[k:])
	w.iov = w.iov[:k]
	w.out = nil
	return n, false, err
}
