package live

import "testing"

func TestJitter(t *testing.T) {
	cases := []struct {
		name string
		mode Jitter
		in   []int64 // -1 marks a jump (republish) before the next input
		want []uint32
	}{
		{"full starts at zero", JitterFull, []int64{1000, 1040, 1080}, []uint32{0, 40, 80}},
		{"full small negative kept", JitterFull, []int64{1000, 1040, 1020}, []uint32{0, 40, 20}},
		{"full big jump is 10ms", JitterFull, []int64{1000, 1040, 9000, 9040}, []uint32{0, 40, 50, 90}},
		{"full backwards jump is 10ms", JitterFull, []int64{5000, 5040, 0, 40}, []uint32{0, 40, 50, 90}},
		{"full republish continues", JitterFull, []int64{0, 40, -1, 100, 140}, []uint32{0, 40, 50, 90}},
		{"zero subtracts first", JitterZero, []int64{1000, 1040, 9000}, []uint32{0, 40, 8000}},
		{"zero republish continues", JitterZero, []int64{1000, 1040, -1, 0, 40}, []uint32{0, 40, 50, 90}},
		{"off passes", JitterOff, []int64{1000, 5, -1, 7}, []uint32{1000, 5, 7}},
	}
	for _, c := range cases {
		j := jitter{mode: c.mode}
		var got []uint32
		for _, v := range c.in {
			if v < 0 {
				j.jump()
				continue
			}
			got = append(got, j.correct(uint32(v)))
		}
		if len(got) != len(c.want) {
			t.Fatalf("%s: got %v, want %v", c.name, got, c.want)
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: got %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
}
