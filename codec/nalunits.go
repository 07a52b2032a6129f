package codec

import "fmt"

// startCode is the 4-byte Annex-B start code (ITU-T H.264 B.1.1). Shared,
// never written.
var startCode = []byte{0, 0, 0, 1}

// maxNALUSize is the largest NAL unit a configuration record can hold: its
// length is 16 bits.
const maxNALUSize = 1<<16 - 1

// readNALUs reads n NAL units, each behind a 16-bit length, from b[pos:], as
// in the parameter set lists of ISO 14496-15 5.3.3.1.2 and 8.3.3.1.2. The
// units are sub-slices of b (empty ones included, so a record re-encodes to
// the same bytes). The list's capacity is bounded by what b can hold, two
// bytes per unit, never by n alone. what names the list for errors.
func readNALUs(b []byte, pos, n int, what string) ([][]byte, int, error) {
	if n == 0 {
		return nil, pos, nil
	}
	nalus := make([][]byte, 0, min(n, (len(b)-pos)/2))
	for i := range n {
		if len(b)-pos < 2 {
			return nil, pos, fmt.Errorf("%w: %s %d of %d: no length", ErrShortBuffer, what, i+1, n)
		}
		size := int(b[pos])<<8 | int(b[pos+1])
		pos += 2
		if size > len(b)-pos {
			return nil, pos, fmt.Errorf("%w: %s %d of %d: %d bytes, %d left", ErrShortBuffer, what, i+1, n, size, len(b)-pos)
		}
		nalus = append(nalus, b[pos:pos+size:pos+size])
		pos += size
	}
	return nalus, pos, nil
}

// appendNALUs appends each NAL unit behind a 16-bit length. The caller has
// checked the sizes with checkNALUs.
func appendNALUs(dst []byte, nalus [][]byte) []byte {
	for _, n := range nalus {
		dst = append(dst, byte(len(n)>>8), byte(len(n)))
		dst = append(dst, n...)
	}
	return dst
}

// checkNALUs fails when the list has more than max units or a unit does not
// fit a 16-bit length.
func checkNALUs(nalus [][]byte, max int, what string) error {
	if len(nalus) > max {
		return fmt.Errorf("%w: %d %s, at most %d", ErrOutOfRange, len(nalus), what, max)
	}
	for i, n := range nalus {
		if len(n) > maxNALUSize {
			return fmt.Errorf("%w: %s %d has %d bytes, at most %d", ErrOutOfRange, what, i+1, len(n), maxNALUSize)
		}
	}
	return nil
}

// appendAnnexB appends each non-empty NAL unit behind a 4-byte start code.
func appendAnnexB(dst []byte, nalus [][]byte) []byte {
	for _, n := range nalus {
		if len(n) > 0 {
			dst = append(dst, startCode...)
			dst = append(dst, n...)
		}
	}
	return dst
}

// annexBSize is the size appendAnnexB adds for nalus.
func annexBSize(nalus [][]byte) int {
	size := 0
	for _, n := range nalus {
		if len(n) > 0 {
			size += len(startCode) + len(n)
		}
	}
	return size
}
