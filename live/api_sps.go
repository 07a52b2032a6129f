package live

import "errors"

// errSPS reports an H.264 SPS the API cannot read; the stream still plays.
var errSPS = errors.New("live: bad H.264 SPS")

// maxSPS bounds the SPS bytes the API parser looks at.
const maxSPS = 1024

// spsInfo is what the HTTP API shows of an H.264 sequence parameter set.
type spsInfo struct {
	profile, level int
	width, height  int
}

// golomb reads the bits of an RBSP with a bounds check on every read.
type golomb struct {
	b   []byte
	pos int
}

func (g *golomb) bit() (int, error) {
	if g.pos >= len(g.b)*8 {
		return 0, errSPS
	}
	v := int(g.b[g.pos>>3]>>(7-uint(g.pos&7))) & 1
	g.pos++
	return v, nil
}

func (g *golomb) bits(n int) (int, error) {
	v := 0
	for range n {
		b, err := g.bit()
		if err != nil {
			return 0, err
		}
		v = v<<1 | b
	}
	return v, nil
}

// ue reads an unsigned exp-Golomb code (ITU-T H.264 9.1), at most 31 bits.
func (g *golomb) ue() (int, error) {
	zeros := 0
	for {
		b, err := g.bit()
		if err != nil {
			return 0, err
		}
		if b == 1 {
			break
		}
		zeros++
		if zeros > 31 {
			return 0, errSPS
		}
	}
	v, err := g.bits(zeros)
	if err != nil {
		return 0, err
	}
	return (1<<zeros - 1) + v, nil
}

// se reads a signed exp-Golomb code (ITU-T H.264 9.1.1).
func (g *golomb) se() (int, error) {
	v, err := g.ue()
	if err != nil {
		return 0, err
	}
	if v&1 == 1 {
		return (v + 1) / 2, nil
	}
	return -v / 2, nil
}

// rbsp drops the emulation prevention bytes (00 00 03) of a NAL unit.
func rbsp(nal []byte) []byte {
	out := make([]byte, 0, len(nal))
	zeros := 0
	for _, c := range nal {
		if zeros >= 2 && c == 3 {
			zeros = 0
			continue
		}
		if c == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, c)
	}
	return out
}

// parseAVCRecord reads the first SPS of an AVCDecoderConfigurationRecord
// (ISO 14496-15, 5.2.4.1). b is only read.
func parseAVCRecord(b []byte) (spsInfo, error) {
	if len(b) < 8 || b[0] != 1 {
		return spsInfo{}, errSPS
	}
	info := spsInfo{profile: int(b[1]), level: int(b[3])}
	if b[5]&0x1f == 0 {
		return info, nil
	}
	n := int(b[6])<<8 | int(b[7])
	if n == 0 || 8+n > len(b) {
		return info, errSPS
	}
	sps, err := parseSPS(b[8 : 8+n])
	if err != nil {
		return info, err
	}
	sps.profile, sps.level = info.profile, info.level
	return sps, nil
}

// parseSPS reads profile, level and the cropped picture size of an H.264
// SPS NAL unit (ITU-T H.264 7.3.2.1.1). b is only read.
func parseSPS(b []byte) (spsInfo, error) {
	if len(b) > maxSPS {
		b = b[:maxSPS]
	}
	if len(b) < 4 || b[0]&0x1f != 7 {
		return spsInfo{}, errSPS
	}
	g := &golomb{b: rbsp(b[1:])}
	var s spsInfo
	var err error
	read := func(f func() (int, error)) int {
		if err != nil {
			return 0
		}
		var v int
		v, err = f()
		return v
	}
	u := func(n int) func() (int, error) { return func() (int, error) { return g.bits(n) } }
	s.profile = read(u(8))
	read(u(8)) // constraint flags
	s.level = read(u(8))
	read(g.ue) // seq_parameter_set_id
	chroma := 1
	separate := 0
	switch s.profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		chroma = read(g.ue)
		if chroma == 3 {
			separate = read(u(1))
		}
		read(g.ue)           // bit_depth_luma_minus8
		read(g.ue)           // bit_depth_chroma_minus8
		read(u(1))           // qpprime_y_zero_transform_bypass_flag
		if read(u(1)) == 1 { // seq_scaling_matrix_present_flag
			lists := 8
			if chroma == 3 {
				lists = 12
			}
			for i := 0; i < lists && err == nil; i++ {
				if read(u(1)) == 0 {
					continue
				}
				size := 16
				if i >= 6 {
					size = 64
				}
				last, next := 8, 8
				for j := 0; j < size && err == nil; j++ {
					if next != 0 {
						next = (last + read(g.se) + 256) % 256
					}
					if next != 0 {
						last = next
					}
				}
			}
		}
	}
	read(g.ue)          // log2_max_frame_num_minus4
	switch read(g.ue) { // pic_order_cnt_type
	case 0:
		read(g.ue) // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		read(u(1)) // delta_pic_order_always_zero_flag
		read(g.se) // offset_for_non_ref_pic
		read(g.se) // offset_for_top_to_bottom_field
		n := read(g.ue)
		if n > 255 {
			return spsInfo{}, errSPS
		}
		for i := 0; i < n && err == nil; i++ {
			read(g.se)
		}
	}
	read(g.ue) // max_num_ref_frames
	read(u(1)) // gaps_in_frame_num_value_allowed_flag
	w := read(g.ue) + 1
	h := read(g.ue) + 1
	frameMbsOnly := read(u(1))
	if frameMbsOnly == 0 {
		read(u(1)) // mb_adaptive_frame_field_flag
	}
	read(u(1)) // direct_8x8_inference_flag
	var cl, cr, ct, cb int
	if read(u(1)) == 1 { // frame_cropping_flag
		cl, cr, ct, cb = read(g.ue), read(g.ue), read(g.ue), read(g.ue)
	}
	if err != nil {
		return spsInfo{}, err
	}
	if w > 1024 || h > 1024 || chroma > 3 {
		return spsInfo{}, errSPS
	}
	// Table 6-1: SubWidthC, SubHeightC; ChromaArrayType 0 crops in luma units.
	cropX, cropY := 1, 2-frameMbsOnly
	if separate == 0 && chroma != 0 {
		subW, subH := 2, 2
		switch chroma {
		case 2:
			subH = 1
		case 3:
			subW, subH = 1, 1
		}
		cropX, cropY = subW, subH*(2-frameMbsOnly)
	}
	s.width = w*16 - cropX*(cl+cr)
	s.height = (2-frameMbsOnly)*h*16 - cropY*(ct+cb)
	if s.width <= 0 || s.height <= 0 {
		return spsInfo{}, errSPS
	}
	return s, nil
}
