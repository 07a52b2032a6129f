// Package access decides who may come in, before a publisher or player gets
// anything:
//
//   - ipacl.go: the IP rules of SRS's `security` block;
//   - sign*.go: signed URLs (the picosrs `secure_link` block): an expiry and
//     an HMAC-SHA256 of vhost/app/stream (and the client's IP) in the
//     publish or play URL's query, checked with no service to ask;
//   - hooks*.go: SRS's `http_hooks`: the JSON body SRS posts for each event
//     (hooks.go) and the client that posts it to the operator's service and
//     judges its answer (hooks_client.go).
//
// The stream core (live) asks it when an RTMP client connects, publishes or
// plays and when a player of any transport attaches (the HTTP room's players
// come through live.Server.Play), and tells the hook service when they
// leave. It sits below live and httpd and imports nothing of theirs; it
// holds no connection state and never logs: it returns errors that name
// what refused the client (a *HookError carries the URL, the status and the
// start of the answer) for the servers to log.
package access
