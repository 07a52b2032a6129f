package httpd

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"

	"github.com/picosrs/picosrs/flv"
)

// serveFLVStart serves an FLV file from byte offset start, as SRS's
// SrsVodStream::serve_flv_stream: the file's 13-byte header, the sequence
// header summary (flv.SequenceHeaderSpan), then the file from start to the end, with
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
	err = flv.CheckFileHeader(f)
	var spanStart, spanEnd int64
	if err == nil {
		err = flv.CheckTagStart(f, size, n)
	}
	if err == nil {
		spanStart, spanEnd, err = flv.SequenceHeaderSpan(f, size)
	}
	if err != nil {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes */%d", size))
		http.Error(w, fmt.Sprintf("cannot start at %d: %v", n, strings.TrimPrefix(err.Error(), "flv: ")), http.StatusRequestedRangeNotSatisfiable)
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
