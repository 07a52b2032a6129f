package hls

import (
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
)

// Names are where a stream's playlist and segments live: URL paths on the
// HTTP server and file names under hls_path, without the leading '/'.
type Names struct {
	// Playlist is the playlist's path: hls_m3u8_file expanded.
	Playlist string
	// Segment is hls_ts_file with [vhost], [app] and [stream] expanded;
	// [seq], [timestamp], [duration] and the time fields are filled for
	// each segment.
	Segment string
	// Vhost, App and Stream name the stream the templates were expanded for.
	Vhost, App, Stream string
}

// NewNames expands hls_m3u8_file and hls_ts_file for one stream.
func NewNames(m3u8, ts, vhost, app, stream string) Names {
	return Names{Playlist: Expand(m3u8, vhost, app, stream), Segment: Expand(ts, vhost, app, stream), Vhost: vhost, App: app, Stream: stream}
}

// Expand replaces [vhost], [app] and [stream] in a template, as SRS's
// srs_path_build_stream, and drops a leading '/'.
func Expand(tmpl, vhost, app, stream string) string {
	r := strings.NewReplacer("[vhost]", vhost, "[app]", app, "[stream]", stream)
	return strings.TrimLeft(r.Replace(tmpl), "/")
}

// segmentPath fills the per-segment fields of n.Segment: [seq], the time
// fields of SRS's srs_path_build_timestamp at the segment's opening
// ([2006] [01] [02] [15] [04] [05] [999], [timestamp] in milliseconds, or
// the fragment count with hls_ts_floor) and [duration] in milliseconds.
func (n *Names) segmentPath(seq uint64, opened time.Time, dur time.Duration, floor int64) string {
	p := n.Segment
	if !strings.Contains(p, "[") {
		return p
	}
	b := make([]byte, 0, len(p)+24)
	for len(p) > 0 {
		i := strings.IndexByte(p, '[')
		if i < 0 {
			b = append(b, p...)
			break
		}
		b = append(b, p[:i]...)
		p = p[i:]
		j := strings.IndexByte(p, ']')
		if j < 0 {
			b = append(b, p...)
			break
		}
		switch field := p[:j+1]; field {
		case "[seq]":
			b = strconv.AppendUint(b, seq, 10)
		case "[timestamp]":
			if floor > 0 {
				b = strconv.AppendInt(b, floor, 10)
			} else {
				b = strconv.AppendInt(b, opened.UnixMilli(), 10)
			}
		case "[duration]":
			b = strconv.AppendInt(b, dur.Milliseconds(), 10)
		case "[2006]":
			b = opened.AppendFormat(b, "2006")
		case "[01]":
			b = opened.AppendFormat(b, "01")
		case "[02]":
			b = opened.AppendFormat(b, "02")
		case "[15]":
			b = opened.AppendFormat(b, "15")
		case "[04]":
			b = opened.AppendFormat(b, "04")
		case "[05]":
			b = opened.AppendFormat(b, "05")
		case "[999]":
			b = append(b, opened.Format(".000")[1:]...)
		default:
			b = append(b, field...)
		}
		p = p[j+1:]
	}
	return string(b)
}

// uri is how the playlist names a segment: relative to the playlist's
// directory when the segment is beneath it, else an absolute path; with
// hls_entry_prefix in front as SRS puts it (a prefix without a trailing '/'
// gets '/' and the playlist's directory). Each path element is escaped.
func (n *Names) uri(seg, prefix string) string {
	dir := path.Dir(n.Playlist)
	rel := seg
	switch {
	case dir == ".":
	case strings.HasPrefix(seg, dir+"/"):
		rel = seg[len(dir)+1:]
	default:
		rel = "/" + seg
	}
	rel = escapePath(rel)
	if prefix == "" {
		return rel
	}
	if strings.HasPrefix(rel, "/") {
		return strings.TrimRight(prefix, "/") + rel
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
		if dir != "." {
			prefix += escapePath(dir) + "/"
		}
	}
	return prefix + rel
}

// escapePath escapes each element of a slash-separated path for a URI.
func escapePath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}
