package httpd

import (
	"strings"
	"testing"

	"github.com/picosrs/picosrs/live"
)

func TestMountMatch(t *testing.T) {
	cases := []struct {
		tmpl, vhost, path string
		app, stream       string
		ok                bool
		f                 live.Format
	}{
		{"[vhost]/[app]/[stream].flv", live.DefaultVhost, "/live/livestream.flv", "live", "livestream", true, live.FormatFLV},
		{"[vhost]/[app]/[stream].flv", live.DefaultVhost, "/live/a.b.flv", "live", "a.b", true, live.FormatFLV},
		{"[vhost]/[app]/[stream].flv", live.DefaultVhost, "/livestream.flv", "", "", false, live.FormatFLV},
		{"[vhost]/[app]/[stream].flv", live.DefaultVhost, "/live/show/livestream.flv", "", "", false, live.FormatFLV},
		{"[vhost]/[app]/[stream].flv", live.DefaultVhost, "/live/livestream.ts", "", "", false, live.FormatFLV},
		{"[vhost]/[app]/[stream].ts", "show.com", "/live/s.ts", "live", "s", true, live.FormatTS},
		{"/[app]/[stream].mp3", "show.com", "/live/s.mp3", "live", "s", true, live.FormatMP3},
		{"[vhost]/[app]/[stream].aac", live.DefaultVhost, "/live/s.aac", "live", "s", true, live.FormatAAC},
		{"[vhost]/live/[stream]-hd.flv", live.DefaultVhost, "/live/cs-hd.flv", "", "cs", true, live.FormatFLV},
		{"[vhost]/live/[stream]-hd.flv", live.DefaultVhost, "/other/cs-hd.flv", "", "", false, live.FormatFLV},
		{"[vhost]/[app]/[stream].flv", live.DefaultVhost, "/live/.flv", "", "", false, live.FormatFLV},
	}
	for _, c := range cases {
		m, ok := compileMount(c.tmpl, c.vhost)
		if !ok {
			t.Fatalf("%s: does not compile", c.tmpl)
		}
		if m.format != c.f {
			t.Errorf("%s: format %v, want %v", c.tmpl, m.format, c.f)
		}
		app, stream, ok := m.match(c.path)
		if ok != c.ok || app != c.app || stream != c.stream {
			t.Errorf("%s %s: got (%q, %q, %v), want (%q, %q, %v)", c.tmpl, c.path, app, stream, ok, c.app, c.stream, c.ok)
		}
	}
	if _, ok := compileMount("[vhost]/[app]/[stream].m3u8", live.DefaultVhost); ok {
		t.Error("m3u8 template compiled")
	}
}

// FuzzMount: any template and path never panic, and a match substitutes back
// into the template to give the path it came from.
func FuzzMount(f *testing.F) {
	f.Add("[vhost]/[app]/[stream].flv", "/live/livestream.flv")
	f.Add("[vhost]/live/[stream]-hd.ts", "/live/a-hd.ts")
	f.Add("/[app]/[stream].mp3", "/a/b.c.mp3")
	f.Add("[vhost]/[app]_[stream].aac", "/x_y.aac")
	f.Add("[app][stream].flv", "/ab.flv")
	f.Fuzz(func(t *testing.T, tmpl, p string) {
		m, ok := compileMount(tmpl, live.DefaultVhost)
		if !ok {
			return
		}
		app, stream, ok := m.match(p)
		if !ok {
			return
		}
		if stream == "" {
			t.Fatalf("matched with an empty stream")
		}
		var b strings.Builder
		for i, toks := range m.segs {
			if i > 0 {
				b.WriteByte('/')
			}
			for _, tok := range toks {
				switch tok.field {
				case 'a':
					b.WriteString(app)
				case 's':
					b.WriteString(stream)
				default:
					b.WriteString(tok.lit)
				}
			}
		}
		if "/"+b.String() != "/"+strings.TrimPrefix(p, "/") {
			t.Fatalf("template %q path %q: app %q stream %q rebuild %q", tmpl, p, app, stream, b.String())
		}
	})
}
