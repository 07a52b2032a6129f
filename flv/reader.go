package flv

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Errors returned by Reader.
var (
	ErrNotFLV       = errors.New("flv: not an FLV file")
	ErrTagTooLarge  = errors.New("flv: tag too large")
	ErrBadTagType   = errors.New("flv: bad tag type")
	ErrShortTagBody = errors.New("flv: short tag body")
)

// DefaultMaxTagSize bounds the body a Reader allocates for one tag.
const DefaultMaxTagSize = 8 << 20

// Header is the decoded FLV file header.
type Header struct {
	Version  uint8
	HasAudio bool
	HasVideo bool
	// DataOffset is the size of the header as declared (normally 9).
	DataOffset uint32
}

// Reader reads an FLV file: the header, then tags. Each tag body is a fresh
// allocation owned by the caller.
type Reader struct {
	r          *bufio.Reader
	hdr        [TagHeaderSize]byte
	offset     int64
	MaxTagSize int // bound on a tag body; DefaultMaxTagSize when 0
}

// NewReader returns a Reader on r.
func NewReader(r io.Reader) *Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, 32<<10)
	}
	return &Reader{r: br}
}

// Offset returns the byte offset in the file of the next tag header.
func (r *Reader) Offset() int64 { return r.offset }

// ReadHeader reads the FLV header and PreviousTagSize0.
// Specification: FLV v10.1, E.2.
func (r *Reader) ReadHeader() (Header, error) {
	var b [9]byte
	if _, err := io.ReadFull(r.r, b[:]); err != nil {
		return Header{}, fmt.Errorf("flv: read header: %w", err)
	}
	if b[0] != 'F' || b[1] != 'L' || b[2] != 'V' {
		return Header{}, ErrNotFLV
	}
	h := Header{Version: b[3], HasAudio: b[4]&FlagAudio != 0, HasVideo: b[4]&FlagVideo != 0,
		DataOffset: binary.BigEndian.Uint32(b[5:9])}
	if h.DataOffset < 9 || h.DataOffset > 1<<16 {
		return Header{}, fmt.Errorf("%w: data offset %d", ErrNotFLV, h.DataOffset)
	}
	if _, err := r.r.Discard(int(h.DataOffset) - 9 + 4); err != nil {
		return Header{}, fmt.Errorf("flv: read header: %w", err)
	}
	r.offset = int64(h.DataOffset) + 4
	return h, nil
}

// ReadTag reads the next tag and its PreviousTagSize. It returns io.EOF at a
// clean end of file, and io.ErrUnexpectedEOF for a truncated tag.
func (r *Reader) ReadTag() (Tag, error) {
	if _, err := io.ReadFull(r.r, r.hdr[:]); err != nil {
		return Tag{}, err
	}
	typ, size, ts, err := ParseTagHeader(r.hdr[:])
	if err != nil {
		return Tag{}, err // the filter bit (encryption) is not supported
	}
	max := r.MaxTagSize
	if max <= 0 {
		max = DefaultMaxTagSize
	}
	if size > max {
		return Tag{}, fmt.Errorf("%w: %d bytes", ErrTagTooLarge, size)
	}
	switch typ {
	case TagAudio, TagVideo, TagScript:
	default:
		return Tag{}, fmt.Errorf("%w: %d", ErrBadTagType, typ)
	}
	data, err := readBody(r.r, size)
	if err != nil {
		return Tag{}, fmt.Errorf("%w: %w", ErrShortTagBody, io.ErrUnexpectedEOF)
	}
	var pts [4]byte
	if _, err := io.ReadFull(r.r, pts[:]); err != nil && err != io.EOF {
		// A missing final PreviousTagSize is tolerated; a partial one is not.
		return Tag{}, fmt.Errorf("flv: read previous tag size: %w", io.ErrUnexpectedEOF)
	}
	r.offset += int64(TagHeaderSize + size + 4)
	return Tag{Type: typ, Timestamp: ts, Data: data}, nil
}

// bodyStart is the most a tag body is allocated before its bytes arrive.
const bodyStart = 64 << 10

// readBody reads a tag body of size bytes. It allocates at most bodyStart
// bytes before they arrive and grows as they do, so a header that declares
// megabytes over a network stream costs nothing until the bytes come: memory
// stays within twice what was received.
func readBody(r io.Reader, size int) ([]byte, error) {
	data := make([]byte, min(size, bodyStart))
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, err
	}
	for n := len(data); n < size; n = len(data) {
		grown := make([]byte, min(size, 2*n))
		copy(grown, data)
		if _, err := io.ReadFull(r, grown[n:]); err != nil {
			return nil, err
		}
		data = grown
	}
	return data, nil
}

// ReadAll reads an FLV file from r: its header and every tag, with the byte
// offset at which each tag starts in the file (the offsets FLV VOD's
// ?start= takes). A clean end of file ends it; anything else is an error.
func ReadAll(r io.Reader) (h Header, tags []Tag, offsets []int64, err error) {
	fr := NewReader(r)
	if h, err = fr.ReadHeader(); err != nil {
		return h, nil, nil, err
	}
	for {
		off := fr.Offset()
		t, err := fr.ReadTag()
		if err == io.EOF {
			return h, tags, offsets, nil
		}
		if err != nil {
			return h, tags, offsets, fmt.Errorf("flv: tag at offset %d: %w", off, err)
		}
		tags = append(tags, t)
		offsets = append(offsets, off)
	}
}
