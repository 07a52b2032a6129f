package codec

import (
	"errors"
	"testing"
)

func TestBitReaderExpGolomb(t *testing.T) {
	ue := []uint32{0, 1, 2, 3, 7, 8, 254, 255, 1 << 16, 1<<31 - 1, 1 << 31, 1<<32 - 2}
	se := []int32{0, 1, -1, 2, -2, 127, -128, 1<<31 - 1, -(1<<31 - 1)}
	var w bitWriter
	for _, v := range ue {
		w.ue(v)
	}
	for _, v := range se {
		w.se(v)
	}
	w.u(48, 0xA5A5A5A5A5A5)
	r := newBitReader(w.nal(), "test")
	for _, want := range ue {
		if got := r.ue(); got != want || r.err != nil {
			t.Fatalf("ue %d, want %d (%v)", got, want, r.err)
		}
	}
	for _, want := range se {
		if got := r.se(); got != want || r.err != nil {
			t.Fatalf("se %d, want %d (%v)", got, want, r.err)
		}
	}
	if got := r.u64(48); got != 0xA5A5A5A5A5A5 {
		t.Fatalf("u64 %x", got)
	}
	if r.bit() != 1 || r.u(int(r.left)) != 0 || r.err != nil { // rbsp_stop_one_bit and alignment
		t.Fatalf("trailing bits: %v", r.err)
	}
	if r.bit(); !errors.Is(r.err, ErrShortBuffer) {
		t.Fatalf("read past the end: %v", r.err)
	}
}

func TestBitReaderErrors(t *testing.T) {
	r := newBitReader([]byte{0, 0, 0, 0, 0x80}, "test") // 32 leading zeros
	if r.ue(); !errors.Is(r.err, ErrOutOfRange) {
		t.Fatalf("33-bit exp-Golomb: %v", r.err)
	}
	r = newBitReader([]byte{0, 0, 0, 1}, "test") // 31 zeros, then 31 bits missing
	if r.ue(); !errors.Is(r.err, ErrShortBuffer) {
		t.Fatalf("cut exp-Golomb: %v", r.err)
	}
	r = newBitReader([]byte{0x08, 0x00}, "test") // ue 15: 0000 1000 0
	if v := r.ueMax("x", 14); v != 0 || !errors.Is(r.err, ErrOutOfRange) {
		t.Fatalf("ueMax: %d, %v", v, r.err)
	}
	if r.u(8) != 0 || r.flag() || r.ue() != 0 || !errors.Is(r.err, ErrOutOfRange) {
		t.Fatal("the first error does not stick")
	}
}

func TestBitReaderEmulationPrevention(t *testing.T) {
	cases := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"none", []byte{1, 2, 3}, []byte{1, 2, 3}},
		{"one", []byte{0, 0, 3, 1}, []byte{0, 0, 1}},
		{"zero after", []byte{0, 0, 3, 0, 0, 3, 0}, []byte{0, 0, 0, 0, 0}},
		{"three after three is data", []byte{0, 0, 3, 3}, []byte{0, 0, 3}},
		{"one zero is not enough", []byte{1, 0, 3, 0, 0, 0, 3}, []byte{1, 0, 3, 0, 0, 0}},
		{"at the end", []byte{5, 0, 0, 3}, []byte{5, 0, 0}},
	}
	for _, tc := range cases {
		r := newBitReader(tc.in, "test")
		var got []byte
		for {
			c := byte(r.u(8))
			if r.err != nil {
				break
			}
			got = append(got, c)
		}
		if string(got) != string(tc.want) {
			t.Errorf("%s: %x gives %x, want %x", tc.name, tc.in, got, tc.want)
		}
	}
}
