package websocket

import (
	"encoding/binary"
	"errors"
	"unicode/utf8"
)

// Close status codes (RFC 6455 section 7.4.1).
const (
	CloseNormal          uint16 = 1000
	CloseGoingAway       uint16 = 1001
	CloseProtocolError   uint16 = 1002
	CloseUnsupportedData uint16 = 1003
	CloseNoStatus        uint16 = 1005 // never sent: no code in a close frame
	CloseInvalidPayload  uint16 = 1007
	ClosePolicyViolation uint16 = 1008
	CloseTooBig          uint16 = 1009
	CloseInternalError   uint16 = 1011
)

// ErrBadClose: a close frame whose payload is one byte, carries a code that
// may not be sent, or a reason that is not UTF-8 (section 5.5.1, 7.4).
var ErrBadClose = errors.New("websocket: bad close frame payload")

// ValidCloseCode reports whether code may appear in a close frame (section
// 7.4.1 and 7.4.2: 1000-1003, 1007-1011 and 3000-4999).
func ValidCloseCode(code uint16) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1011:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// AppendCloseFrame appends an unmasked close frame with code and reason;
// the reason is cut to fit the 125-byte control payload (at a rune
// boundary).
func AppendCloseFrame(dst []byte, code uint16, reason string) []byte {
	if len(reason) > MaxControlPayload-2 {
		reason = reason[:MaxControlPayload-2]
		for len(reason) > 0 && !utf8.ValidString(reason) {
			reason = reason[:len(reason)-1]
		}
	}
	dst = AppendHeader(dst, Header{Fin: true, Opcode: OpClose, Length: uint64(2 + len(reason))})
	dst = binary.BigEndian.AppendUint16(dst, code)
	return append(dst, reason...)
}

// ParseClose decodes a close frame's (unmasked) payload: an empty payload is
// CloseNoStatus. The reason aliases p.
func ParseClose(p []byte) (code uint16, reason []byte, err error) {
	switch {
	case len(p) == 0:
		return CloseNoStatus, nil, nil
	case len(p) == 1:
		return 0, nil, ErrBadClose
	}
	code = binary.BigEndian.Uint16(p)
	if !ValidCloseCode(code) || !utf8.Valid(p[2:]) {
		return 0, nil, ErrBadClose
	}
	return code, p[2:], nil
}
