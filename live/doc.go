// Package live is the stream core of picosrs: the registry of streams and
// clients, the RTMP server, and the fan-out that copies each published tag
// to every viewer of every format without copying its payload.
//
// # The flow of one tag
//
//	rtmp.Conn.ReadTag (publisher, edge pull)
//	  -> Stream.WriteTag (ingest.go): time_jitter, then the tag is serialised
//	     once for every format (packet.go: FLV tag header, RTMP chunk
//	     headers; codecs.go: ADTS header; ts_muxer.go: TS packets), pushed
//	     to the stream's ring (ring.go), marked in the GOP cache (gop.go)
//	  -> the stream's fan-out (fanout.go) goes round its consumers
//	  -> Consumer.flush (consumer_write.go): pull the next packets from the
//	     ring (consumer.go), encode them as slices of the shared packets
//	     (remux_*.go), write them with a writev that never waits through
//	     the viewer's Sink (sink_conn.go: a socket with HTTP or WebSocket
//	     framing; sink_rtmp.go: an RTMP connection)
//	  -> a socket that is full hands the viewer to its own goroutine
//	     (Consumer.run), which waits for it, catches up and hands it back.
//
// Players of any transport attach through Server.Play (viewer.go); the RTMP
// server (rtmp_server.go) serves publishers and RTMP players; edge.go pulls
// a stream from origins for an edge's players; forward.go pushes one to
// other servers.
//
// # Who owns what
//
//   - A Packet belongs to its stream's ring and is immutable once pushed:
//     every consumer of every format shares it (only the TS bytes of the
//     cached GOP are filled in later, once, under the stream lock, before any
//     TS consumer exists).
//   - A Stream's fields are guarded by Stream.mu; the GOP cache, the ring and
//     the codec state are the stream's own.
//   - A Consumer's cursor is its position in the ring: it moves only under
//     the stream lock, by whoever holds Consumer.wmu. The write side (encoder,
//     sink, batch, pending bytes) belongs to whoever holds Consumer.wmu: the
//     viewer's goroutine, or the fan-out for one turn (it only try-locks).
//   - The Server owns the registries (streams, clients, edge pulls).
//
// # Lock order
//
// A lock may be taken while holding the ones above it in its column, never
// the other way round:
//
//	Server.edgesMu            the edge pulls      (edge.go)
//	  Server.mu               the stream registry (server.go; removeIfIdle reads Stream.idle)
//	    Stream.mu             a stream            (stream.go, ingest.go, consumer.go)
//	      countLog.mu         a rate-limited log  (countlog.go)
//	      hls.Store's lock    every HLS window    (hls.go: a segment cut)
//
//	Consumer.wmu              a viewer's writes   (consumer_write.go; pull reads the stream)
//	  Stream.mu
//	  rtmp.Conn's write lock  an RTMP viewer's socket (sink_rtmp.go)
//
// clients.mu (the client registry) is a leaf: nothing is taken under it; so
// is the hls.Store's lock, which HTTP requests for HLS take alone. The disk
// writer's error callback (hls.go) takes Stream.mu alone, on its goroutine.
// The fan-out takes Stream.mu only to copy the consumer list, and calls
// Consumer.flush without it. TestLockOrder runs every nesting above at
// once under the race detector.
package live
