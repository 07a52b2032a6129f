package mpegts

import "slices"

const (
	packetSize = 188
	syncByte   = 0x47

	// tsMask keeps the 33 bits of a PTS, DTS or PCR base (ISO 13818-1,
	// 2.4.3.7: the fields wrap modulo 2^33).
	tsMask = 1<<33 - 1

	// pcrDelay is how far (90 kHz) the PCR runs behind the DTS of the PES
	// that carries it, so that a decoder sees each access unit a little
	// before it is due. SRS writes PCR = DTS; FFmpeg delays the PTS/DTS by
	// its max_delay (0.7 s) instead. 100 ms suits live delivery. At the very
	// start of a stream (DTS below the delay) the PCR is clamped to 0 rather
	// than wrapped, so it never runs backwards through 2^33 at startup.
	pcrDelay = 9000

	streamIDVideo = 0xE0 // ISO 13818-1, Table 2-22: video stream number 0
	streamIDAudio = 0xC0 // audio stream number 0
)

// grow extends dst by n bytes (contents unspecified: callers write every one).
func grow(dst []byte, n int) []byte {
	dst = slices.Grow(dst, n)
	return dst[:len(dst)+n]
}

// pcrFor returns the PCR base for a PES whose decoding time is dts.
func pcrFor(dts int64) int64 {
	if dts >= 0 && dts < pcrDelay {
		return 0
	}
	return (dts - pcrDelay) & tsMask
}

// putTimestamp writes a 5-byte PTS or DTS field with the 4-bit prefix.
//
// Specification: ISO 13818-1, 2.4.3.6, Table 2-21 (PTS[32..30], marker,
// PTS[29..15], marker, PTS[14..0], marker).
func putTimestamp(b []byte, prefix byte, ts int64) {
	t := uint64(ts) & tsMask
	b[0] = prefix<<4 | byte(t>>29)&0x0E | 1
	b[1] = byte(t >> 22)
	b[2] = byte(t>>14)&0xFE | 1
	b[3] = byte(t >> 7)
	b[4] = byte(t<<1) | 1
}

// putPESHeader writes a PES header into b (at least 19 bytes) and returns
// its length: 14 bytes with a PTS, 19 with PTS and DTS (only when they
// differ modulo 2^33). esLen is the number of bytes that follow the header;
// PES_packet_length is 0 (unbounded, allowed for video only) when bounded is
// false or the length does not fit 16 bits.
//
// Specification: ISO 13818-1, 2.4.3.6, Table 2-21 (PES packet) and 2.4.3.7.
func putPESHeader(b []byte, streamID byte, pts, dts int64, esLen int, bounded bool) int {
	withDTS := (pts-dts)&tsMask != 0
	hdrData := 5
	flags := byte(0x80) // PTS_DTS_flags '10'
	if withDTS {
		hdrData = 10
		flags = 0xC0 // '11'
	}
	b[0], b[1], b[2], b[3] = 0x00, 0x00, 0x01, streamID
	pesLen := 3 + hdrData + esLen
	if !bounded || pesLen > 0xFFFF {
		pesLen = 0
	}
	b[4], b[5] = byte(pesLen>>8), byte(pesLen)
	b[6] = 0x80 // '10', not scrambled, no priority, no alignment, no copyright, copy
	b[7] = flags
	b[8] = byte(hdrData)
	if withDTS {
		putTimestamp(b[9:], 0x3, pts)
		putTimestamp(b[14:], 0x1, dts)
	} else {
		putTimestamp(b[9:], 0x2, pts)
	}
	return 9 + hdrData
}

// cursor reads consecutively across the pieces of one PES payload, so that
// the payload is copied once, straight into the TS packets.
type cursor struct {
	pieces [][]byte
	i, off int
}

// fill copies len(p) bytes into p. The caller guarantees they exist.
func (c *cursor) fill(p []byte) {
	for len(p) > 0 && c.i < len(c.pieces) {
		n := copy(p, c.pieces[c.i][c.off:])
		p = p[n:]
		c.off += n
		if c.off >= len(c.pieces[c.i]) {
			c.i++
			c.off = 0
		}
	}
	for i := range p { // unreachable when total is right; stay deterministic
		p[i] = 0xFF
	}
}

// appendPES splits one PES packet, given as pieces totalling total bytes
// (PES header included), into 188-byte transport packets appended to dst.
// The first packet has payload_unit_start_indicator set and, when asked, an
// adaptation field with random_access_indicator and a PCR (pcr < 0: none).
// The last packet is padded with adaptation-field stuffing.
//
// Specification: ISO 13818-1, 2.4.3.2 (Table 2-2, transport packet),
// 2.4.3.4 and 2.4.3.5 (Table 2-6, adaptation field; stuffing bytes 0xFF).
func appendPES(dst []byte, pid uint16, cc *uint8, pieces [][]byte, total int, pcr int64, rai bool) []byte {
	firstAF := 0 // adaptation field bytes in the first packet, length byte included
	if pcr >= 0 || rai {
		firstAF = 2
		if pcr >= 0 {
			firstAF += 6
		}
	}
	npk := 1
	if rest := total - (184 - firstAF); rest > 0 {
		npk += (rest + 183) / 184
	}
	dst = slices.Grow(dst, npk*packetSize)

	cur := cursor{pieces: pieces}
	remaining := total
	first := true
	for remaining > 0 {
		n := len(dst)
		dst = dst[:n+packetSize]
		p := dst[n : n+packetSize]
		p[0] = syncByte
		p[1] = byte(pid>>8) & 0x1F
		if first {
			p[1] |= 0x40 // payload_unit_start_indicator
		}
		p[2] = byte(pid)

		hasAF, afBody, afFlags := false, 0, byte(0) // afBody: bytes after adaptation_field_length
		if first && firstAF > 0 {
			hasAF, afBody = true, firstAF-1
			if rai {
				afFlags |= 0x40
			}
			if pcr >= 0 {
				afFlags |= 0x10
			}
		}
		space := 184
		if hasAF {
			space -= 1 + afBody
		}
		if k := space - remaining; k > 0 { // last packet: stuff k bytes
			switch {
			case hasAF:
				afBody += k
			case k == 1:
				hasAF, afBody = true, 0 // a lone adaptation_field_length of 0
			default:
				hasAF, afBody = true, k-1 // length byte + flags byte + k-2 stuffing bytes
			}
		}
		afc := byte(0x10) // payload only
		i := 4
		if hasAF {
			afc = 0x30 // adaptation field followed by payload
			p[4] = byte(afBody)
			i = 5
			if afBody > 0 {
				p[5] = afFlags
				i = 6
				if afFlags&0x10 != 0 {
					// program_clock_reference_base (33), reserved (6), extension (9) = 0.
					b := uint64(pcr) & tsMask
					p[6], p[7], p[8], p[9] = byte(b>>25), byte(b>>17), byte(b>>9), byte(b>>1)
					p[10] = byte(b<<7) | 0x7E
					p[11] = 0
					i = 12
				}
				for ; i < 5+afBody; i++ {
					p[i] = 0xFF
				}
			}
		}
		p[3] = afc | *cc
		*cc = (*cc + 1) & 0x0F
		cur.fill(p[i:])
		remaining -= packetSize - i
		first = false
	}
	return dst
}
