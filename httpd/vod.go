package httpd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/picosrs/picosrs/flv"
)

// Errors of FLV VOD pseudo-streaming.
var (
	errVODNotFLV       = errors.New("httpd: not an FLV file with a 9-byte header")
	errVODNoSeqHeader  = errors.New("httpd: no audio or video tag at the start of the file")
	errVODPastEnd      = errors.New("httpd: start is at or past the end of the file")
	errVODNotTagStart  = errors.New("httpd: start is not the offset of an FLV tag")
	errVODBadTagHeader = errors.New("httpd: bad FLV tag header")
)

// vodSummaryMaxTags bounds the tags walked to find the sequence headers.
const vodSummaryMaxTags = 64

func validTagType(b byte) bool {
	return b == byte(flv.TagAudio) || b == byte(flv.TagVideo) || b == byte(flv.TagScript)
}

// flvSequenceSpan finds SRS's "sequence header summary" of an FLV file: the
// contiguous span from the first audio or video tag to the end of the first
// video tag and the first audio tag, each with its PreviousTagSize; script
// tags before the first A/V tag are skipped, so metadata is not re-sent. It
// reads tag headers only, at most vodSummaryMaxTags of them.
// See SrsFlvVodStreamDecoder::read_sequence_header_summary (srs_kernel_flv.cpp).
func flvSequenceSpan(f io.ReaderAt, size int64) (start, end int64, err error) {
	start = -1
	var gotVideo, gotAudio bool
	var hdr [flv.TagHeaderSize]byte
	pos := int64(flv.HeaderSize)
	for i := 0; i < vodSummaryMaxTags && !(gotVideo && gotAudio); i++ {
		if _, err := f.ReadAt(hdr[:], pos); err != nil {
			break // end of file: keep what was found
		}
		typ := hdr[0]
		if !validTagType(typ) {
			return 0, 0, fmt.Errorf("%w: type %d at %d", errVODBadTagHeader, typ, pos)
		}
		next := pos + flv.TagHeaderSize + int64(be24(hdr[1:4])) + 4
		if next > size {
			break
		}
		isVideo, isAudio := typ == byte(flv.TagVideo), typ == byte(flv.TagAudio)
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
		return 0, 0, errVODNoSeqHeader
	}
	return start, end, nil
}

func be24(b []byte) uint32 { return uint32(b[0])<<16 | uint32(b[1])<<8 | uint32(b[2]) }

// checkFLVHeader checks the file is an FLV file whose tags start at byte 13,
// which SRS's VOD assumes.
func checkFLVHeader(f io.ReaderAt) error {
	var b [9]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		return errVODNotFLV
	}
	if string(b[:3]) != "FLV" || binary.BigEndian.Uint32(b[5:9]) != 9 {
		return errVODNotFLV
	}
	return nil
}

// checkTagStart reports whether offset n of an FLV file of the given size is
// the start of a tag, with two bounded reads: at n there must be a plausible
// tag header (type 8, 9 or 18, stream id 0, body inside the file), and the
// PreviousTagSize just before n must be the size of a plausible tag that ends
// exactly there (0 for the first tag).
func checkTagStart(f io.ReaderAt, size, n int64) error {
	if n >= size {
		return errVODPastEnd
	}
	if n < flv.HeaderSize {
		return errVODNotTagStart
	}
	var b [4 + flv.TagHeaderSize]byte
	if _, err := f.ReadAt(b[:], n-4); err != nil {
		return errVODNotTagStart
	}
	prev := int64(binary.BigEndian.Uint32(b[:4]))
	h := b[4:]
	if !validTagType(h[0]) || h[8] != 0 || h[9] != 0 || h[10] != 0 ||
		n+flv.TagHeaderSize+int64(be24(h[1:4])) > size {
		return errVODNotTagStart
	}
	if n == flv.HeaderSize {
		if prev != 0 {
			return errVODNotTagStart
		}
		return nil
	}
	at := n - 4 - prev
	if prev < flv.TagHeaderSize || at < flv.HeaderSize {
		return errVODNotTagStart
	}
	var p [flv.TagHeaderSize]byte
	if _, err := f.ReadAt(p[:], at); err != nil {
		return errVODNotTagStart
	}
	if !validTagType(p[0]) || p[8] != 0 || p[9] != 0 || p[10] != 0 || int64(be24(p[1:4])) != prev-flv.TagHeaderSize {
		return errVODNotTagStart
	}
	return nil
}

// serveFLVStart serves an FLV file from byte offset start, as SRS's
// SrsVodStream::serve_flv_stream: the file's 13-byte header, the sequence
// header summary (flvSequenceSpan), then the file from start to the end, with
// status 200 and a Content-Length. start <= 0 serves the whole file. Beyond
// SRS, a start that is past the end or not a tag boundary gets 416, one that
// is not a number gets 400, and the response honours Range, HEAD and
// If-Modified-Since like any file.
func (s *Server) serveFLVStart(w http.ResponseWriter, r *http.Request, f *os.File, fi os.FileInfo, arg string) {
	n, err := strconv.ParseInt(strings.TrimSpace(arg), 10, 64)
	if err != nil && arg != "" {
		http.Error(w, "bad request: start must be a byte offset", http.StatusBadRequest)
		return
	}
	if n <= 0 {
		w.Header().Set("Content-Type", "video/x-flv")
		http.ServeContent(w, r, "", fi.ModTime(), f)
		return
	}
	size := fi.Size()
	err = checkFLVHeader(f)
	var spanStart, spanEnd int64
	if err == nil {
		err = checkTagStart(f, size, n)
	}
	if err == nil {
		spanStart, spanEnd, err = flvSequenceSpan(f, size)
	}
	if err != nil {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		http.Error(w, fmt.Sprintf("cannot start at %d: %v", n, strings.TrimPrefix(err.Error(), "httpd: ")), http.StatusRequestedRangeNotSatisfiable)
		return
	}
	body := newSections(
		io.NewSectionReader(f, 0, flv.HeaderSize),
		io.NewSectionReader(f, spanStart, spanEnd-spanStart),
		io.NewSectionReader(f, n, size-n),
	)
	w.Header().Set("Content-Type", "video/x-flv")
	http.ServeContent(w, r, "", fi.ModTime(), body)
}

// parseSRSRange parses SRS's MP4 range "a-b": ok is false when SRS would serve
// the whole file instead (no '-', a negative start, or start > end). end is
// -1 for "to the end of the file".
func parseSRSRange(s string) (start, end int64, ok bool) {
	s = strings.TrimPrefix(s, "bytes=")
	i := strings.IndexByte(s, '-')
	if s == "" || i < 0 {
		return 0, 0, false
	}
	end = -1
	var err error
	if i > 0 {
		if start, err = strconv.ParseInt(s[:i], 10, 64); err != nil {
			return 0, 0, false
		}
	}
	if i < len(s)-1 {
		if end, err = strconv.ParseInt(s[i+1:], 10, 64); err != nil {
			return 0, 0, false
		}
	}
	if start < 0 || (end != -1 && start > end) {
		return 0, 0, false
	}
	return start, end, true
}

// serveMP4Range serves the byte range an MP4 request names in ?range=a-b or
// ?bytes=a-b, as SRS's serve_mp4_file: 206 with Content-Range, end -1 (or
// missing) meaning the end of the file. A range SRS cannot parse serves the
// whole file with 200. Beyond SRS, an end past the file is clamped to its last
// byte, as RFC 9110 does, and a start past the end gets 416.
// A Range header is left to http.ServeContent.
func (s *Server) serveMP4Range(w http.ResponseWriter, r *http.Request, f *os.File, fi os.FileInfo) {
	q := r.URL.Query()
	arg := q.Get("range")
	if arg == "" {
		arg = q.Get("bytes")
	}
	h := w.Header()
	h.Set("Content-Type", "video/mp4")
	start, end, ok := parseSRSRange(arg)
	if !ok {
		r.Header.Del("Range")
		http.ServeContent(w, r, "", fi.ModTime(), f)
		return
	}
	size := fi.Size()
	if end == -1 || end >= size {
		end = size - 1
	}
	if start >= size {
		h.Del("Content-Type")
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		http.Error(w, "range not satisfiable", http.StatusRequestedRangeNotSatisfiable)
		return
	}
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
	h.Set("Content-Length", strconv.FormatInt(end-start+1, 10))
	h.Set("Last-Modified", fi.ModTime().UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusPartialContent)
	if r.Method == http.MethodHead {
		return
	}
	io.Copy(w, io.NewSectionReader(f, start, end-start+1))
}
