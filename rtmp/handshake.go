package rtmp

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"
)

// Handshake.
// Specification: spec-rtmp_specification_1.0 section 5.2 (C0/S0, C1/S1,
// C2/S2, 1536-byte blocks). The "complex" handshake (digest in C1/S1, signed
// with the Genuine Adobe Flash keys) is not in that document; it is what Flash
// Player, FMS, ffmpeg and librtmp do, and several clients insist on it.
//
// C1/S1 layout for the complex handshake: time(4) version(4) and then two
// 764-byte blocks, a key block and a digest block. Scheme 0 puts the key block
// first (digest block at byte 772), scheme 1 the digest block first (at byte
// 8). The digest block starts with four bytes whose sum modulo 728 gives the
// offset of the 32-byte digest after them.

const handshakeSize = 1536

// RTMPVersion is the only protocol version picosrs speaks (C0/S0), section 5.2.1.
const RTMPVersion = 3

// Handshake errors.
var (
	ErrHandshakeVersion = errors.New("rtmp: handshake: unsupported version")
)

var keyTail = []byte{
	0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1,
	0x02, 0x9e, 0x7e, 0x57, 0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab,
	0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
}

var (
	// fmsKey is the published Genuine Flash Media Server key; its first 36
	// bytes sign S1, the whole key derives the S2 signing key.
	fmsKey = append([]byte("Genuine Adobe Flash Media Server 001"), keyTail...)
	// fpKey is the published Genuine Flash Player key; its first 30 bytes
	// sign C1, the whole key derives the C2 signing key.
	fpKey = append([]byte("Genuine Adobe Flash Player 001"), keyTail...)
)

// Version fields written in S1 and C1 (non-zero means "complex handshake").
var (
	serverVersion = [4]byte{0x0d, 0x0e, 0x0a, 0x0d}
	clientVersion = [4]byte{0x09, 0x00, 0x7c, 0x02}
)

// digestPos returns the offset of the 32-byte digest in a C1/S1 block.
func digestPos(b []byte, scheme int) int {
	base := 772
	if scheme == 1 {
		base = 8
	}
	sum := int(b[base]) + int(b[base+1]) + int(b[base+2]) + int(b[base+3])
	return base + 4 + sum%728
}

// digester computes the handshake's HMAC-SHA256 digests (RFC 2104) with
// two SHA-256 states it reuses: a server handshake's, kept with its pooled
// blocks, allocate nothing, where crypto/hmac allocated about 2.5 kB per
// handshake (a burst of a thousand players left 2.5 MB to the collector).
type digester struct {
	inner, outer hash.Hash
	pad          [sha256.BlockSize]byte
	sum          [sha256.Size]byte
}

// mac returns HMAC-SHA256 of the parts with key, in d's buffer: valid until
// d computes the next.
func (d *digester) mac(key []byte, parts ...[]byte) []byte {
	if d.inner == nil {
		d.inner, d.outer = sha256.New(), sha256.New()
	}
	var k [sha256.BlockSize]byte
	if len(key) > len(k) {
		h := sha256.Sum256(key)
		copy(k[:], h[:])
	} else {
		copy(k[:], key) // before d.sum, which key may be, is written
	}
	for i := range d.pad {
		d.pad[i] = k[i] ^ 0x36
	}
	d.inner.Reset()
	d.inner.Write(d.pad[:])
	for _, p := range parts {
		d.inner.Write(p)
	}
	for i := range d.pad {
		d.pad[i] = k[i] ^ 0x5c
	}
	d.outer.Reset()
	d.outer.Write(d.pad[:])
	d.outer.Write(d.inner.Sum(d.sum[:0]))
	return d.outer.Sum(d.sum[:0])
}

// blockDigest computes the digest of a C1/S1 block: the HMAC of every byte
// except the 32 digest bytes themselves.
func (d *digester) blockDigest(b []byte, pos int, key []byte) []byte {
	return d.mac(key, b[:pos], b[pos+32:])
}

// findDigest looks for a valid digest in block b signed with key, trying
// scheme 0 then scheme 1. It returns the digest, or nil.
func (d *digester) findDigest(b, key []byte) []byte {
	for scheme := 0; scheme <= 1; scheme++ {
		pos := digestPos(b, scheme)
		if hmac.Equal(d.blockDigest(b, pos, key), b[pos:pos+32]) {
			return b[pos : pos+32]
		}
	}
	return nil
}

// signBlock writes the digest of block b into it with the given scheme.
func (d *digester) signBlock(b []byte, scheme int, key []byte) []byte {
	pos := digestPos(b, scheme)
	copy(b[pos:], d.blockDigest(b, pos, key))
	return b[pos : pos+32]
}

// signResponse fills the last 32 bytes of a C2/S2 block with its signature
// over the first 1504, keyed by HMAC(fullKey, peerDigest).
func (d *digester) signResponse(b, fullKey, peerDigest []byte) {
	k := d.mac(fullKey, peerDigest)
	copy(b[handshakeSize-32:], d.mac(k, b[:handshakeSize-32]))
}

// findDigest, signBlock and signResponse with a digester of their own.
func findDigest(b, key []byte) []byte { return new(digester).findDigest(b, key) }
func signBlock(b []byte, scheme int, key []byte) []byte {
	return new(digester).signBlock(b, scheme, key)
}
func signResponse(b, fullKey, peerDigest []byte) { new(digester).signResponse(b, fullKey, peerDigest) }

// fillRandom fills a handshake block with random bytes. They need not be
// secret; crypto/rand is here because the binary carries it anyway
// (math/rand would add its own code).
func fillRandom(b []byte) {
	rand.Read(b)
}

// ServerHandshake runs the server side of the handshake on r and w: it reads
// C0 and C1, writes S0, S1 and S2 in one write, and reads C2. When C1 carries
// a valid Flash Player digest (scheme 0 or 1) it answers with the complex
// handshake, otherwise with the simple one (S2 echoes C1). It reports whether
// the handshake was complex. Deadlines are the caller's business.
//
// C0 is read alone first and anything but version 3 fails at once, without
// waiting for C1: an HTTP request sent to the RTMP port, or RTMPE (version
// 6, not supported), is refused on its first byte rather than held until
// the handshake timeout.
func ServerHandshake(r io.Reader, w io.Writer) (complex bool, err error) {
	c0, err := readByte(r)
	if err != nil {
		return false, fmt.Errorf("rtmp: handshake: read C0: %w", err)
	}
	if c0 != RTMPVersion {
		return false, versionError(c0)
	}
	if complex, err = answerC1(r, w); err != nil {
		return false, err
	}
	// C2 is not checked (as SRS, which only reads it): it is skipped
	// without a block of its own.
	if err := skip(r, handshakeSize); err != nil {
		return false, fmt.Errorf("rtmp: handshake: read C2: %w", err)
	}
	return complex, nil
}

// answerC1 reads C1 and writes S0, S1 and S2 with blocks borrowed for just
// that long: not while the client takes its time to send C0, nor while it
// answers with C2.
func answerC1(r io.Reader, w io.Writer) (complex bool, err error) {
	b := handshakeBufs.Get().(*serverHandshakeBufs)
	defer handshakeBufs.Put(b)
	c1 := b.c1[:]
	if _, err := io.ReadFull(r, c1); err != nil {
		return false, fmt.Errorf("rtmp: handshake: read C1: %w", err)
	}
	out := b.out[:]
	out[0] = RTMPVersion
	s1 := out[1 : 1+handshakeSize]
	s2 := out[1+handshakeSize:]
	clear(s1[:8]) // time 0, version 0 (a reused block may hold the last one's)
	fillRandom(s1[8:])
	var c1Digest []byte
	if !bytes.Equal(c1[4:8], []byte{0, 0, 0, 0}) {
		c1Digest = b.digest.findDigest(c1, fpKey[:30])
	}
	if c1Digest != nil {
		copy(s1[4:8], serverVersion[:])
		b.digest.signBlock(s1, 0, fmsKey[:36])
		fillRandom(s2[:handshakeSize-32])
		b.digest.signResponse(s2, fmsKey, c1Digest)
	} else {
		copy(s2, c1) // simple handshake: S2 echoes C1 (section 5.2.4)
	}
	if _, err := w.Write(out); err != nil {
		return false, fmt.Errorf("rtmp: handshake: write S0S1S2: %w", err)
	}
	return c1Digest != nil, nil
}

// readByte reads one byte of r, without a buffer where r reads bytes.
func readByte(r io.Reader) (byte, error) {
	if br, ok := r.(io.ByteReader); ok {
		return br.ReadByte()
	}
	var b [1]byte
	_, err := io.ReadFull(r, b[:])
	return b[0], err
}

// skip reads n bytes of r and drops them.
func skip(r io.Reader, n int) error {
	if d, ok := r.(interface{ Discard(int) (int, error) }); ok {
		_, err := d.Discard(n)
		return err
	}
	_, err := io.CopyN(io.Discard, r, int64(n))
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// serverHandshakeBufs are the blocks of one server handshake (5 KiB),
// reused: connections arrive in bursts (a room of players after a
// publisher starts, a server restart), and each one's blocks are garbage
// once its handshake is done, so without reuse a burst of a thousand grows
// the heap, and with it the resident memory, by 5 MB for nothing. Every
// byte of a block is written (read in full, filled, or cleared) before it
// is sent.
type serverHandshakeBufs struct {
	c1     [handshakeSize]byte
	out    [1 + 2*handshakeSize]byte // S0 S1 S2
	digest digester
}

var handshakeBufs = sync.Pool{New: func() any { return new(serverHandshakeBufs) }}

// versionError describes a C0/S0 other than RTMPVersion.
func versionError(v byte) error {
	switch {
	case v == 6:
		return fmt.Errorf("%w 6: RTMPE (encrypted RTMP) is not supported", ErrHandshakeVersion)
	case v >= 'A' && v <= 'Z':
		return fmt.Errorf("%w 0x%02x (%q: a text protocol such as HTTP?)", ErrHandshakeVersion, v, v)
	}
	return fmt.Errorf("%w %d", ErrHandshakeVersion, v)
}

// ClientHandshake runs the client side of the handshake on r and w. With
// complex set it signs C1 (scheme 1, as Flash Player and ffmpeg do) and, if
// S1 carries a valid server digest, signs C2; a server that answers with the
// simple handshake gets S1 echoed, so both kinds of servers work.
func ClientHandshake(r io.Reader, w io.Writer, complex bool) error {
	c0c1 := make([]byte, 1+handshakeSize)
	c0c1[0] = RTMPVersion
	c1 := c0c1[1:]
	fillRandom(c1[8:])
	if complex {
		copy(c1[4:8], clientVersion[:])
		signBlock(c1, 1, fpKey[:30])
	}
	if _, err := w.Write(c0c1); err != nil {
		return fmt.Errorf("rtmp: handshake: write C0C1: %w", err)
	}
	s0s1s2 := make([]byte, 1+2*handshakeSize)
	if _, err := io.ReadFull(r, s0s1s2); err != nil {
		return fmt.Errorf("rtmp: handshake: read S0S1S2: %w", err)
	}
	if s0s1s2[0] != RTMPVersion {
		return versionError(s0s1s2[0])
	}
	s1 := s0s1s2[1 : 1+handshakeSize]
	c2 := make([]byte, handshakeSize)
	var s1Digest []byte
	if complex && !bytes.Equal(s1[4:8], []byte{0, 0, 0, 0}) {
		s1Digest = findDigest(s1, fmsKey[:36])
	}
	if s1Digest != nil {
		fillRandom(c2[:handshakeSize-32])
		signResponse(c2, fpKey, s1Digest)
	} else {
		copy(c2, s1)
	}
	if _, err := w.Write(c2); err != nil {
		return fmt.Errorf("rtmp: handshake: write C2: %w", err)
	}
	return nil
}
