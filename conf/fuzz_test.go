package conf

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that the parser never panics and that whatever it
// accepts prints back to text that parses to the same tree. Seeds: the
// grammar table and SRS's own config files.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	files, _ := filepath.Glob("testdata/srs/*.conf")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
	noFiles := func(name string) (io.ReadCloser, error) { return nil, errors.New("no files in fuzzing") }
	f.Fuzz(func(t *testing.T, in string) {
		p := Parser{Open: noFiles}
		root, err := p.Parse(strings.NewReader(in), "fuzz.conf")
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a *ParseError: %v", err)
			}
			return
		}
		text := root.String()
		again, err := p.Parse(strings.NewReader(text), "again.conf")
		if err != nil {
			t.Fatalf("printed tree does not parse: %v\ninput %q\nprinted %q", err, in, text)
		}
		if !again.Equal(root) {
			t.Fatalf("round trip changed the tree\ninput %q\nprinted %q\nreprinted %q", in, text, again.String())
		}
		// The second stage must not panic either.
		_, _, _ = FromDirective(root, nil)
	})
}
