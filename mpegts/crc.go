package mpegts

// crcTable is the MSB-first table for the MPEG-2 CRC-32: polynomial
// 0x04C11DB7, initial value 0xFFFFFFFF, no reflection, no final XOR.
//
// Specification: ISO 13818-1, Annex A (CRC decoder model).
var crcTable = makeCRCTable()

func makeCRCTable() (t [256]uint32) {
	for i := range t {
		c := uint32(i) << 24
		for j := 0; j < 8; j++ {
			if c&0x80000000 != 0 {
				c = c<<1 ^ 0x04C11DB7
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}

// crc32 computes the MPEG-2 CRC-32 of b. A PSI section including its
// trailing CRC_32 field yields 0.
func crc32(b []byte) uint32 {
	c := uint32(0xFFFFFFFF)
	for _, v := range b {
		c = c<<8 ^ crcTable[byte(c>>24)^v]
	}
	return c
}
