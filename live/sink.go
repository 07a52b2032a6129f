package live

import "time"

// Sink is where a viewer's encoded bytes go: a socket with a transport's
// framing (ConnSink: HTTP chunked encoding, WebSocket frames), or an RTMP
// connection (rtmpSink). The consumer's write lock makes the calls one at a
// time.
//
// A batch v holds the payload in v[2:]: slices that point into packets
// shared by every viewer, never to be written. v[0] and v[1] are empty slots
// the sink may fill with framing that goes before the payload, and it may
// append framing after it.
type Sink interface {
	// Write sends the batch, waiting as long as the connection needs (up to
	// the write timeout).
	Write(v [][]byte) error
	// TryWrite sends what the connection takes now without waiting and
	// reports whether all of it went; the sink keeps the rest (slice
	// headers, never payload) for Finish. now is the fan-out round's clock.
	TryWrite(v [][]byte, now time.Time) (bool, error)
	// Finish writes what TryWrite left, waiting as needed.
	Finish() error
}
