package rtmp

import (
	"bufio"
	"bytes"
	"sync"
)

// Read buffers. A server's connection reads the handshake and the commands
// with a small buffer lent by smallReaders, as large as a command's chunks
// need: a burst of a thousand players being set up at once (a room after
// its publisher starts, the load tool's ramp) holds a thousand of them. A
// player gives it back once it plays and has handled what it sent with play
// (AcceptPlay, returnReader), and borrows one again only while it has sent
// something (ServeBufferedPlayerInput). A publisher reads media with a 4 KB
// buffer from AcceptPublish on (growReader), as a client does from Dial.

// smallReadBuffer is the read buffer of a server's connection until it
// publishes: the handshake's blocks are read past it, a command comes in
// chunks of 128 bytes until the client sets a larger chunk size, and a
// player sends only small control and command messages.
const smallReadBuffer = 256

// mediaReadBuffer is the read buffer of a connection that reads media: a
// publisher's, a client's.
const mediaReadBuffer = 4 << 10

var (
	smallReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, smallReadBuffer) }}
	mediaReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, mediaReadBuffer) }}
)

// recycleReader gives a read buffer no longer used back to the pool of its
// size.
func recycleReader(br *bufio.Reader) {
	pool := &smallReaders
	switch br.Size() {
	case smallReadBuffer:
	case mediaReadBuffer:
		pool = &mediaReaders
	default:
		return
	}
	br.Reset(nil)
	pool.Put(br)
}

// borrowReader gives a player's connection a read buffer if it has none.
func (c *Conn) borrowReader() {
	if c.br == nil {
		br := smallReaders.Get().(*bufio.Reader)
		br.Reset(countingReader{c.nc, c})
		c.br, c.cr.r = br, br
	}
}

// returnReader gives the read buffer back once nothing is left in it, and
// lets go of the chunk reader's spare room.
func (c *Conn) returnReader() {
	if c.br == nil || c.br.Buffered() > 0 {
		return
	}
	recycleReader(c.br)
	c.br, c.cr.r = nil, nil
	c.cr.Compact()
}

// growReader gives a connection that starts publishing the 4 KB buffer it
// reads media with. What the small one holds already (the publisher's
// first tags often come behind publish) is read first.
func (c *Conn) growReader() {
	if c.br == nil || c.br.Size() >= mediaReadBuffer {
		return
	}
	br := mediaReaders.Get().(*bufio.Reader)
	if n := c.br.Buffered(); n > 0 {
		rest, _ := c.br.Peek(n)
		br.Reset(&prefixReader{rest: bytes.Clone(rest), r: countingReader{c.nc, c}})
	} else {
		br.Reset(countingReader{c.nc, c})
	}
	recycleReader(c.br)
	c.br, c.cr.r = br, br
}

// prefixReader reads rest, then r.
type prefixReader struct {
	rest []byte
	r    countingReader
}

func (p *prefixReader) Read(b []byte) (int, error) {
	if len(p.rest) > 0 {
		n := copy(b, p.rest)
		p.rest = p.rest[n:]
		if len(p.rest) == 0 {
			p.rest = nil
		}
		return n, nil
	}
	return p.r.Read(b)
}

// InputBuffered reports how many bytes the peer sent that c has read from
// the socket but not handled yet.
func (c *Conn) InputBuffered() int {
	if c.br == nil {
		return 0
	}
	return c.br.Buffered()
}
