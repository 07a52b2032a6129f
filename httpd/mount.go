package httpd

import (
	"net/url"
	"path"
	"strings"

	"github.com/picosrs/picosrs/live"
)

// formatOf maps a mount's extension to the live format it serves.
func formatOf(ext string) (live.Format, bool) {
	switch ext {
	case ".flv":
		return live.FormatFLV, true
	case ".ts":
		return live.FormatTS, true
	case ".mp3":
		return live.FormatMP3, true
	case ".aac":
		return live.FormatAAC, true
	}
	return 0, false
}

// contentType is a live format's Content-Type, as SRS sends it.
func contentType(f live.Format) string {
	switch f {
	case live.FormatTS:
		return "video/MP2T"
	case live.FormatMP3:
		return "audio/mpeg"
	case live.FormatAAC:
		return "audio/x-aac"
	}
	return "video/x-flv"
}

// mount is a compiled http_remux mount template of one vhost.
type mount struct {
	template string
	vhost    string // the vhost whose template it is
	// host is the host the mount answers for alone ("" for any host): a
	// template that, [vhost] expanded, names a host other than the
	// default vhost, as SRS's host-specific patterns.
	host   string
	segs   [][]mountToken // path segments after the leading '/'
	format live.Format
}

type mountToken struct {
	lit   string
	field byte // 'a' app, 's' stream, 0 literal
}

// splitMount expands [vhost] in a template and splits it into the host it
// names and its path (without the leading '/'), as SRS's http_mount: the
// default vhost's prefix becomes "/", so its mounts answer for any host;
// a template that does not start with '/' names its host before the first
// '/'.
func splitMount(tmpl, vhost string) (host, p string) {
	t := strings.ReplaceAll(tmpl, "[vhost]", vhost)
	if rest, ok := strings.CutPrefix(t, live.DefaultVhost+"/"); ok {
		t = "/" + rest
	}
	if !strings.HasPrefix(t, "/") {
		if i := strings.IndexByte(t, '/'); i > 0 {
			host, t = t[:i], t[i:]
		}
	}
	return host, strings.TrimPrefix(t, "/")
}

// compileMount expands [vhost] and removes the default vhost prefix, as SRS's
// http_mount does: what is left before the first '/' (a named vhost, or a
// literal host) is the host the mount answers for alone; a template that
// starts with '/' (or the default vhost's) answers for any host. ok is false
// when the template has no known extension.
func compileMount(tmpl, vhost string) (*mount, bool) {
	host, t := splitMount(tmpl, vhost)
	f, ok := formatOf(path.Ext(t))
	if !ok {
		return nil, false
	}
	m := &mount{template: tmpl, vhost: vhost, host: host, format: f, segs: templateSegs(t)}
	return m, true
}

// templateSegs splits a template path (without its leading '/') into its
// segments' literals and [app]/[stream] fields.
func templateSegs(t string) [][]mountToken {
	var segs [][]mountToken
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
		segs = append(segs, toks)
	}
	return segs
}

// url expands the template into the path of one stream (escaped), with
// ?vhost= for a host-specific mount so the link works whatever the host.
func (m *mount) url(app, stream string) string {
	_, t := splitMount(m.template, m.vhost)
	t = strings.ReplaceAll(t, "[app]", url.PathEscape(app))
	t = strings.ReplaceAll(t, "[stream]", url.PathEscape(stream))
	u := "/" + t
	if m.host != "" {
		u += "?vhost=" + url.QueryEscape(m.host)
	}
	return u
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

// MountPath is where a mount template of vhost serves app/stream: the URL
// path (with its leading '/') a player asks for, and the host the mount
// answers for alone ("" for any host), as compileMount reads the template.
func MountPath(tmpl, vhost, app, stream string) (host, urlPath string) {
	host, p := splitMount(tmpl, vhost)
	return host, "/" + strings.NewReplacer("[app]", app, "[stream]", stream).Replace(p)
}
