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
//	                  (Flash digest, schemes 0 and 1); a C0 other than 3
//	                  fails on its own, before C1
//	chunk_reader.go   chunks -> messages (section 5.3): formats 0-3, 1-3 byte
//	                  basic headers, extended timestamps, Set Chunk Size and
//	                  Abort; bounded message size (commands and control
//	                  smaller than media) and chunk stream count; one fresh
//	                  allocation per message body, nothing per chunk; 28
//	                  bytes of state per chunk stream
//	chunk_writer.go   messages -> chunks: format 0 + format 3, a batch of
//	                  messages in one writev, bodies never copied, header
//	                  scratch reused
//	message.go        message types, protocol control and user control bodies
//	                  (sections 5.4, 6.2, 7.1)
//	conn.go           Conn: protocol control handling (acknowledgements, ping),
//	                  ReadTag (media, @setDataFrame, aggregate messages),
//	                  WriteTags; write deadlines (see Conn)
//	server.go         Accept, ReadRequest (connect ... publish/play, section
//	                  7.2), AcceptPublish/AcceptPlay and their rejections,
//	                  ServePlayerInput
//	answer.go         the Conn's own answers, encoded into lent buffers
//	read_buffer.go    the read buffers: small until publish, lent to a
//	                  player only while it has sent something
//	limits.go         what a client may make the server hold before publish
//	                  or play: message size, bytes, messages, answers; name
//	                  lengths
//	client.go         Dial, Play, Publish
//	url.go            RTMP URL and tcUrl splitting as SRS does it
//
// Data flow on the server: net.Conn -> bufio.Reader -> ChunkReader ->
// Conn.readMessage (control handled) -> ReadRequest / ReadTag -> flv.Tag.
// A tag's Data is the message body, freshly allocated, which the live server
// shares as immutable. Outgoing: WriteTags -> ChunkWriter (headers in a
// reused scratch buffer, bodies referenced) -> net.Buffers.WriteTo (writev).
//
// A player keeps only what it needs while it plays: AcceptPlay drops the
// request phase's state (serverSetup), the read buffer and the chunk
// reader's spare room, and the Conn's own writes keep no vector or header
// scratch; a client's state (clientSide) is apart too. A playing player's
// Conn, chunk reader and writer take about 500 bytes. Until it publishes or
// plays, a connection reads with a 256-byte buffer and borrows its
// handshake's blocks only while it computes the answer (read_buffer.go,
// handshake.go), so a burst of players being set up at once holds little
// each; a publisher reads media with 4 KB.
//
// Before publish or play is granted nobody knows who the client is, so
// ReadRequest gives it a fixed budget (limits.go): about 33 KiB held per
// connection, 64 KiB read, 64 messages, 8 KiB of answers, one connect; the
// AMF0 decoder allocates at most 20 bytes per byte it decodes. Every write
// the Conn makes on its own has a deadline; media writes leave theirs to the
// caller.
//
// Logging: the package never logs, except debug-level protocol detail through
// the optional *textlog.Logger in ServerConfig or DialConfig.
package rtmp
