// Package hls cuts a live stream's MPEG-TS output into HTTP Live Streaming
// media segments (RFC 8216) and keeps, per stream, a bounded window of them
// with its media playlist, in memory, on disk, or both.
//
// # The flow
//
//	live.Stream.WriteTag (under the stream lock)
//	  -> Segmenter.Write(Unit): the TS packets of one tag, by reference
//	     (segmenter.go): a segment is cut at the first video keyframe once
//	     hls_fragment*hls_td_ratio has passed (audio-only streams on time)
//	  -> Window.push (window.go): the closed segment joins the stream's
//	     window, the oldest leave it (hls_window seconds, hls_max_size bytes),
//	     the playlist is rendered once (playlist.go) and the URL paths of the
//	     playlist and segments are indexed (store.go)
//	  -> httpd looks a URL path up in the Store and writes the playlist bytes,
//	     or a segment as a vector of the shared TS slices (no payload copy)
//	  -> with hls_storage disk (or both), a goroutine per window writes the
//	     segment files, the playlist (atomically) and removes old segments
//	     (disk.go), off the stream's lock.
//
// # Who owns what
//
// A Unit's TS bytes are immutable and shared with every HTTP-TS viewer of
// the stream: a Segment keeps references to them and never writes them. A
// Segmenter belongs to its caller, who serialises every call (the stream
// lock). The Store's lock guards the index and every Window's published
// state (its segments, playlist, counters); it is a leaf: nothing else is
// locked while it is held, and it is held only for a map lookup, the copy
// of a slice header or a segment cut, never for I/O.
//
// The package knows nothing of FLV, RTMP, HTTP or the stream core, and never
// logs: disk errors go to the Config's OnError callback.
package hls
