package conf

import (
	"errors"
	"io"
	"io/fs"
	"strings"
	"testing"
)

// parseCase is one grammar case: the input, and either the tree printed in
// SRS grammar plus the line of every directive in depth-first order, or the
// error message and its line.
type parseCase struct {
	name    string
	in      string
	want    string // Print of the tree
	lines   []int  // Directive.Line in depth-first order; nil = not checked
	wantErr string // error message (without "FILE:LINE: ")
	errLine int
}

// parseCases transcribes the grammar cases of SRS's ConfigDirectiveTest
// (ossrs/srs trunk/src/utest/srs_utest_config.cpp, MIT licence, credit to the
// SRS authors) as data, plus cases for the rules in
// reference/srs-behaviour.md 1.10 that SRS's tests do not spell out.
var parseCases = []parseCase{
	// SRS ConfigDirectiveTest.
	{name: "ParseEmpty", in: "", want: ""},
	{name: "ParseNameOnly", in: "winlin;", want: "winlin;\n", lines: []int{1}},
	{name: "ParseNameArg0Only", in: "winlin arg0;", want: "winlin arg0;\n"},
	{name: "ParseNameArg1Only", in: "winlin arg0 arg1;", want: "winlin arg0 arg1;\n"},
	{name: "ParseNameArg2Only", in: "winlin arg0 arg1 arg2;", want: "winlin arg0 arg1 arg2;\n"},
	{name: "ParseNameArg2Dir0", in: "winlin arg0 arg1 arg2 {dir0;}", want: "winlin arg0 arg1 arg2 {\n    dir0;\n}\n"},
	{name: "ParseNameArg2Dir0NoEmpty", in: "winlin arg0 arg1 arg2{dir0;}", want: "winlin arg0 arg1 arg2 {\n    dir0;\n}\n"},
	{name: "ParseNameArg2_Dir0Arg0", in: "winlin arg0 arg1 arg2 {dir0 dir_arg0;}", want: "winlin arg0 arg1 arg2 {\n    dir0 dir_arg0;\n}\n"},
	{name: "ParseNameArg2_Dir0Arg0_Dir0", in: "winlin arg0 arg1 arg2 {dir0 dir_arg0 {ddir0;}}",
		want: "winlin arg0 arg1 arg2 {\n    dir0 dir_arg0 {\n        ddir0;\n    }\n}\n"},
	{name: "ParseNameArg2_Dir0Arg0_Dir0Arg0", in: "winlin arg0 arg1 arg2 {dir0 dir_arg0 {ddir0 ddir_arg0;}}",
		want: "winlin arg0 arg1 arg2 {\n    dir0 dir_arg0 {\n        ddir0 ddir_arg0;\n    }\n}\n"},
	{name: "Parse2SingleDirs", in: "dir0 arg0;dir1 arg1;", want: "dir0 arg0;\ndir1 arg1;\n", lines: []int{1, 1}},
	{name: "ParseSingleComplexDirs", in: "dir0 arg0;dir1 {dir2 arg2;}", want: "dir0 arg0;\ndir1 {\n    dir2 arg2;\n}\n"},
	{name: "ParseStringArgs", in: `dir0 arg0 "str_arg" 100;`, want: "dir0 arg0 str_arg 100;\n"},
	{name: "ParseStringArgsWithSpace", in: `dir0 arg0 "str_arg space" 100;`, want: "dir0 arg0 \"str_arg space\" 100;\n"},
	{name: "ParseNumberArgs", in: "dir0 100 101 102;", want: "dir0 100 101 102;\n"},
	{name: "ParseFloatArgs", in: "dir0 100.01 101.02 102.03;", want: "dir0 100.01 101.02 102.03;\n"},
	{name: "ParseComments", in: "#commnets\ndir0 arg0;\n#end-comments", want: "dir0 arg0;\n", lines: []int{2}},
	{name: "ParseCommentsInline", in: "#commnets\ndir0 arg0;#inline comments\n#end-comments", want: "dir0 arg0;\n"},
	{name: "ParseCommentsInlineWithSpace", in: " #commnets\ndir0 arg0; #inline comments\n #end-comments", want: "dir0 arg0;\n"},
	{name: "ParseCommentsInlinemixed", in: "#commnets\ndir0 arg0;#inline comments\n#end-comments\ndir1 arg1;",
		want: "dir0 arg0;\ndir1 arg1;\n", lines: []int{2, 4}},
	{name: "ParseSpecialChars", in: "dir0 http://www.ossrs.net/api/v1/versions?level=major;",
		want: "dir0 http://www.ossrs.net/api/v1/versions?level=major;\n"},
	{name: "ParseSpecialChars2", in: "dir0 rtmp://[server]:[port]/[app]/[stream]_[engine];",
		want: "dir0 rtmp://[server]:[port]/[app]/[stream]_[engine];\n"},
	{name: "ParseInvalidNoEndOfDirective", in: "dir0", wantErr: `unexpected end of file, expecting ; or "}"`, errLine: 1},
	{name: "ParseInvalidNoEndOfSubDirective", in: "dir0 {", wantErr: `unexpected end of file, expecting "}"`, errLine: 1},
	{name: "ParseInvalidNoStartOfSubDirective", in: "dir0 }", wantErr: "unexpected '}'", errLine: 1},
	{name: "ParseInvalidEmptyName", in: ";", wantErr: "unexpected ';'", errLine: 1},
	{name: "ParseInvalidEmptyName2", in: "{}", wantErr: "unexpected '{'", errLine: 1},
	{name: "ParseInvalidEmptyDirective", in: "dir0 {}", want: "dir0;\n"},
	{name: "ParseLine", in: "dir0 {}", want: "dir0;\n", lines: []int{1}},
	{name: "ParseLine2", in: "\n\ndir0 {}", want: "dir0;\n", lines: []int{3}},
	{name: "ParseLine3", in: "dir0 {\n\ndir1 arg0;}", want: "dir0 {\n    dir1 arg0;\n}\n", lines: []int{1, 3}},
	// SRS 2's ParseLine4 accepted a directive across lines; SRS 4+ refuses it.
	{name: "ParseLine4", in: "dir0 {\n\ndir1 \n\narg0;dir2 arg1;}", wantErr: "unexpected end of line to parse token dir1", errLine: 3},
	{name: "ParseLineNormal", in: "dir0 {\ndir1 {\ndir2 arg2;\n}\n}", want: "dir0 {\n    dir1 {\n        dir2 arg2;\n    }\n}\n", lines: []int{1, 2, 3}},
	{name: "ParseInvalidEndOfLine/arg", in: "dir0 \narg0;", wantErr: "unexpected end of line to parse token dir0", errLine: 1},
	{name: "ParseInvalidEndOfLine/semicolon", in: "dir0 arg0\n;", wantErr: "unexpected end of line to parse token dir0", errLine: 1},
	{name: "ParseInvalidEndOfLine/name", in: "dir0\n;", wantErr: "unexpected end of line to parse token dir0", errLine: 1},
	{name: "ParseInvalidEndOfLine/CR", in: "dir0 \rarg0;", wantErr: "unexpected end of line to parse token dir0", errLine: 1},
	{name: "ParseInvalidEndOfLine/CRsemicolon", in: "dir0 arg0\r;", wantErr: "unexpected end of line to parse token dir0", errLine: 1},
	{name: "ParseInvalidEndOfLine/block", in: "dir0 \n { dir1 arg1; }", wantErr: "unexpected end of line to parse token dir0", errLine: 1},
	{name: "ParseInvalidEndOfLine/line3", in: "a;\nb;\nc d\ne;", wantErr: "unexpected end of line to parse token c", errLine: 3},
	{name: "CRLF", in: "dir0 arg0;\r\ndir1 {\r\n    dir2;\r\n}\r\n", want: "dir0 arg0;\ndir1 {\n    dir2;\n}\n", lines: []int{1, 2, 3}},

	// Quoting.
	{name: "SingleQuotes", in: "dir0 'a b' c;", want: "dir0 \"a b\" c;\n"},
	{name: "EmptyQuotedDropped", in: `dir0 "" b '';`, want: "dir0 b;\n"},
	{name: "EmptyQuotedOnly", in: `"";`, wantErr: "empty directive", errLine: 1},
	{name: "QuoteMidWordLiteral", in: `dir0 a"b c'd;`, want: "dir0 a\"b c'd;\n"},
	{name: "QuotedKeepsSyntax", in: `dir0 "a;b{c}#d";`, want: "dir0 \"a;b{c}#d\";\n"},
	{name: "QuoteOtherQuote", in: `dir0 '"x' "'y";`, want: "dir0 '\"x' \"'y\";\n"},
	{name: "CharAfterQuote", in: `dir0 "a"b;`, wantErr: "unexpected 'b'", errLine: 1},
	{name: "BraceAfterQuote", in: `dir0 "a"}`, wantErr: "unexpected '}'", errLine: 1},
	{name: "QuoteThenSemicolon", in: `dir0 "a";`, want: "dir0 a;\n"},
	{name: "QuoteThenBlock", in: `dir0 "a"{b;}`, want: "dir0 a {\n    b;\n}\n"},
	{name: "QuotedNameAcrossLines", in: "\"a\nb\" c;", want: "\"a\nb\" c;\n", lines: []int{1}},
	{name: "QuotedArgAcrossLines", in: "dir0 \"a\nb\";", wantErr: "unexpected end of line to parse token dir0", errLine: 1},
	{name: "UnterminatedQuote", in: `dir0 "abc`, wantErr: `unexpected end of file, expecting ; or "}"`, errLine: 1},

	// Comments and special words.
	{name: "HashMidWord", in: "dir0 a#b;", want: "dir0 a#b;\n"},
	{name: "CommentAfterArgs", in: "dir0 arg0 # comment\n;", wantErr: "unexpected end of line to parse token dir0", errLine: 1},
	{name: "CommentOnlyFile", in: "# a\n   # b\n", want: ""},
	{name: "CommentNoNewline", in: "dir0; # the end", want: "dir0;\n"},
	{name: "BraceGluedToWord", in: "dir0 a b}", wantErr: `unexpected end of file, expecting ; or "}"`, errLine: 1},
	{name: "BraceGluedToWordTerminated", in: "dir0 a b};", want: "dir0 a b};\n"},
	{name: "CloseAtFileLevel", in: "dir0;\n}", wantErr: `unexpected "}"`, errLine: 2},
	{name: "EOFInBlockReportsBlockLine", in: "a;\nb {\nc;\n", wantErr: `unexpected end of file, expecting "}"`, errLine: 2},
	{name: "EOFInNestedBlock", in: "dir0 {} dir1 {", wantErr: `unexpected end of file, expecting "}"`, errLine: 1},
	{name: "EmptyBlockThenDirective", in: "a {}\nb;", want: "a;\nb;\n"},
	{name: "IncludeEmpty", in: "include;", wantErr: "include is empty directive", errLine: 1},
	{name: "Tabs", in: "\tdir0\targ0\t;\t", want: "dir0 arg0;\n"},
	{name: "TooDeep", in: strings.Repeat("a{", MaxBlockDepth+1), wantErr: "blocks nested deeper than 64", errLine: 1},
	{name: "DeepEnough", in: strings.Repeat("a{", MaxBlockDepth) + "b;" + strings.Repeat("}", MaxBlockDepth),
		want: deepWant(MaxBlockDepth)},
	{name: "NUL", in: "dir0 a\x00b c;", want: "dir0 a c;\n"},
}

func deepWant(n int) string {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.WriteString(strings.Repeat("    ", i) + "a {\n")
	}
	sb.WriteString(strings.Repeat("    ", n) + "b;\n")
	for i := n - 1; i >= 0; i-- {
		sb.WriteString(strings.Repeat("    ", i) + "}\n")
	}
	return sb.String()
}

func dfsLines(d *Directive, out []int) []int {
	for _, c := range d.Children {
		out = append(out, c.Line)
		out = dfsLines(c, out)
	}
	return out
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			root, err := ParseString(tc.in, "t.conf")
			if tc.wantErr != "" {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("got err %v (tree %q), want ParseError %q", err, root, tc.wantErr)
				}
				if pe.Msg != tc.wantErr || pe.Line != tc.errLine || pe.File != "t.conf" {
					t.Fatalf("got %q at %s:%d, want %q at t.conf:%d", pe.Msg, pe.File, pe.Line, tc.wantErr, tc.errLine)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if got := root.String(); got != tc.want {
				t.Fatalf("got\n%q\nwant\n%q", got, tc.want)
			}
			if tc.lines != nil {
				if got := dfsLines(root, nil); !equalInts(got, tc.lines) {
					t.Fatalf("lines %v, want %v", got, tc.lines)
				}
			}
			again, err := ParseString(root.String(), "again.conf")
			if err != nil || !again.Equal(root) {
				t.Fatalf("print does not round-trip: %v\n%s", err, root)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseErrorText(t *testing.T) {
	_, err := ParseString("a;\nb c\n;", "x/y.conf")
	if err == nil || err.Error() != "x/y.conf:2: unexpected end of line to parse token b" {
		t.Fatalf("got %v", err)
	}
}

// memFS is an injected opener over in-memory files.
func memFS(files map[string]string) func(string) (io.ReadCloser, error) {
	return func(name string) (io.ReadCloser, error) {
		s, ok := files[name]
		if !ok {
			return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
		}
		return io.NopCloser(strings.NewReader(s)), nil
	}
}

func TestInclude(t *testing.T) {
	deep := map[string]string{}
	for i := 0; i < 30; i++ {
		deep["d"+string(rune('a'+i))] = "include d" + string(rune('a'+i+1)) + ";"
	}
	cases := []struct {
		name    string
		files   map[string]string
		in      string
		want    string
		wantErr string // substring of the error text
	}{
		{name: "root", files: map[string]string{"a.conf": "x 1;\ny 2;\n"},
			in: "listen 1935;\ninclude a.conf;\nz 3;", want: "listen 1935;\nx 1;\ny 2;\nz 3;\n"},
		{name: "several", files: map[string]string{"a": "x;", "b": "y;"},
			in: "include a b;", want: "x;\ny;\n"},
		{name: "inBlock", files: map[string]string{"v.conf": "enabled on;\nplay { gop_cache off; }\n"},
			in:   "vhost v {\n    include v.conf;\n    chunk_size 4096;\n}\n",
			want: "vhost v {\n    enabled on;\n    play {\n        gop_cache off;\n    }\n    chunk_size 4096;\n}\n"},
		{name: "nested", files: map[string]string{"a": "include b;", "b": "deep;"}, in: "include a;", want: "deep;\n"},
		{name: "twiceNotACycle", files: map[string]string{"a": "x;"}, in: "include a;\ninclude a;", want: "x;\nx;\n"},
		{name: "whitespaceAndCRLF", files: map[string]string{"a": "x;"}, in: "include    a  ;\r\n", want: "x;\n"},
		{name: "empty", in: "include;", wantErr: "t.conf:1: include is empty directive"},
		{name: "missing", in: "a;\ninclude nope.conf;", wantErr: "t.conf:2: include nope.conf: open nope.conf: file does not exist"},
		{name: "strayBrace", files: map[string]string{"a": "x;\n}\n"}, in: "v {\ninclude a;\n}", wantErr: `a:2: unexpected "}"`},
		{name: "errorInInclude", files: map[string]string{"a": "x\ny;"}, in: "include a;", wantErr: "a:1: unexpected end of line to parse token x"},
		{name: "openBlockInInclude", files: map[string]string{"a": "x {"}, in: "include a;\n}", wantErr: `a:1: unexpected end of file, expecting "}"`},
		{name: "cycle", files: map[string]string{"a": "include b;", "b": "include a;"}, in: "include a;", wantErr: "b:1: include a: include cycle"},
		{name: "selfCycle", files: map[string]string{"t.conf": "include t.conf;"}, in: "include t.conf;", wantErr: "include t.conf: include cycle"},
		{name: "tooDeep", files: deep, in: "include da;", wantErr: "nested deeper than 16"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := Parser{Open: memFS(tc.files)}
			root, err := p.Parse(strings.NewReader(tc.in), "t.conf")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := root.String(); got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

func TestIncludeKeepsPositions(t *testing.T) {
	p := Parser{Open: memFS(map[string]string{"inc/v.conf": "\n\nvhost v {}\n"})}
	root, err := p.Parse(strings.NewReader("listen 1935;\ninclude inc/v.conf;\n"), "main.conf")
	if err != nil {
		t.Fatal(err)
	}
	v := root.Get("vhost")
	if v.File != "inc/v.conf" || v.Line != 3 {
		t.Fatalf("vhost at %s:%d, want inc/v.conf:3", v.File, v.Line)
	}
	if l := root.Get("listen"); l.File != "main.conf" || l.Line != 1 {
		t.Fatalf("listen at %s:%d", l.File, l.Line)
	}
}

func TestIncludeMissingUnwraps(t *testing.T) {
	p := Parser{Open: memFS(nil)}
	_, err := p.Parse(strings.NewReader("include x;"), "t.conf")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want fs.ErrNotExist inside", err)
	}
}

func TestParseTooLarge(t *testing.T) {
	big := strings.Repeat("# padding\n", MaxFileSize/10+1)
	_, err := ParseString(big, "big.conf")
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
}

func TestPrintQuoting(t *testing.T) {
	d := &Directive{Children: []*Directive{
		{Name: "a", Args: []string{"x y", "", "#c", "}", "p;q", "{", "'s", `"d`, `both"'`}},
	}}
	got := d.String()
	want := "a \"x y\" \"\" \"#c\" \"}\" \"p;q\" \"{\" \"'s\" '\"d' both\"';\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
