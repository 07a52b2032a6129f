// Package tlsconn serves TLS (HTTPS, wss://) so that the live fan-out can
// write a TLS viewer the way it writes a plain one: a batch in as few TLS
// records as possible, the records written with a writev that never waits
// (internal/nbio), and what the socket did not take kept for the viewer's
// own goroutine.
//
// crypto/tls writes each record to the connection underneath as soon as it
// is sealed, and would wait on a full socket. So main wraps every accepted
// TCP connection of an HTTPS listener in a Conn (NewListener) before
// crypto/tls sees it. Until a live viewer takes the connection over, a Conn
// passes writes through (the handshake, ordinary HTTP answers). Once
// live.ConnSink takes it (NewWriter), every record crypto/tls writes, from
// the viewer's batches or from crypto/tls itself (an alert, a key update),
// is queued in the Conn in order, and the Writer puts the queue on the
// socket.
//
// Encryption is per viewer by nature (each connection has its own keys):
// the Writer gathers small slices (framing, FLV tag headers, small audio
// tags) into one record and hands large payload slices to crypto/tls as
// they are, so the shared payload is read in place by the cipher rather
// than copied per viewer first.
package tlsconn
