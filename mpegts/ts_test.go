package mpegts

import (
	"bytes"
	"errors"
	"fmt"
)

// This file is a small, independent TS parser/validator used by the tests
// and the fuzz target. It shares no code with the writer (its CRC is bitwise).

// crc32Bitwise is the MPEG-2 CRC-32 computed bit by bit (ISO 13818-1 Annex A).
func crc32Bitwise(b []byte) uint32 {
	c := uint32(0xFFFFFFFF)
	for _, v := range b {
		for i := 7; i >= 0; i-- {
			bit := (v>>uint(i))&1 != 0
			top := c&0x80000000 != 0
			c <<= 1
			if bit != top {
				c ^= 0x04C11DB7
			}
		}
	}
	return c
}

type tsPES struct {
	pid      uint16
	streamID byte
	pts, dts int64
	hasDTS   bool
	pesLen   int
	hdrLen   int
	rai      bool
	pcr      int64 // -1: none in the first packet
	data     []byte
}

type tsStream struct {
	streamType byte
	pid        uint16
}

type tsResult struct {
	packets  int
	pats     int
	pmts     int
	pmtPID   uint16
	pcrPID   uint16
	version  int
	streams  []tsStream
	pes      []*tsPES
	psiIndex []int // packet index of each PAT
}

func decodeTS(b []byte) int64 {
	return int64(b[0]>>1&7)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}

func checkTimestampMarkers(b []byte, prefix byte) error {
	if b[0]>>4 != prefix || b[0]&1 != 1 || b[2]&1 != 1 || b[4]&1 != 1 {
		return fmt.Errorf("bad timestamp field %x (prefix %x)", b[:5], prefix)
	}
	return nil
}

// parseTS validates a transport stream produced by Writer.
func parseTS(b []byte) (*tsResult, error) {
	if len(b)%packetSize != 0 {
		return nil, fmt.Errorf("length %d not a multiple of 188", len(b))
	}
	r := &tsResult{pmtPID: 0xFFFF}
	cc := map[uint16]int{}
	cur := map[uint16]*tsPES{}
	for i := 0; i < len(b); i += packetSize {
		p := b[i : i+packetSize]
		r.packets++
		if p[0] != syncByte {
			return nil, fmt.Errorf("packet %d: sync %#x", i/packetSize, p[0])
		}
		if p[1]&0x80 != 0 {
			return nil, fmt.Errorf("packet %d: transport_error_indicator", i/packetSize)
		}
		pusi := p[1]&0x40 != 0
		pid := uint16(p[1]&0x1F)<<8 | uint16(p[2])
		afc := p[3] >> 4 & 3
		if p[3]&0xC0 != 0 {
			return nil, fmt.Errorf("packet %d: scrambled", i/packetSize)
		}
		if afc != 1 && afc != 3 {
			return nil, fmt.Errorf("packet %d: adaptation_field_control %d", i/packetSize, afc)
		}
		c := int(p[3] & 0x0F)
		if prev, ok := cc[pid]; ok && c != (prev+1)&15 {
			return nil, fmt.Errorf("packet %d pid %#x: continuity %d after %d", i/packetSize, pid, c, prev)
		}
		cc[pid] = c
		pay := p[4:]
		rai, pcr := false, int64(-1)
		if afc == 3 {
			l := int(p[4])
			if l > 182 {
				return nil, fmt.Errorf("packet %d: adaptation_field_length %d leaves no payload", i/packetSize, l)
			}
			if l > 0 {
				flags := p[5]
				rai = flags&0x40 != 0
				j := 6
				if flags&0x10 != 0 {
					if l < 7 {
						return nil, fmt.Errorf("packet %d: PCR flag in %d-byte field", i/packetSize, l)
					}
					pcr = int64(p[6])<<25 | int64(p[7])<<17 | int64(p[8])<<9 | int64(p[9])<<1 | int64(p[10]>>7)
					if p[10]&0x7E != 0x7E || p[10]&1 != 0 || p[11] != 0 {
						return nil, fmt.Errorf("packet %d: PCR reserved/extension %x", i/packetSize, p[10:12])
					}
					j = 12
				}
				if flags&0x0F != 0 || flags&0x80 != 0 || flags&0x20 != 0 || flags&0x08 != 0 {
					return nil, fmt.Errorf("packet %d: unexpected adaptation flags %#x", i/packetSize, flags)
				}
				for ; j < 5+l; j++ {
					if p[j] != 0xFF {
						return nil, fmt.Errorf("packet %d: stuffing byte %#x", i/packetSize, p[j])
					}
				}
			}
			pay = p[5+l:]
		}
		switch {
		case pid == PIDPAT || pid == r.pmtPID:
			if !pusi || pay[0] != 0 {
				return nil, fmt.Errorf("packet %d: PSI without pusi/pointer 0", i/packetSize)
			}
			sec := pay[1:]
			if sec[1]&0xF0 != 0xB0 {
				return nil, fmt.Errorf("packet %d: section syntax %#x", i/packetSize, sec[1])
			}
			sl := int(sec[1]&0x0F)<<8 | int(sec[2])
			if 3+sl > len(sec) || sl < 9 {
				return nil, fmt.Errorf("packet %d: section_length %d", i/packetSize, sl)
			}
			if crc32Bitwise(sec[:3+sl]) != 0 {
				return nil, fmt.Errorf("packet %d: PSI CRC mismatch", i/packetSize)
			}
			for _, v := range sec[3+sl:] {
				if v != 0xFF {
					return nil, fmt.Errorf("packet %d: PSI stuffing %#x", i/packetSize, v)
				}
			}
			body := sec[8 : 3+sl-4]
			if pid == PIDPAT {
				if sec[0] != 0 || len(body) != 4 {
					return nil, fmt.Errorf("packet %d: PAT table %d len %d", i/packetSize, sec[0], len(body))
				}
				r.pats++
				r.psiIndex = append(r.psiIndex, i/packetSize)
				r.pmtPID = uint16(body[2]&0x1F)<<8 | uint16(body[3])
			} else {
				if sec[0] != 2 {
					return nil, fmt.Errorf("packet %d: PMT table %d", i/packetSize, sec[0])
				}
				r.pmts++
				r.version = int(sec[5] >> 1 & 0x1F)
				r.pcrPID = uint16(body[0]&0x1F)<<8 | uint16(body[1])
				pil := int(body[2]&0x0F)<<8 | int(body[3])
				es := body[4+pil:]
				r.streams = r.streams[:0]
				for len(es) >= 5 {
					r.streams = append(r.streams, tsStream{es[0], uint16(es[1]&0x1F)<<8 | uint16(es[2])})
					el := int(es[3]&0x0F)<<8 | int(es[4])
					es = es[5+el:]
				}
				if len(es) != 0 {
					return nil, fmt.Errorf("packet %d: PMT trailing %d bytes", i/packetSize, len(es))
				}
			}
		default:
			if pusi {
				if len(pay) < 9 || !bytes.Equal(pay[:3], []byte{0, 0, 1}) {
					return nil, fmt.Errorf("packet %d: no PES start code", i/packetSize)
				}
				hl := int(pay[8])
				if 9+hl > len(pay) {
					return nil, fmt.Errorf("packet %d: PES header %d bytes past packet", i/packetSize, hl)
				}
				e := &tsPES{pid: pid, streamID: pay[3], pesLen: int(pay[4])<<8 | int(pay[5]), hdrLen: hl, rai: rai, pcr: pcr}
				if pay[6]&0xC0 != 0x80 {
					return nil, fmt.Errorf("packet %d: PES flags %#x", i/packetSize, pay[6])
				}
				switch pay[7] >> 6 {
				case 2:
					if hl < 5 {
						return nil, errors.New("short PTS header")
					}
					if err := checkTimestampMarkers(pay[9:], 2); err != nil {
						return nil, err
					}
					e.pts = decodeTS(pay[9:])
					e.dts = e.pts
				case 3:
					if hl < 10 {
						return nil, errors.New("short PTS/DTS header")
					}
					if err := checkTimestampMarkers(pay[9:], 3); err != nil {
						return nil, err
					}
					if err := checkTimestampMarkers(pay[14:], 1); err != nil {
						return nil, err
					}
					e.pts, e.dts, e.hasDTS = decodeTS(pay[9:]), decodeTS(pay[14:]), true
				default:
					return nil, fmt.Errorf("packet %d: PTS_DTS_flags %d", i/packetSize, pay[7]>>6)
				}
				e.data = append(e.data, pay[9+hl:]...)
				if e.pesLen != 0 && e.pesLen < 3+hl {
					return nil, fmt.Errorf("packet %d: PES_packet_length %d", i/packetSize, e.pesLen)
				}
				cur[pid] = e
				r.pes = append(r.pes, e)
			} else {
				e := cur[pid]
				if e == nil {
					return nil, fmt.Errorf("packet %d pid %#x: continuation without start", i/packetSize, pid)
				}
				e.data = append(e.data, pay...)
			}
		}
	}
	for _, e := range r.pes {
		if e.pesLen != 0 && e.pesLen != 3+e.hdrLen+len(e.data) {
			return nil, fmt.Errorf("pid %#x: PES_packet_length %d, have %d", e.pid, e.pesLen, 3+e.hdrLen+len(e.data))
		}
	}
	return r, nil
}
