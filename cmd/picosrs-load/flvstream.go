package main

import (
	"errors"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// flvStream parses an HTTP-FLV response body from the bytes of a socket as
// they arrive, in pieces of any size: HTTP/1.1 chunked framing when the
// server uses it, then the FLV header, and of each tag its header and first
// bytes, the rest skipped. It holds no more than one tag header, so the
// poller (poller_linux.go) reads every viewer into one shared buffer.
type flvStream struct {
	v *viewer

	// Chunked framing.
	chunked    bool
	chunk      int  // data bytes left in the current chunk; -1 on a size line
	digits     int  // hex digits read on the size line
	pastDigits bool // an extension or the CR follows
	lineLen    int  // bytes of the size line so far
	sizeAcc    int  // the size being read
	chunkTail  int  // bytes of the CRLF after a chunk's data left
	ended      bool // the terminating chunk arrived

	// FLV.
	phase flvPhase
	got   int // bytes of the phase read so far
	hdr   [flvFileHeaderSize]byte
	pre   [8]byte
	typ   flv.TagType // the current tag's, from its header
	size  int
	ts    uint32
	skip  int // bytes of the current tag left to skip
}

type flvPhase uint8

const (
	flvFileHeader flvPhase = iota // the 9-byte header and PreviousTagSize0
	flvTagHeader
	flvTagStart // the first bytes of the body, for the frame type
	flvTagRest  // the rest of the body and PreviousTagSize
)

// flvFileHeaderSize is the FLV header with the first PreviousTagSize.
const flvFileHeaderSize = 9 + 4

var (
	errChunkLine = errors.New("picosrs-load: bad chunk size line")
	errNotFLV    = errors.New("picosrs-load: the body is not FLV")
)

func newFLVStream(v *viewer, chunked bool) *flvStream {
	return &flvStream{v: v, chunked: chunked, chunk: -1}
}

// feed takes the next bytes of the connection, read at now. A terminating
// chunk sets s.ended; a body that is not (chunked) FLV is an error.
func (s *flvStream) feed(p []byte, now time.Time) error {
	if !s.chunked {
		return s.body(p, now)
	}
	for len(p) > 0 && !s.ended {
		switch {
		case s.chunkTail > 0:
			n := min(s.chunkTail, len(p))
			s.chunkTail -= n
			p = p[n:]
		case s.chunk < 0:
			if err := s.sizeByte(p[0]); err != nil {
				return err
			}
			p = p[1:]
		default:
			n := min(s.chunk, len(p))
			if err := s.body(p[:n], now); err != nil {
				return err
			}
			s.chunk -= n
			p = p[n:]
			if s.chunk == 0 {
				s.chunk, s.chunkTail = -1, 2
			}
		}
	}
	return nil
}

// sizeByte reads one byte of a chunk size line: hex digits, then an
// optional extension, then CRLF.
func (s *flvStream) sizeByte(c byte) error {
	s.lineLen++
	if s.lineLen > 64 {
		return errChunkLine
	}
	if c == '\n' {
		if s.digits == 0 {
			return errChunkLine
		}
		s.chunk = s.sizeAcc
		s.digits, s.pastDigits, s.lineLen, s.sizeAcc = 0, false, 0, 0
		s.ended = s.chunk == 0
		return nil
	}
	if s.pastDigits {
		return nil
	}
	d := hexDigit(c)
	if d < 0 {
		if s.digits == 0 {
			return errChunkLine
		}
		s.pastDigits = true
		return nil
	}
	s.digits++
	if s.digits > 8 {
		return errChunkLine
	}
	s.sizeAcc = s.sizeAcc<<4 | d
	return nil
}

func hexDigit(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// body parses FLV bytes; a tag counts once its PreviousTagSize is read, as
// the goroutine reader (readFLV) counts it.
func (s *flvStream) body(p []byte, now time.Time) error {
	for len(p) > 0 {
		switch s.phase {
		case flvFileHeader:
			n := copy(s.hdr[s.got:flvFileHeaderSize], p)
			s.got += n
			p = p[n:]
			if s.got == flvFileHeaderSize {
				if s.hdr[0] != 'F' || s.hdr[1] != 'L' || s.hdr[2] != 'V' {
					return errNotFLV
				}
				s.phase, s.got = flvTagHeader, 0
			}
		case flvTagHeader:
			n := copy(s.hdr[s.got:flv.TagHeaderSize], p)
			s.got += n
			p = p[n:]
			if s.got == flv.TagHeaderSize {
				// An encrypted tag (ErrEncryptedTag) still has its size and
				// time: it is counted as any other.
				s.typ, s.size, s.ts, _ = flv.ParseTagHeader(s.hdr[:flv.TagHeaderSize])
				s.phase, s.got = flvTagStart, 0
			}
		case flvTagStart:
			want := min(s.size, len(s.pre))
			n := copy(s.pre[s.got:want], p)
			s.got += n
			p = p[n:]
			if s.got == want {
				s.phase, s.skip = flvTagRest, s.size-want+4
			}
		case flvTagRest:
			n := min(s.skip, len(p))
			s.skip -= n
			p = p[n:]
			if s.skip == 0 {
				s.tag(now)
				s.phase, s.got = flvTagHeader, 0
			}
		}
	}
	return nil
}

// tag accounts for the tag just read.
func (s *flvStream) tag(now time.Time) {
	t := flv.Tag{Type: s.typ, Timestamp: s.ts, Data: s.pre[:min(s.size, len(s.pre))]}
	s.v.frame(&t, now)
}
