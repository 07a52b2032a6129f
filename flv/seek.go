package flv

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Seeking in FLV files: what a server needs to play a recorded file from a
// byte offset (SRS's FLV VOD, "?start="). Every function reads bounded tag
// headers only, never a body.

// Errors of seeking in an FLV file.
var (
	ErrNoSequenceHeader = errors.New("flv: no audio or video tag at the start of the file")
	ErrPastEnd          = errors.New("flv: offset at or past the end of the file")
	ErrNotTagStart      = errors.New("flv: offset is not the start of a tag")
)

// seekMaxTags bounds the tags SequenceHeaderSpan walks.
const seekMaxTags = 64

// CheckFileHeader checks that f is an FLV file whose first tag starts right
// after a 9-byte header and PreviousTagSize0, at byte 13, as SRS's VOD
// assumes.
func CheckFileHeader(f io.ReaderAt) error {
	var b [9]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		return ErrNotFLV
	}
	if string(b[:3]) != "FLV" || binary.BigEndian.Uint32(b[5:9]) != 9 {
		return ErrNotFLV
	}
	return nil
}

// readTagHeader reads and checks the header of the tag at off: a known type,
// stream id 0, and a body that ends inside size. It returns the offset of the
// next tag.
func readTagHeader(f io.ReaderAt, size, off int64) (typ TagType, next int64, err error) {
	var h [TagHeaderSize]byte
	if _, err := f.ReadAt(h[:], off); err != nil {
		return 0, 0, err
	}
	typ, n, _, err := ParseTagHeader(h[:])
	if err != nil {
		return 0, 0, err
	}
	if typ != TagAudio && typ != TagVideo && typ != TagScript || h[8] != 0 || h[9] != 0 || h[10] != 0 {
		return 0, 0, fmt.Errorf("%w: type %d at %d", ErrBadTagType, typ, off)
	}
	next = off + TagHeaderSize + int64(n) + 4
	if next > size {
		return 0, 0, io.ErrUnexpectedEOF
	}
	return typ, next, nil
}

// SequenceHeaderSpan finds SRS's "sequence header summary" of an FLV file of
// the given size: the contiguous span from the first audio or video tag to
// the end of the first video tag and the first audio tag, each with its
// PreviousTagSize. Script tags before the first audio or video tag are
// skipped, so metadata is not re-sent. It reads at most 64 tag headers.
// See SrsFlvVodStreamDecoder::read_sequence_header_summary (srs_kernel_flv.cpp).
func SequenceHeaderSpan(f io.ReaderAt, size int64) (start, end int64, err error) {
	start = -1
	var gotVideo, gotAudio bool
	pos := int64(HeaderSize)
	for i := 0; i < seekMaxTags && !(gotVideo && gotAudio); i++ {
		typ, next, err := readTagHeader(f, size, pos)
		if errors.Is(err, ErrBadTagType) || errors.Is(err, ErrEncryptedTag) {
			return 0, 0, err
		}
		if err != nil {
			break // the end of the file: keep what was found
		}
		isVideo, isAudio := typ == TagVideo, typ == TagAudio
		if (isVideo && gotVideo) || (isAudio && gotAudio) {
			break
		}
		if isVideo || isAudio {
			if start < 0 {
				start = pos
			}
			end = next
			gotVideo = gotVideo || isVideo
			gotAudio = gotAudio || isAudio
		}
		pos = next
	}
	if start < 0 {
		return 0, 0, ErrNoSequenceHeader
	}
	return start, end, nil
}

// CheckTagStart reports whether offset off of an FLV file of the given size
// is the start of a tag, with two bounded reads: at off there must be a
// plausible tag header (type 8, 9 or 18, stream id 0, body inside the file),
// and the PreviousTagSize just before off must be the size of a plausible
// tag that ends exactly there (0 for the first tag).
func CheckTagStart(f io.ReaderAt, size, off int64) error {
	if off >= size {
		return ErrPastEnd
	}
	if off < HeaderSize {
		return ErrNotTagStart
	}
	var b [4]byte
	if _, err := f.ReadAt(b[:], off-4); err != nil {
		return ErrNotTagStart
	}
	prev := int64(binary.BigEndian.Uint32(b[:]))
	if _, _, err := readTagHeader(f, size+4, off); err != nil {
		return ErrNotTagStart // (size+4: a last tag may lack its PreviousTagSize)
	}
	if off == HeaderSize {
		if prev != 0 {
			return ErrNotTagStart
		}
		return nil
	}
	at := off - 4 - prev
	if prev < TagHeaderSize || at < HeaderSize {
		return ErrNotTagStart
	}
	if _, next, err := readTagHeader(f, size, at); err != nil || next != off {
		return ErrNotTagStart
	}
	return nil
}
