package live

import (
	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// setDataFrame is the AMF0 string "@setDataFrame", which a client that
// publishes puts ahead of onMetaData.
var setDataFrame = []byte("\x02\x00\x0d@setDataFrame")

// rtmpEncoder writes RTMP: each packet as its chunk headers and its body cut
// into chunks, slices of the shared packet. A player that plays on message
// stream 1 with the stream's chunk size (every player picosrs serves, in
// practice) gets the chunk headers the stream built once for all; any other
// gets its own, built into the encoder's scratch buffer. A connection that
// publishes to another server (forward, an edge's publish to its origin)
// gets onMetaData behind "@setDataFrame", a small copy of the metadata only.
type rtmpEncoder struct {
	streamID  uint32
	chunkSize int
	shared    bool // streamID and chunkSize are the shared headers' own
	publish   bool
	scratch   []byte
	meta      []byte // the last "@setDataFrame" body built, and its source
	metaOf    *Packet
}

func newRTMPEncoder(c *rtmp.Conn, streamChunkSize int) *rtmpEncoder {
	e := &rtmpEncoder{}
	e.init(c, streamChunkSize)
	return e
}

// init sets e up for c, whose stream's shared headers are cut at
// streamChunkSize (an encoder held by value: rtmpPlayer).
func (e *rtmpEncoder) init(c *rtmp.Conn, streamChunkSize int) {
	id, cs := c.MediaParams()
	*e = rtmpEncoder{
		streamID: id, chunkSize: cs, publish: c.PublishesTo(),
		shared: id == rtmpSharedStreamID && cs == streamChunkSize,
	}
}

func (e *rtmpEncoder) encode(bufs [][]byte, batch []*Packet) ([][]byte, error) {
	e.scratch = e.scratch[:0]
	for _, p := range batch {
		csid, typ, ok := rtmp.MediaChunkStream(p.Type)
		if !ok {
			continue
		}
		body := p.Data
		if e.publish && p.Type == flv.TagScript && p.IsMetadata() {
			if e.metaOf != p {
				e.meta = append(append(e.meta[:0:0], setDataFrame...), p.Data...)
				e.metaOf = p
			}
			body = e.meta
		}
		hdr := p.rtmpHead
		if !e.shared || len(body) != len(p.Data) || hdr == nil {
			start := len(e.scratch)
			e.scratch = rtmp.AppendMessageHeaders(e.scratch, csid, typ, p.Timestamp, e.streamID, len(body), e.chunkSize)
			hdr = e.scratch[start:]
		}
		bufs = rtmp.AppendMessageVector(bufs, hdr, body, csid, p.Timestamp, e.chunkSize)
	}
	if cap(e.scratch) > 4096 {
		e.scratch = nil // after a burst of unshared headers; the vector still points at it
	}
	return bufs, nil
}
