package websocket

import (
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
)

// The opening handshake's errors (RFC 6455 section 4.2.1). The server
// answers each with 400, ErrVersion with 426 and the version it speaks.
var (
	ErrMethod     = errors.New("websocket: handshake: method is not GET")
	ErrHTTPVer    = errors.New("websocket: handshake: HTTP/1.1 or later required")
	ErrConnection = errors.New("websocket: handshake: Connection does not include Upgrade")
	ErrVersion    = errors.New("websocket: handshake: Sec-WebSocket-Version is not 13")
	ErrKey        = errors.New("websocket: handshake: missing or malformed Sec-WebSocket-Key")
)

// Version is the protocol version this package speaks, sent back in
// Sec-WebSocket-Version with a 426 answer.
const Version = "13"

// keyGUID is appended to the client's key to make the accept value
// (section 1.3).
const keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// IsUpgrade reports whether a request asks to become a WebSocket: its
// Upgrade header lists the token "websocket" (case-insensitive). Such a
// request is checked with CheckHandshake; any other is plain HTTP.
func IsUpgrade(h http.Header) bool { return hasToken(h["Upgrade"], "websocket") }

// CheckHandshake checks a request that IsUpgrade as RFC 6455 section 4.2.1
// asks: a GET of HTTP/1.1 or later, Connection listing "Upgrade",
// Sec-WebSocket-Version 13 and a Sec-WebSocket-Key that is 16 bytes in
// base64. It returns the key.
func CheckHandshake(method string, major, minor int, h http.Header) (string, error) {
	switch {
	case method != http.MethodGet:
		return "", ErrMethod
	case major < 1 || (major == 1 && minor < 1):
		return "", ErrHTTPVer
	case !hasToken(h["Connection"], "upgrade"):
		return "", ErrConnection
	}
	if v := h["Sec-Websocket-Version"]; len(v) != 1 || strings.TrimSpace(v[0]) != Version {
		return "", ErrVersion
	}
	k := h["Sec-Websocket-Key"]
	if len(k) != 1 {
		return "", ErrKey
	}
	key := strings.TrimSpace(k[0])
	if len(key) != 24 {
		return "", ErrKey
	}
	var raw [18]byte
	if n, err := base64.StdEncoding.Decode(raw[:], []byte(key)); err != nil || n != 16 {
		return "", ErrKey
	}
	return key, nil
}

// AcceptKey is the Sec-WebSocket-Accept value for a client's key: the
// base64 SHA-1 of the key and the protocol's GUID (section 4.2.2).
func AcceptKey(key string) string {
	s := sha1.Sum([]byte(key + keyGUID))
	return base64.StdEncoding.EncodeToString(s[:])
}

// AppendAccept appends the server's 101 answer for key, with the extra
// header lines given (each "Name: value", without CRLF).
func AppendAccept(dst []byte, key string, extra ...string) []byte {
	dst = append(dst, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "...)
	dst = append(dst, AcceptKey(key)...)
	dst = append(dst, "\r\n"...)
	for _, e := range extra {
		dst = append(append(dst, e...), "\r\n"...)
	}
	return append(dst, "\r\n"...)
}

// hasToken reports whether a comma-separated header lists tok
// (case-insensitive).
func hasToken(values []string, tok string) bool {
	for _, v := range values {
		for len(v) > 0 {
			var t string
			t, v, _ = strings.Cut(v, ",")
			if strings.EqualFold(strings.TrimSpace(t), tok) {
				return true
			}
		}
	}
	return false
}
