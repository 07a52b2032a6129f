// Package access decides who may come in, before a publisher or player gets
// anything: the IP rules of SRS's `security` block. The RTMP server (live)
// and the HTTP room (httpd) ask it with the client's address and what the
// client wants to do; it holds no connection state and never logs.
package access
