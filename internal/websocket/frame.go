package websocket

import (
	"encoding/binary"
	"errors"
	"io"
)

// Opcode is a frame's opcode (RFC 6455 section 5.2).
type Opcode byte

// Opcodes of RFC 6455 section 11.8.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xa
)

// IsControl reports whether op is a control opcode (close, ping, pong, and
// the reserved 0xb-0xf).
func (op Opcode) IsControl() bool { return op&0x8 != 0 }

// known reports whether op is defined by RFC 6455.
func (op Opcode) known() bool {
	switch op {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return true
	}
	return false
}

// MaxHeaderSize is the largest frame header: 2 bytes, an 8-byte extended
// length and a 4-byte masking key.
const MaxHeaderSize = 14

// MaxControlPayload is the largest payload of a control frame (section 5.5).
const MaxControlPayload = 125

// Header is a frame header (RFC 6455 section 5.2).
type Header struct {
	Fin    bool
	RSV    byte // the three reserved bits, 0-7 (no extension is negotiated)
	Opcode Opcode
	Masked bool
	Mask   [4]byte
	Length uint64 // payload length, at most 1<<63-1
}

// Errors of the frame layer.
var (
	// ErrShortHeader: the bytes end inside a header.
	ErrShortHeader = errors.New("websocket: short frame header")
	// ErrLengthEncoding: a length in a longer form than needed, or a 64-bit
	// length with its top bit set (section 5.2).
	ErrLengthEncoding = errors.New("websocket: bad payload length encoding")
)

// ParseHeader decodes the header at the start of b and returns it with its
// size. It reads nothing past the header and allocates nothing.
func ParseHeader(b []byte) (Header, int, error) {
	var h Header
	if len(b) < 2 {
		return h, 0, ErrShortHeader
	}
	h.Fin = b[0]&0x80 != 0
	h.RSV = (b[0] >> 4) & 0x7
	h.Opcode = Opcode(b[0] & 0xf)
	h.Masked = b[1]&0x80 != 0
	n := 2
	switch l := b[1] & 0x7f; l {
	case 126:
		if len(b) < 4 {
			return h, 0, ErrShortHeader
		}
		h.Length = uint64(binary.BigEndian.Uint16(b[2:]))
		if h.Length < 126 {
			return h, 0, ErrLengthEncoding
		}
		n = 4
	case 127:
		if len(b) < 10 {
			return h, 0, ErrShortHeader
		}
		h.Length = binary.BigEndian.Uint64(b[2:])
		if h.Length>>63 != 0 || h.Length <= 0xffff {
			return h, 0, ErrLengthEncoding
		}
		n = 10
	default:
		h.Length = uint64(l)
	}
	if h.Masked {
		if len(b) < n+4 {
			return h, 0, ErrShortHeader
		}
		copy(h.Mask[:], b[n:])
		n += 4
	}
	return h, n, nil
}

// headerSize is the size of h's encoding.
func (h *Header) headerSize() int {
	n := 2
	switch {
	case h.Length > 0xffff:
		n = 10
	case h.Length >= 126:
		n = 4
	}
	if h.Masked {
		n += 4
	}
	return n
}

// AppendHeader appends h's encoding (the shortest length form) to dst. A
// Length over 1<<63-1 is encoded modulo 1<<63.
func AppendHeader(dst []byte, h Header) []byte {
	b0 := byte(h.Opcode&0xf) | (h.RSV&0x7)<<4
	if h.Fin {
		b0 |= 0x80
	}
	var b1 byte
	if h.Masked {
		b1 = 0x80
	}
	switch {
	case h.Length > 0xffff:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, h.Length&(1<<63-1))
	case h.Length >= 126:
		dst = append(dst, b0, b1|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(h.Length))
	default:
		dst = append(dst, b0, b1|byte(h.Length))
	}
	if h.Masked {
		dst = append(dst, h.Mask[:]...)
	}
	return dst
}

// AppendBinaryHeader appends the header of one unmasked, final binary frame
// of n payload bytes: what the server puts before each batch of a live
// stream.
func AppendBinaryHeader(dst []byte, n int) []byte {
	return AppendHeader(dst, Header{Fin: true, Opcode: OpBinary, Length: uint64(n)})
}

// ReadHeader reads one frame header from r into buf's storage and decodes
// it. io.EOF means r ended cleanly before a header; a header cut short is
// io.ErrUnexpectedEOF.
func ReadHeader(r io.Reader, buf *[MaxHeaderSize]byte) (Header, error) {
	if _, err := io.ReadFull(r, buf[:2]); err != nil {
		return Header{}, err
	}
	need := 2
	switch buf[1] & 0x7f {
	case 126:
		need += 2
	case 127:
		need += 8
	}
	if buf[1]&0x80 != 0 {
		need += 4
	}
	if _, err := io.ReadFull(r, buf[2:need]); err != nil {
		return Header{}, unexpected(err)
	}
	h, _, err := ParseHeader(buf[:need])
	return h, err
}
