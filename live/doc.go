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
//	  -> the stream's fan-out (fanout.go) goes round its consumers, a large
//	     round split over several goroutines (fanout_split.go)
//	  -> Consumer.flush (consumer_write.go): pull the next packets from the
//	     ring (consumer.go), encode them as slices of the shared packets
//	     (remux_*.go), write them with a writev that never waits through
//	     the viewer's Sink (sink_conn.go: a socket with HTTP or WebSocket
//	     framing; sink_rtmp.go: an RTMP connection)
//	  -> a socket that is full hands the viewer to its own goroutine
//	     (Consumer.run), which waits for it, catches up and hands it back.
//
// Players of any transport attach through Server.Play (play.go, viewer.go);
// the RTMP server (rtmp_server.go) serves publishers and RTMP players;
// edge.go pulls a stream from origins for an edge's players, over RTMP
// (upstream_rtmp.go) or HTTP-FLV (upstream_flv.go), and writes its tags into
// the stream as a publisher's; forward.go pushes one to other servers. On an
// origin of an origin cluster, Play first finds a stream not published here
// on the coworkers (coworkers.go) and answers with a RedirectError
// (redirect.go). No goroutine waits on a caught-up player: an
// RTMP player (rtmp_player.go: what it holds while it plays, in one piece)
// is read only when it has sent something, through internal/netwatch, and
// httpd notices an HTTP player's hang-up the same way.
//
// Who may come in is asked before anything is attached (package access):
// the security rules and the signed URL, then the vhost's http_hooks
// (hooks.go: on_connect and on_close around an RTMP connection, on_publish
// before a publish is accepted and on_unpublish once the stream is free,
// on_play in Server.Play and on_stop in Viewer.Close). A hook runs on the
// goroutine of the client it is about and holds no lock, so a slow hook
// service delays that client only; the end notifications run on the
// client's goroutine (a player's: the one that ends it), which Shutdown
// waits for.
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
// A TLS viewer's sink (sink_conn.go through internal/tlsconn) takes, under
// Consumer.wmu, crypto/tls's write lock and inside it tlsconn.Conn.mu, its
// record queue, never the other way round (internal/tlsconn's tests run it
// under the race detector).
//
// clients.mu (the client registry), coworkers.mu (the origin cluster's
// answers) and Server.lnMu (the listeners and the start of the shutdown:
// server.go's join counts a new connection or viewer under it) are leaves: nothing is taken under them, and a lookup asks the
// coworkers with no lock held. So is the log's output lock (internal/textlog:
// held only around one Write of a whole line), taken under any lock that logs
// (countLog.mu). So is the hls.Store's lock, which HTTP
// requests for HLS take alone. The disk writer's error callback (hls.go)
// takes Stream.mu alone, on its goroutine. An edge's HLS lease (hls_edge.go)
// takes Stream.mu alone, and gives its share of the pull back
// (Server.edgesMu) only after releasing it.
//
// The fan-out holds Stream.mu for reading over a run of 32 consumers and
// only tries their Consumer.wmu under it (TryLock, which never waits), so it
// cannot deadlock with a viewer's goroutine that holds wmu and waits for
// Stream.mu. TestLockOrder runs every nesting above at once under the race
// detector.
package live
