package conf

import (
	"errors"
	"fmt"
	"strings"
)

// This file holds the bookkeeping that lets a validation error name the
// directive's FILE:LINE (or the SRS_* variable) that set the bad value. The
// builder records a source for every value it reads; Validate on a Config
// built in code has no sources and reports the directive path alone.

// source is where a value came from: a directive, or an environment variable.
type source struct {
	file string
	line int
	env  string // SRS_* variable; file and line are then unset
}

// sources maps srcKey(vhost, path) to where the value came from. vhost is ""
// for root directives; path is dotted and relative to the vhost block
// ("hls.hls_fragment") or to the root ("http_server.https.key").
type sources map[string]source

func srcKey(vhost, path string) string { return vhost + "\x00" + path }

// validator collects validation errors.
type validator struct {
	src  sources // nil for a Config built in code
	errs []error
}

// plain records an error without a position, "conf: message".
func (v *validator) plain(format string, a ...any) {
	v.errs = append(v.errs, fmt.Errorf("conf: "+format, a...))
}

// at records an error about the directive at path in vhost ("" for the root).
// The message is prefixed with "vhost NAME: " inside a vhost. When the value
// came from a directive the error is a *ParseError ("FILE:LINE: message");
// when it came from the environment the variable is named at the end.
func (v *validator) at(vhost, path, format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	if vhost != "" {
		msg = "vhost " + vhost + ": " + msg
	}
	s, ok := v.src[srcKey(vhost, path)]
	switch {
	case ok && s.env != "":
		v.errs = append(v.errs, fmt.Errorf("conf: %s (from %s)", msg, s.env))
	case ok:
		v.errs = append(v.errs, &ParseError{File: s.file, Line: s.line, Msg: msg})
	default:
		v.errs = append(v.errs, errors.New("conf: "+msg))
	}
}

func (v *validator) err() error { return errors.Join(v.errs...) }

// fieldErr is an error the builder found while reading a value (a size
// that does not parse), reported with the validation errors.
type fieldErr struct {
	vhost, path, msg string
}

// key splits a dotted env-style path ("vhost.hls.hls_fragment") into the
// vhost being built and the path relative to it.
func (b *builder) key(path string) (vhost, rel string) {
	if b.vhostName != "" && strings.HasPrefix(path, "vhost.") {
		return b.vhostName, strings.TrimPrefix(path, "vhost.")
	}
	return "", path
}

// note records where the value of path comes from: its SRS_* override if
// set, else the directive d (when it is not nil).
func (b *builder) note(path string, d *Directive) {
	if b.src == nil {
		b.src = sources{}
	}
	vh, rel := b.key(path)
	if _, ok := b.env.get(path); ok {
		b.src[srcKey(vh, rel)] = source{env: envName(path)}
		return
	}
	if d != nil {
		b.src[srcKey(vh, rel)] = source{file: d.File, line: d.Line}
	}
}

// noteDefault gives path, when no directive or variable set it, the source
// of the first of alts that has one (for example the enclosing block), so
// that an error about a defaulted value still points somewhere useful.
func (b *builder) noteDefault(path string, alts ...string) {
	vh, rel := b.key(path)
	k := srcKey(vh, rel)
	if _, ok := b.src[k]; ok {
		return
	}
	for _, alt := range alts {
		avh, arel := b.key(alt)
		if s, ok := b.src[srcKey(avh, arel)]; ok {
			b.src[k] = s
			return
		}
	}
}

// noteBlock records the block directive d itself under path, for
// noteDefault to fall back on.
func (b *builder) noteBlock(path string, d *Directive) {
	if d == nil {
		return
	}
	if b.src == nil {
		b.src = sources{}
	}
	vh, rel := b.key(path)
	b.src[srcKey(vh, rel)] = source{file: d.File, line: d.Line}
}

// fail records an error about the value of path.
func (b *builder) fail(path, format string, a ...any) {
	vh, rel := b.key(path)
	b.errs = append(b.errs, fieldErr{vhost: vh, path: rel, msg: fmt.Sprintf(format, a...)})
}

// size reads a size directive (ParseSize); a bad value is an error and
// reads as def.
func (b *builder) size(path string, d *Directive, def int64) int64 {
	v, _, ok := b.value(path, d)
	if !ok {
		return def
	}
	n, err := ParseSize(v)
	if err != nil {
		_, rel := b.key(path)
		b.fail(path, "%s %q: want bytes with an optional k, m or g suffix (KiB, MiB, GiB)", rel, v)
		return def
	}
	return n
}
