package flv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// HeaderSize is the size of the FLV file header plus PreviousTagSize0.
const HeaderSize = 9 + 4

// TagHeaderSize is the size of the FLV tag header that precedes a tag body.
const TagHeaderSize = 11

// Header flag bits (TypeFlagsAudio, TypeFlagsVideo).
const (
	FlagAudio = 0x04
	FlagVideo = 0x01
)

// AppendHeader appends the 9-byte FLV file header with the given track flags and
// PreviousTagSize0 (zero) to dst.
// Specification: FLV v10.1, E.2 The FLV header.
func AppendHeader(dst []byte, hasAudio, hasVideo bool) []byte {
	var flags byte
	if hasAudio {
		flags |= FlagAudio
	}
	if hasVideo {
		flags |= FlagVideo
	}
	return append(dst, 'F', 'L', 'V', 1, flags, 0, 0, 0, 9, 0, 0, 0, 0)
}

// PutTagHeader writes the 11-byte tag header for a tag of the given type,
// timestamp and body size into b, which must hold TagHeaderSize bytes. The
// stream id is always 0. Timestamps use 24 bits plus the extension byte.
// Specification: FLV v10.1, E.4.1 FLV Tag.
func PutTagHeader(b []byte, typ TagType, timestamp uint32, size int) {
	_ = b[10]
	b[0] = byte(typ)
	b[1], b[2], b[3] = byte(size>>16), byte(size>>8), byte(size)
	b[4], b[5], b[6] = byte(timestamp>>16), byte(timestamp>>8), byte(timestamp)
	b[7] = byte(timestamp >> 24)
	b[8], b[9], b[10] = 0, 0, 0
}

// Tag header errors.
var (
	ErrShortTagHeader = errors.New("flv: short tag header")
	// ErrEncryptedTag reports a tag header with the Filter bit set (an
	// encrypted tag), which picosrs does not support. It wraps ErrBadTagType.
	ErrEncryptedTag = fmt.Errorf("%w: encrypted tag", ErrBadTagType)
)

// ParseTagHeader parses the 11-byte tag header at the start of b: the tag
// type (the low five bits of the first byte), the body size and the
// timestamp (24 bits plus the extension byte). The stream id is ignored. It
// returns ErrShortTagHeader if b is shorter than TagHeaderSize, and
// ErrEncryptedTag, with size and timestamp still set so that the caller can
// skip the tag, if the Filter bit is set. It allocates nothing.
// Specification: FLV v10.1, E.4.1 FLV Tag.
func ParseTagHeader(b []byte) (typ TagType, size int, ts uint32, err error) {
	if len(b) < TagHeaderSize {
		return 0, 0, 0, ErrShortTagHeader
	}
	typ = TagType(b[0] & 0x1f)
	size = int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	ts = uint32(b[4])<<16 | uint32(b[5])<<8 | uint32(b[6]) | uint32(b[7])<<24
	if b[0]&0x20 != 0 {
		return typ, size, ts, ErrEncryptedTag
	}
	return typ, size, ts, nil
}

// PutPreviousTagSize writes the 4-byte PreviousTagSize that follows a tag with
// a body of size bytes.
func PutPreviousTagSize(b []byte, size int) {
	binary.BigEndian.PutUint32(b, uint32(size+TagHeaderSize))
}

// Writer writes an FLV file: a header, then tags. It copies nothing: each tag
// is written as header, body and trailer in one call.
type Writer struct {
	w       io.Writer
	scratch [TagHeaderSize + 4]byte
}

// NewWriter returns a Writer on w. Call WriteHeader first.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// WriteHeader writes the FLV header and PreviousTagSize0.
func (w *Writer) WriteHeader(hasAudio, hasVideo bool) error {
	_, err := w.w.Write(AppendHeader(w.scratch[:0], hasAudio, hasVideo))
	return err
}

// WriteTag writes one tag: its header, its body and its PreviousTagSize.
func (w *Writer) WriteTag(t *Tag) error {
	PutTagHeader(w.scratch[:TagHeaderSize], t.Type, t.Timestamp, len(t.Data))
	if _, err := w.w.Write(w.scratch[:TagHeaderSize]); err != nil {
		return err
	}
	if _, err := w.w.Write(t.Data); err != nil {
		return err
	}
	PutPreviousTagSize(w.scratch[:4], len(t.Data))
	_, err := w.w.Write(w.scratch[:4])
	return err
}
