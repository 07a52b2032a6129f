package rtmp

import (
	"fmt"

	"github.com/picosrs/picosrs/flv"
)

// Media written as chunk vectors. A live server builds the chunk headers of
// each published message once (AppendMessageHeaders) and writes them, with
// the shared bodies, to every player whose MediaParams match: no header is
// built and no body copied per player.

// MediaChunkStream returns the chunk stream and message type picosrs sends a
// tag of type t on (audio, video and data each on their own, as SRS does),
// or false for a type that is not sent.
func MediaChunkStream(t flv.TagType) (csid uint32, typ MessageType, ok bool) {
	switch t {
	case flv.TagAudio:
		return csidAudio, TypeAudio, true
	case flv.TagVideo:
		return csidVideo, TypeVideo, true
	case flv.TagScript:
		return csidData, TypeDataAMF0, true
	}
	return 0, 0, false
}

// MediaParams returns what chunk vectors written to c must be built for: the
// message stream id the peer plays or publishes on, and c's outgoing chunk
// size. They do not change once play or publish has started.
func (c *Conn) MediaParams() (streamID uint32, chunkSize int) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.streamID, c.cw.ChunkSize()
}

// PublishesTo reports whether c is a client that publishes: its data
// messages must then carry "@setDataFrame" ahead of onMetaData.
func (c *Conn) PublishesTo() bool { return c.isClient() }

// WriteVector writes v, chunk vectors built for c's MediaParams, after
// anything TryWriteVector left, waiting as needed. The slices and what they
// point at are not copied and must stay unchanged until it returns; v itself
// is not kept, and its elements may be changed.
func (c *Conn) WriteVector(v [][]byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	n, err := c.cw.WriteVector(v)
	c.bytesOut.Add(uint64(n))
	if err != nil {
		return fmt.Errorf("rtmp: write: %w", err)
	}
	return nil
}

// TryWriteVector queues v as WriteVector does and writes what the socket
// takes without waiting. It reports whether everything queued went out;
// what did not stays queued, ahead of any later write, and FlushWrites (or
// any later write) sends it. It never waits for another writer either: when
// the reading side is answering the peer it queues nothing and returns
// ErrBusy. A connection that cannot be written without waiting reports false
// at once. The elements of v may be changed; v itself is not kept.
func (c *Conn) TryWriteVector(v [][]byte) (bool, error) {
	if !c.wmu.TryLock() {
		return false, ErrBusy
	}
	defer c.wmu.Unlock()
	if c.nbw == nil {
		c.cw.QueueVector(v)
		return false, nil
	}
	n, done, err := c.cw.TryWriteVector(v)
	c.bytesOut.Add(uint64(n))
	if err != nil {
		return false, fmt.Errorf("rtmp: write: %w", err)
	}
	return done, nil
}
