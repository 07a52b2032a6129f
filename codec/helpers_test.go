package codec

import (
	"encoding/hex"
	"strings"
)

// hx decodes a hex literal of a case table; spaces and newlines are ignored.
func hx(s string) []byte {
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		panic(err)
	}
	return b
}

// bitWriter builds RBSPs for hand-made parameter sets, the inverse of
// bitReader.
type bitWriter struct {
	b    []byte
	used uint // bits used in the last byte, 0..7 (0: no partial byte)
}

func (w *bitWriter) bit(v uint64) {
	if w.used == 0 {
		w.b = append(w.b, 0)
	}
	w.b[len(w.b)-1] |= byte(v&1) << (7 - w.used)
	w.used = (w.used + 1) % 8
}

func (w *bitWriter) u(n int, v uint64) {
	for i := n - 1; i >= 0; i-- {
		w.bit(v >> uint(i))
	}
}

func (w *bitWriter) flag(f bool) {
	if f {
		w.bit(1)
	} else {
		w.bit(0)
	}
}

func (w *bitWriter) ue(v uint32) {
	x := uint64(v) + 1
	n := 0
	for x>>uint(n) > 1 {
		n++
	}
	w.u(n, 0)
	w.u(n+1, x)
}

func (w *bitWriter) se(v int32) {
	if v > 0 {
		w.ue(uint32(2*int64(v) - 1))
	} else {
		w.ue(uint32(-2 * int64(v)))
	}
}

// nal ends the RBSP with rbsp_trailing_bits, inserts emulation prevention
// bytes and puts header in front: a NAL unit as it travels.
func (w *bitWriter) nal(header ...byte) []byte {
	w.bit(1)
	for w.used != 0 {
		w.bit(0)
	}
	out := append([]byte(nil), header...)
	zeros := 0
	for _, c := range w.b {
		if zeros >= 2 && c <= 3 {
			out = append(out, 3)
			zeros = 0
		}
		out = append(out, c)
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
	}
	return out
}
