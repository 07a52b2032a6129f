package websocket

// MaskBytes XORs b in place with the masking key, starting at offset pos of
// the payload (RFC 6455 section 5.3), and returns the offset after b, so a
// payload read in pieces is unmasked piece by piece. Masking twice with the
// same key and offset restores the bytes.
func MaskBytes(key [4]byte, pos int, b []byte) int {
	for i := range b {
		b[i] ^= key[(pos+i)&3]
	}
	return pos + len(b)
}
