package websocket

import (
	"errors"
	"fmt"
	"io"
)

// Errors a Reader returns for a client that breaks the protocol; CloseCode
// gives the status to close with.
var (
	ErrUnmasked     = errors.New("websocket: client frame not masked")
	ErrReserved     = errors.New("websocket: reserved bits or opcode used")
	ErrBadControl   = errors.New("websocket: control frame fragmented or over 125 bytes")
	ErrContinuation = errors.New("websocket: continuation frame out of sequence")
	ErrText         = errors.New("websocket: text message (only binary is accepted)")
	ErrTooBig       = errors.New("websocket: message over the size limit")
)

// CloseCode is the close status for an error a Reader returned: 1003 for a
// text message, 1009 for one too big, 1007 for a bad close payload, 1002 for
// other protocol errors, and 1000 for anything else (a read error).
func CloseCode(err error) uint16 {
	switch {
	case errors.Is(err, ErrText):
		return CloseUnsupportedData
	case errors.Is(err, ErrTooBig):
		return CloseTooBig
	case errors.Is(err, ErrBadClose):
		return CloseProtocolError
	case errors.Is(err, ErrUnmasked), errors.Is(err, ErrReserved), errors.Is(err, ErrBadControl),
		errors.Is(err, ErrContinuation), errors.Is(err, ErrLengthEncoding):
		return CloseProtocolError
	}
	return CloseNormal
}

// DefaultMaxMessage bounds a client's data message: a viewer has nothing to
// send but control frames.
const DefaultMaxMessage = 4096

// Reader reads the frames a client sends to the server (RFC 6455 section
// 5): every frame must be masked, use no reserved bit or opcode, and
// control frames must be whole and at most 125 bytes. Binary messages of at
// most MaxMessage bytes are read and dropped; a text message or a bigger
// one is an error before its payload is read, so a header that declares a
// gigabyte costs nothing. Its memory is fixed: a header, one control
// payload and a small buffer for what it drops.
type Reader struct {
	r          io.Reader
	maxMessage uint64
	inMessage  bool   // a fragmented binary message is open
	msgLen     uint64 // its bytes so far
	hdr        [MaxHeaderSize]byte
	ctrl       [MaxControlPayload]byte
	scratch    [512]byte // where dropped payload is read
}

// NewReader returns a Reader of the client frames on r; maxMessage <= 0
// means DefaultMaxMessage.
func NewReader(r io.Reader, maxMessage int) *Reader {
	if maxMessage <= 0 {
		maxMessage = DefaultMaxMessage
	}
	return &Reader{r: r, maxMessage: uint64(maxMessage)}
}

// Next reads frames until a control frame and returns its opcode (OpPing,
// OpPong or OpClose) and unmasked payload. The payload aliases the Reader's
// storage until the next call. A close frame's payload is checked
// (ParseClose). Errors: r's own (io.EOF when the client closes the socket),
// or the package's sentinels wrapped with the frame's details.
func (r *Reader) Next() (Opcode, []byte, error) {
	for {
		op, p, err := r.ReadFrame()
		if err != nil || op.IsControl() {
			return op, p, err
		}
	}
}

// ReadFrame reads one frame, as Next, but returns after a data frame too
// (its opcode, and no payload: a binary frame within the limit is read and
// dropped). A server that reads only when the client has sent something
// reads one frame at a time.
func (r *Reader) ReadFrame() (Opcode, []byte, error) {
	h, err := ReadHeader(r.r, &r.hdr)
	if err != nil {
		return 0, nil, err
	}
	if err := r.check(&h); err != nil {
		return 0, nil, err
	}
	if h.Opcode.IsControl() {
		p := r.ctrl[:h.Length]
		if _, err := io.ReadFull(r.r, p); err != nil {
			return 0, nil, unexpected(err)
		}
		MaskBytes(h.Mask, 0, p)
		if h.Opcode == OpClose {
			if _, _, err := ParseClose(p); err != nil {
				return 0, nil, err
			}
		}
		return h.Opcode, p, nil
	}
	// A binary message within the limit: read and dropped.
	for left := h.Length; left > 0; {
		n := min(left, uint64(len(r.scratch)))
		if _, err := io.ReadFull(r.r, r.scratch[:n]); err != nil {
			return 0, nil, unexpected(err)
		}
		left -= n
	}
	r.inMessage = !h.Fin
	if h.Fin {
		r.msgLen = 0
	}
	return h.Opcode, nil, nil
}

// check validates a header against the protocol and the limits.
func (r *Reader) check(h *Header) error {
	switch {
	case !h.Masked:
		return ErrUnmasked
	case h.RSV != 0 || !h.Opcode.known():
		return fmt.Errorf("%w: rsv %d opcode %#x", ErrReserved, h.RSV, byte(h.Opcode))
	case h.Opcode.IsControl():
		if !h.Fin || h.Length > MaxControlPayload {
			return fmt.Errorf("%w: opcode %#x, %d bytes", ErrBadControl, byte(h.Opcode), h.Length)
		}
		return nil
	case h.Opcode == OpText:
		return ErrText
	case h.Opcode == OpContinuation && !r.inMessage, h.Opcode == OpBinary && r.inMessage:
		return ErrContinuation
	}
	if h.Opcode == OpBinary {
		r.msgLen = 0
	}
	if h.Length > r.maxMessage-r.msgLen {
		return fmt.Errorf("%w: %d bytes declared, %d allowed", ErrTooBig, r.msgLen+h.Length, r.maxMessage)
	}
	r.msgLen += h.Length
	return nil
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
