package httpd

import "strconv"

// chunked frames a live response: the response header with the first batch
// (as SRS sends it, so a player that waits for a publisher gets no status
// line until media flows), then each batch as one HTTP/1.1 chunk. It is a
// live.Framer; the stream's fan-out and the viewer's goroutine call it one
// at a time.
type chunked struct {
	head []byte // the response header
	sent bool   // head has gone out
	size [20]byte
}

var crlf = []byte("\r\n")

// Frame returns the header (first batch only), the chunk size line and the
// chunk's closing CRLF for a batch of n bytes.
func (c *chunked) Frame(n int) (head0, head1, tail []byte) {
	if !c.sent {
		head0, c.sent = c.head, true
	}
	if n > 0 {
		sz := strconv.AppendInt(c.size[:0], int64(n), 16)
		head1, tail = append(sz, '\r', '\n'), crlf
	}
	return head0, head1, tail
}

// end returns what finishes the response cleanly: the header if it never
// went out, then the terminating chunk.
func (c *chunked) end() [][]byte {
	var v [][]byte
	if !c.sent {
		v = append(v, c.head)
		c.sent = true
	}
	return append(v, []byte("0\r\n\r\n"))
}
