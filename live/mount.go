package live

import (
	"path"
	"strings"
)

// format is an HTTP live format, chosen by a mount template's extension.
type format int

const (
	formatFLV format = iota
	formatTS
	formatMP3
	formatAAC
)

func formatOf(ext string) (format, bool) {
	switch ext {
	case ".flv":
		return formatFLV, true
	case ".ts":
		return formatTS, true
	case ".mp3":
		return formatMP3, true
	case ".aac":
		return formatAAC, true
	}
	return 0, false
}

func (f format) String() string {
	return [...]string{"flv", "ts", "mp3", "aac"}[f]
}

func (f format) contentType() string {
	return [...]string{"video/x-flv", "video/MP2T", "audio/mpeg", "audio/x-aac"}[f]
}

// mount is a compiled http_remux mount template of one vhost.
type mount struct {
	template string
	segs     [][]mountToken // path segments after the leading '/'
	format   format
}

type mountToken struct {
	lit   string
	field byte // 'a' app, 's' stream, 0 literal
}

// compileMount expands [vhost] and removes the default vhost prefix, as SRS's
// http_mount does. A named vhost's template keeps only the path part: the
// request's host has already chosen the vhost. ok is false when the template
// has no known extension.
func compileMount(tmpl, vhost string) (*mount, bool) {
	t := strings.ReplaceAll(tmpl, "[vhost]", vhost)
	t = strings.TrimPrefix(t, DefaultVhost+"/")
	if vhost != DefaultVhost {
		t = strings.TrimPrefix(t, vhost+"/")
	}
	t = strings.TrimPrefix(t, "/")
	f, ok := formatOf(path.Ext(t))
	if !ok {
		return nil, false
	}
	m := &mount{template: tmpl, format: f}
	for _, seg := range strings.Split(t, "/") {
		var toks []mountToken
		for seg != "" {
			switch {
			case strings.HasPrefix(seg, "[app]"):
				toks = append(toks, mountToken{field: 'a'})
				seg = seg[len("[app]"):]
			case strings.HasPrefix(seg, "[stream]"):
				toks = append(toks, mountToken{field: 's'})
				seg = seg[len("[stream]"):]
			default:
				i := len(seg)
				for _, f := range []string{"[app]", "[stream]"} {
					if k := strings.Index(seg, f); k >= 0 && k < i {
						i = k
					}
				}
				toks = append(toks, mountToken{lit: seg[:i]})
				seg = seg[i:]
			}
		}
		m.segs = append(m.segs, toks)
	}
	return m, true
}

// match matches a request path (starting with '/') and returns the app and
// stream it names. The number of segments must equal the template's, as in
// SRS, so apps with '/' are not reachable over HTTP.
func (m *mount) match(p string) (app, stream string, ok bool) {
	p = strings.TrimPrefix(p, "/")
	parts := strings.Split(p, "/")
	if len(parts) != len(m.segs) {
		return "", "", false
	}
	for i, toks := range m.segs {
		seg := parts[i]
		for j, t := range toks {
			if t.field == 0 {
				if !strings.HasPrefix(seg, t.lit) {
					return "", "", false
				}
				seg = seg[len(t.lit):]
				continue
			}
			// A field runs to the next literal: the last occurrence when that
			// literal ends the segment (so "a.b.flv" gives stream "a.b").
			var val string
			if j+1 == len(toks) {
				val, seg = seg, ""
			} else {
				next := toks[j+1]
				if next.field != 0 {
					return "", "", false // two adjacent fields are ambiguous
				}
				var k int
				if j+2 == len(toks) {
					k = strings.LastIndex(seg, next.lit)
				} else {
					k = strings.Index(seg, next.lit)
				}
				if k < 0 {
					return "", "", false
				}
				val, seg = seg[:k], seg[k:]
			}
			if val == "" {
				return "", "", false
			}
			if t.field == 'a' {
				app = val
			} else {
				stream = val
			}
		}
		if seg != "" {
			return "", "", false
		}
	}
	if stream == "" {
		return "", "", false
	}
	return app, stream, true
}
