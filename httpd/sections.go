package httpd

import (
	"errors"
	"io"
)

// sections is an io.ReadSeeker over sections laid end to end: the virtual
// file of an FLV ?start= response, so that http.ServeContent gives it
// Content-Length, HEAD, Range and conditional requests as for a plain file.
type sections struct {
	parts []*io.SectionReader
	size  int64
	off   int64
}

func newSections(parts ...*io.SectionReader) *sections {
	s := &sections{parts: parts}
	for _, p := range parts {
		s.size += p.Size()
	}
	return s
}

// Read reads from the section holding the current offset.
func (s *sections) Read(b []byte) (int, error) {
	base := int64(0)
	for _, p := range s.parts {
		if s.off < base+p.Size() {
			n, err := p.ReadAt(b[:min(int64(len(b)), base+p.Size()-s.off)], s.off-base)
			s.off += int64(n)
			if err == io.EOF && n > 0 {
				err = nil
			}
			return n, err
		}
		base += p.Size()
	}
	return 0, io.EOF
}

// Seek sets the offset for the next Read.
func (s *sections) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.size
	}
	if offset < 0 {
		return 0, errors.New("httpd: seek before the start")
	}
	s.off = offset
	return offset, nil
}
