// Package httpd is the HTTP room: everything picosrs serves on http_server's
// port. A request is routed the way SRS's HTTP stream mux routes it (routing.go).
// An HLS playlist or segment URL of a vhost with HLS comes first (hls.go): it
// is answered from the HLS store the stream core keeps (the HLSSource
// interface *live.Server also has; a segment is written from the stream's
// shared TS bytes, and on an edge a playlist request starts the pull). Then
// a URL that names a live mount goes to live.Server (live.go: the player
// attaches through live.Server.Play, its connection is hijacked and the
// stream's fan-out writes it with HTTP chunked framing, chunked.go, or, after
// a WebSocket upgrade, a binary frame per batch, ws*.go); anything else is
// the player page and its stream list (player.go), a static file
// (static.go), an FLV file played from an offset (vod.go) or the index page
// (index.go). Over HTTPS (main's TLS listener) every one of them is the
// same. On an origin of an origin cluster, a player of a stream published on
// a coworker gets a 302 to the same path there (cluster.go).
//
// It talks to the stream core only through the Streams interface, and holds
// no stream state of its own: the stream core knows nothing of URLs, mounts
// or files.
package httpd
