// Package rtmp implements the RTMP protocol for picosrs: the server side that
// publishers and players connect to, and the client side used for edge pull,
// forward push and tests.
//
// Specification: spec-rtmp_specification_1.0 (Adobe, December 2012); section
// numbers in comments refer to it.
//
// The package is layered; each layer is a file that can be tested and fuzzed
// alone:
//
//	handshake.go      C0/C1/C2 and S0/S1/S2 (section 5.2), simple and complex
//	                  (Flash digest, schemes 0 and 1)
//	chunk_reader.go   chunks -> messages (section 5.3): formats 0-3, 1-3 byte
//	                  basic headers, extended timestamps, Set Chunk Size and
//	                  Abort; bounded message size and chunk stream count; one
//	                  fresh allocation per message body, nothing per chunk
//	chunk_writer.go   messages -> chunks: format 0 + format 3, a batch of
//	                  messages in one writev, bodies never copied, header
//	                  scratch reused
//	message.go        message types, protocol control and user control bodies
//	                  (sections 5.4, 6.2, 7.1)
//	conn.go           Conn: protocol control handling (acknowledgements, ping),
//	                  ReadTag (media, @setDataFrame, aggregate messages),
//	                  WriteTags
//	server.go         Accept, ReadRequest (connect ... publish/play, section
//	                  7.2), AcceptPublish/AcceptPlay and their rejections,
//	                  ServePlayerInput
//	client.go         Dial, Play, Publish
//	url.go            RTMP URL and tcUrl splitting as SRS does it
//
// Data flow on the server: net.Conn -> bufio.Reader -> ChunkReader ->
// Conn.readMessage (control handled) -> ReadRequest / ReadTag -> flv.Tag.
// A tag's Data is the message body, freshly allocated, which the live server
// shares as immutable. Outgoing: WriteTags -> ChunkWriter (headers in a
// reused scratch buffer, bodies referenced) -> net.Buffers.WriteTo (writev).
//
// Logging: the package never logs, except debug-level protocol detail through
// the optional *slog.Logger in ServerConfig or DialConfig.
package rtmp
