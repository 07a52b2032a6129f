package websocket

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// Errors of the client side.
var (
	ErrHandshakeRefused = errors.New("websocket: handshake refused")
	ErrServerMasked     = errors.New("websocket: server frame masked")
)

// ClientHandshake sends the opening handshake for path on conn (with Host
// host and the extra header lines given) and reads the answer. It returns a
// reader positioned after the answer (frames may already be buffered in
// it) and the answer itself. A status other than 101, or a 101 with a wrong
// Sec-WebSocket-Accept, is ErrHandshakeRefused (the response is returned
// too, its body unread).
func ClientHandshake(conn net.Conn, host, path string, extra http.Header) (*bufio.Reader, *http.Response, error) {
	var raw [16]byte
	rand.Read(raw[:])
	key := base64.StdEncoding.EncodeToString(raw[:])
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: %s\r\n", path, host, key, Version)
	for k, vs := range extra {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("\r\n")
	if _, err := io.WriteString(conn, b.String()); err != nil {
		return nil, nil, err
	}
	br := bufio.NewReaderSize(conn, 64<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return nil, resp, fmt.Errorf("%w: %s", ErrHandshakeRefused, resp.Status)
	}
	if got := resp.Header.Get("Sec-Websocket-Accept"); got != AcceptKey(key) {
		return nil, resp, fmt.Errorf("%w: Sec-WebSocket-Accept %q", ErrHandshakeRefused, got)
	}
	return br, resp, nil
}

// AppendClientFrame appends a final, masked frame (as a client must send
// it) with opcode op, payload p and masking key key.
func AppendClientFrame(dst []byte, op Opcode, p []byte, key [4]byte) []byte {
	dst = AppendHeader(dst, Header{Fin: true, Opcode: op, Masked: true, Mask: key, Length: uint64(len(p))})
	n := len(dst)
	dst = append(dst, p...)
	MaskBytes(key, 0, dst[n:])
	return dst
}

// MessageReader reads the payload of the server's binary messages as one
// byte stream, frame headers taken out: the bytes an HTTP response body
// would carry. Ping and pong frames are skipped; a close frame ends the
// stream with io.EOF and its status is kept (Close). It copies nothing: Read
// reads the payload straight into the caller's buffer.
type MessageReader struct {
	r      io.Reader
	left   uint64 // payload bytes of the current data frame still to read
	hdr    [MaxHeaderSize]byte
	ctrl   [MaxControlPayload]byte
	closed bool
	code   uint16
	reason string
	frames uint64
}

// NewMessageReader returns a MessageReader of the server frames on r.
func NewMessageReader(r io.Reader) *MessageReader { return &MessageReader{r: r} }

// Close returns the status and reason of the server's close frame, and
// whether one came.
func (m *MessageReader) Close() (code uint16, reason string, ok bool) {
	return m.code, m.reason, m.closed
}

// Frames is the number of data frames read so far.
func (m *MessageReader) Frames() uint64 { return m.frames }

// Read reads payload bytes of binary messages.
func (m *MessageReader) Read(p []byte) (int, error) {
	for m.left == 0 {
		if m.closed {
			return 0, io.EOF
		}
		h, err := ReadHeader(m.r, &m.hdr)
		if err != nil {
			return 0, err
		}
		switch {
		case h.Masked:
			return 0, ErrServerMasked
		case h.RSV != 0 || !h.Opcode.known():
			return 0, ErrReserved
		case h.Opcode == OpText:
			return 0, ErrText
		case h.Opcode.IsControl():
			if !h.Fin || h.Length > MaxControlPayload {
				return 0, ErrBadControl
			}
			c := m.ctrl[:h.Length]
			if _, err := io.ReadFull(m.r, c); err != nil {
				return 0, unexpected(err)
			}
			if h.Opcode == OpClose {
				code, reason, err := ParseClose(c)
				if err != nil {
					return 0, err
				}
				m.closed, m.code, m.reason = true, code, string(reason)
			}
			continue
		}
		m.frames++
		m.left = h.Length
	}
	if uint64(len(p)) > m.left {
		p = p[:m.left]
	}
	n, err := m.r.Read(p)
	m.left -= uint64(n)
	if err == io.EOF && m.left > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
