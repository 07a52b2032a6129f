package codec

import "fmt"

// bitReader reads the RBSP of a NAL unit (ITU-T H.264 7.3.1, H.265 7.3.1.1)
// bit by bit, most significant bit first, straight from the NAL unit bytes:
// each emulation_prevention_three_byte (the 03 of 00 00 03) is dropped when
// it is reached, so the NAL unit is never copied.
//
// Errors stick: after the first failed read or range check every read
// returns 0 and err holds that first error, so a parser may read a run of
// fields and check once. A loop whose count comes from the data must have a
// bound of its own, or stop on err.
type bitReader struct {
	b     []byte
	what  string // the structure, for error messages
	next  int    // index in b of the next byte to load
	cur   byte   // the byte being read
	left  uint   // bits of cur not read yet
	zeros int    // zero bytes loaded just before cur
	err   error
}

func newBitReader(b []byte, what string) bitReader {
	return bitReader{b: b, what: what}
}

// fail records err unless an error is already recorded.
func (r *bitReader) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// load makes the next RBSP byte current.
func (r *bitReader) load() bool {
	for {
		if r.next >= len(r.b) {
			r.fail(fmt.Errorf("%w: %s ends after %d bytes", ErrShortBuffer, r.what, len(r.b)))
			return false
		}
		c := r.b[r.next]
		r.next++
		if r.zeros >= 2 && c == 3 {
			r.zeros = 0
			continue // emulation_prevention_three_byte
		}
		if c == 0 {
			r.zeros++
		} else {
			r.zeros = 0
		}
		r.cur, r.left = c, 8
		return true
	}
}

// bit reads one bit.
func (r *bitReader) bit() uint32 {
	if r.err != nil || (r.left == 0 && !r.load()) {
		return 0
	}
	r.left--
	return uint32(r.cur>>r.left) & 1
}

// flag reads a u(1) as a bool.
func (r *bitReader) flag() bool { return r.bit() == 1 }

// u reads an n-bit unsigned integer, n <= 32.
func (r *bitReader) u(n int) uint32 {
	var v uint32
	for range n {
		v = v<<1 | r.bit()
	}
	return v
}

// u64 reads an n-bit unsigned integer, n <= 64.
func (r *bitReader) u64(n int) uint64 {
	var v uint64
	for range n {
		v = v<<1 | uint64(r.bit())
	}
	return v
}

// skip drops n bits.
func (r *bitReader) skip(n int) {
	for range n {
		r.bit()
	}
}

// ue reads an unsigned exp-Golomb code, ue(v) (ITU-T H.264 9.1). Codes of
// more than 31 leading zero bits (values beyond 2^32-2) are out of range.
func (r *bitReader) ue() uint32 {
	zeros := 0
	for r.bit() == 0 {
		if r.err != nil {
			return 0
		}
		if zeros++; zeros > 31 {
			r.fail(fmt.Errorf("%w: %s has an exp-Golomb code with more than 31 leading zeros", ErrOutOfRange, r.what))
			return 0
		}
	}
	return 1<<zeros - 1 + r.u(zeros)
}

// se reads a signed exp-Golomb code, se(v) (ITU-T H.264 9.1.1).
func (r *bitReader) se() int32 {
	k := r.ue()
	if k&1 == 1 {
		return int32(k/2 + 1)
	}
	return -int32(k / 2)
}

// ueMax reads a ue(v) and fails with ErrOutOfRange when it exceeds max. It
// returns a value within [0, max], 0 on failure, so loop counts stay bounded.
func (r *bitReader) ueMax(field string, max uint32) uint32 {
	v := r.ue()
	if v > max {
		r.fail(fmt.Errorf("%w: %s %s %d > %d", ErrOutOfRange, r.what, field, v, max))
		return 0
	}
	return v
}
