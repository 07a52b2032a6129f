// Package websocket is the server side of RFC 6455 that picosrs needs to
// send a live stream as binary messages (WS-FLV, WS-TS): the opening
// handshake's checks and answer (handshake.go), the frame header (frame.go),
// client masking (mask.go), close codes and payloads (close.go), and a
// reader of the client's frames with bounds on everything it reads
// (reader.go). client.go is the client side the tests and the load tool use.
//
// It sits under httpd: httpd upgrades a request on a live mount, writes the
// 101 answer, and then the stream's fan-out writes each batch as one binary
// frame (a 2-10 byte header from AppendHeader before slices of the shared
// packets: the payload is never copied), while the viewer's own goroutine
// reads the client's frames with Reader and answers pings and closes.
//
// It knows nothing of streams or of net/http's server; it only reads
// headers and bytes, returns errors (package-prefixed sentinels) and never
// logs.
package websocket
