package conf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Directive is one node of the configuration tree: `name args... ;` or
// `name args... { children }`. The root directive has an empty Name and holds
// the top-level directives of the file.
type Directive struct {
	Name     string       // first word of the directive; "" for the root
	Args     []string     // the following words, never empty strings
	Children []*Directive // the directives of its block, in file order
	File     string       // file the directive was read from
	Line     int          // line of its first word, starting at 1; 0 for the root
}

// Get returns the first child named name, or nil. SRS reads every scalar
// directive this way, so the first of duplicated directives wins.
func (d *Directive) Get(name string) *Directive {
	if d == nil {
		return nil
	}
	for _, c := range d.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// Arg0 returns the first argument, or "" when there is none (SRS arg0()).
func (d *Directive) Arg0() string {
	if d == nil || len(d.Args) == 0 {
		return ""
	}
	return d.Args[0]
}

// Clone returns a deep copy of d.
func (d *Directive) Clone() *Directive {
	if d == nil {
		return nil
	}
	c := &Directive{Name: d.Name, File: d.File, Line: d.Line}
	if d.Args != nil {
		c.Args = append([]string(nil), d.Args...)
	}
	if d.Children != nil {
		c.Children = make([]*Directive, len(d.Children))
		for i, ch := range d.Children {
			c.Children[i] = ch.Clone()
		}
	}
	return c
}

// Equal reports whether d and o have the same names, arguments and children,
// ignoring File and Line.
func (d *Directive) Equal(o *Directive) bool {
	if d == nil || o == nil {
		return d == o
	}
	if d.Name != o.Name || len(d.Args) != len(o.Args) || len(d.Children) != len(o.Children) {
		return false
	}
	for i := range d.Args {
		if d.Args[i] != o.Args[i] {
			return false
		}
	}
	for i := range d.Children {
		if !d.Children[i].Equal(o.Children[i]) {
			return false
		}
	}
	return true
}

// ParseError is an error at a position of a configuration file: a grammar
// error, an include that cannot be read, or a directive SRS would refuse.
// Its text is "FILE:LINE: message".
type ParseError struct {
	File string // file name as given to the parser or to include
	Line int    // line number, starting at 1
	Msg  string // what is wrong
	Err  error  // underlying error, if any (for example from opening an include)
}

// Error implements error.
func (e *ParseError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Limits of the parser. A router must not be made to read a huge file or to
// follow includes forever.
const (
	// MaxFileSize bounds each file read by the parser, includes too.
	MaxFileSize = 4 << 20
	// MaxIncludeDepth bounds how deeply includes may nest.
	MaxIncludeDepth = 16
	// MaxBlockDepth bounds how deeply blocks may nest (SRS's deepest is 4).
	// Without it a small file of nested braces costs quadratic time to print.
	MaxBlockDepth = 64
)

// ErrTooLarge is returned (wrapped in a *ParseError) for a file larger than
// MaxFileSize.
var ErrTooLarge = errors.New("conf: file too large")

// Parser parses SRS configuration text. The zero value opens include files
// with os.Open, relative to the process working directory, as SRS does.
type Parser struct {
	// Open opens an included file. Nil means os.Open.
	Open func(name string) (io.ReadCloser, error)
}

// Parse reads a whole configuration from r with the default Parser. name is
// used in error messages and in Directive.File.
func Parse(r io.Reader, name string) (*Directive, error) {
	var p Parser
	return p.Parse(r, name)
}

// ParseString parses configuration text held in a string.
func ParseString(s, name string) (*Directive, error) {
	return Parse(strings.NewReader(s), name)
}

// ParseFile opens and parses the named file with the default Parser.
func ParseFile(name string) (*Directive, error) {
	var p Parser
	return p.ParseFile(name)
}

// ParseFile opens and parses the named file.
func (p *Parser) ParseFile(name string) (*Directive, error) {
	data, err := p.read(name)
	if err != nil {
		return nil, err
	}
	return p.parseBytes(data, name)
}

// Parse reads a whole configuration from r. name is used in error messages
// and in Directive.File, and is the first entry of the include chain.
func (p *Parser) Parse(r io.Reader, name string) (*Directive, error) {
	data, err := readAll(r)
	if err != nil {
		return nil, &ParseError{File: name, Line: 0, Msg: err.Error(), Err: err}
	}
	return p.parseBytes(data, name)
}

func (p *Parser) parseBytes(data []byte, name string) (*Directive, error) {
	root := &Directive{File: name}
	st := &parseState{p: p, stack: []string{includeKey(name)}}
	if err := st.parse(&buffer{data: data, line: 1, name: name}, root, ctxFile); err != nil {
		return nil, err
	}
	return root, nil
}

func readAll(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileSize {
		return nil, ErrTooLarge
	}
	return data, nil
}

func (p *Parser) read(name string) ([]byte, error) {
	open := p.Open
	if open == nil {
		open = func(n string) (io.ReadCloser, error) { return os.Open(n) }
	}
	f, err := open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f)
}

func includeKey(name string) string {
	if abs, err := filepath.Abs(name); err == nil {
		return abs
	}
	return filepath.Clean(name)
}

type parseContext int

const (
	ctxFile parseContext = iota
	ctxBlock
)

type tokenState int

const (
	stEntire     tokenState = iota // directive ended by ';'
	stBlockStart                   // directive ended by '{'
	stBlockEnd                     // '}'
	stEOF                          // end of the buffer
)

type parseState struct {
	p     *Parser
	stack []string // include chain, outermost first
	depth int      // blocks open
}

// parse reads directives into parent until the block or the file ends. It
// follows SrsConfDirective::parse_conf: a '}' ends a block and is an error in
// file context; end of input is an error in block context.
func (s *parseState) parse(b *buffer, parent *Directive, ctx parseContext) error {
	for {
		args, lineStart, state, err := b.readToken()
		if err != nil {
			return err
		}
		switch state {
		case stBlockEnd:
			if ctx == ctxBlock {
				return nil
			}
			return b.errorf(b.line, `unexpected "}"`)
		case stEOF:
			if ctx != ctxBlock {
				return nil
			}
			return b.errorf(parent.Line, `unexpected end of file, expecting "}"`)
		}
		if len(args) == 0 {
			return b.errorf(b.line, "empty directive")
		}
		if args[0] != "include" {
			d := &Directive{Name: args[0], File: b.name, Line: lineStart}
			if len(args) > 1 {
				d.Args = args[1:]
			}
			parent.Children = append(parent.Children, d)
			if state == stBlockStart {
				if s.depth >= MaxBlockDepth {
					return b.errorf(lineStart, "blocks nested deeper than %d", MaxBlockDepth)
				}
				s.depth++
				err := s.parse(b, d, ctxBlock)
				s.depth--
				if err != nil {
					return err
				}
			}
			continue
		}
		files := args[1:]
		if len(files) == 0 {
			return b.errorf(b.line, "include is empty directive")
		}
		for _, f := range files {
			if err := s.include(b, lineStart, f, parent); err != nil {
				return err
			}
		}
	}
}

// include splices the directives of file into parent, parsed in file context.
func (s *parseState) include(b *buffer, line int, file string, parent *Directive) error {
	if len(s.stack) > MaxIncludeDepth {
		return b.errorf(line, "include %s: nested deeper than %d", file, MaxIncludeDepth)
	}
	key := includeKey(file)
	for _, k := range s.stack {
		if k == key {
			return b.errorf(line, "include %s: include cycle", file)
		}
	}
	data, err := s.p.read(file)
	if err != nil {
		return &ParseError{File: b.name, Line: line, Msg: fmt.Sprintf("include %s: %v", file, err), Err: err}
	}
	s.stack = append(s.stack, key)
	defer func() { s.stack = s.stack[:len(s.stack)-1] }()
	return s.parse(&buffer{data: data, line: 1, name: file}, parent, ctxFile)
}

// buffer is the text of one file being tokenized.
type buffer struct {
	data []byte
	pos  int
	line int
	name string
}

func (b *buffer) errorf(line int, format string, a ...any) error {
	return &ParseError{File: b.name, Line: line, Msg: fmt.Sprintf(format, a...)}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// readToken reads the words of one directive, up to and including the ';',
// '{' or '}' that ends it. It follows SrsConfDirective::read_token (a port of
// ngx_conf_read_token) with SRS's rule that a directive must not span lines.
func (b *buffer) readToken() (args []string, lineStart int, state tokenState, err error) {
	var (
		pstart    = b.pos
		comment   bool
		dquoted   bool
		squoted   bool
		needSpace bool
		lastSpace = true
	)
	for {
		if b.pos >= len(b.data) {
			if len(args) > 0 || !lastSpace {
				return nil, 0, 0, b.errorf(b.line, `unexpected end of file, expecting ; or "}"`)
			}
			return nil, 0, stEOF, nil
		}
		ch := b.data[b.pos]
		b.pos++

		if ch == '\n' || ch == '\r' {
			line := b.line
			if ch == '\n' {
				b.line++
			}
			comment = false
			if len(args) > 0 {
				return nil, 0, 0, b.errorf(line, "unexpected end of line to parse token %s", args[0])
			}
		}
		if comment {
			continue
		}
		if needSpace {
			switch {
			case isSpace(ch):
				lastSpace, needSpace = true, false
				continue
			case ch == ';':
				return args, lineStart, stEntire, nil
			case ch == '{':
				return args, lineStart, stBlockStart, nil
			}
			return nil, 0, 0, b.errorf(b.line, "unexpected '%c'", ch)
		}
		if lastSpace {
			if isSpace(ch) {
				continue
			}
			pstart = b.pos - 1
			switch ch {
			case ';':
				if len(args) == 0 {
					return nil, 0, 0, b.errorf(b.line, "unexpected ';'")
				}
				return args, lineStart, stEntire, nil
			case '{':
				if len(args) == 0 {
					return nil, 0, 0, b.errorf(b.line, "unexpected '{'")
				}
				return args, lineStart, stBlockStart, nil
			case '}':
				if len(args) != 0 {
					return nil, 0, 0, b.errorf(b.line, "unexpected '}'")
				}
				return nil, 0, stBlockEnd, nil
			case '#':
				comment = true
			case '"':
				pstart++
				dquoted, lastSpace = true, false
			case '\'':
				pstart++
				squoted, lastSpace = true, false
			default:
				lastSpace = false
			}
			continue
		}

		// Inside a word.
		if lineStart == 0 {
			lineStart = b.line
		}
		found := false
		switch {
		case dquoted:
			if ch == '"' {
				dquoted, needSpace, found = false, true, true
			}
		case squoted:
			if ch == '\'' {
				squoted, needSpace, found = false, true, true
			}
		case isSpace(ch) || ch == ';' || ch == '{':
			lastSpace, found = true, true
		}
		if !found {
			continue
		}
		word := b.data[pstart : b.pos-1]
		// SRS copies the word into a C string: it ends at the first NUL.
		if i := bytes.IndexByte(word, 0); i >= 0 {
			word = word[:i]
		}
		if len(word) > 0 {
			args = append(args, string(word))
		}
		switch {
		case ch == ';':
			return args, lineStart, stEntire, nil
		case ch == '{':
			return args, lineStart, stBlockStart, nil
		case ch == '\n' && len(args) > 0:
			return nil, 0, 0, b.errorf(b.line-1, "unexpected end of line to parse token %s", args[0])
		case ch == '\r' && len(args) > 0:
			return nil, 0, 0, b.errorf(b.line, "unexpected end of line to parse token %s", args[0])
		}
	}
}
