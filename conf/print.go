package conf

import (
	"bufio"
	"io"
	"strings"
)

// String returns the directive and its block in SRS grammar, as Print writes
// it. For the root it is the whole configuration.
func (d *Directive) String() string {
	var sb strings.Builder
	_ = d.Print(&sb)
	return sb.String()
}

// Print writes the directive tree in SRS grammar, indented by four spaces per
// level as SRS's SrsConfDirective::persistence does, one directive per line.
// The root (empty Name) prints only its children. Words that the grammar would
// otherwise split or read as syntax are quoted, so that parsing the output
// yields the same tree (ignoring File and Line).
//
// A word can be quoted only if it lacks one of the two quote characters; a
// word holding both, or an argument holding a line break, cannot be written
// in SRS grammar and is written as is. The parser never produces such words.
func (d *Directive) Print(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if d.Name == "" && d.Line == 0 && len(d.Args) == 0 {
		for _, c := range d.Children {
			c.print(bw, 0)
		}
	} else {
		d.print(bw, 0)
	}
	return bw.Flush()
}

func (d *Directive) print(w *bufio.Writer, level int) {
	indent := strings.Repeat("    ", level)
	w.WriteString(indent)
	w.WriteString(quoteWord(d.Name))
	for _, a := range d.Args {
		w.WriteByte(' ')
		w.WriteString(quoteWord(a))
	}
	if len(d.Children) == 0 {
		w.WriteString(";\n")
		return
	}
	w.WriteString(" {\n")
	for _, c := range d.Children {
		c.print(w, level+1)
	}
	w.WriteString(indent)
	w.WriteString("}\n")
}

// quoteWord returns s, quoted if the tokenizer would not read it back as the
// single word s.
func quoteWord(s string) string {
	if !needsQuote(s) {
		return s
	}
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + s + "'"
}

func needsQuote(s string) bool {
	if s == "" {
		return true
	}
	switch s[0] {
	case '"', '\'', '#', '}', ';', '{':
		return true
	}
	return strings.ContainsAny(s, " \t\r\n;{")
}
