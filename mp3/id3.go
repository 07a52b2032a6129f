package mp3

// id3v2Preamble is the 20-byte tag SRS's SrsMp3Transmuxer writes before any
// audio (srs_kernel_mp3.cpp, write_header): an ID3v2.3 header ("ID3", version
// 3.0, flags 0, syncsafe size 10) followed by 10 zero bytes, which a reader
// takes as an empty frame header / padding.
//
// Specification: ID3 tag version 2.3.0, section 3.1 (ID3v2 header).
var id3v2Preamble = [20]byte{'I', 'D', '3', 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A}

// ID3v2PreambleLen is the length of the ID3v2 preamble in bytes.
const ID3v2PreambleLen = len(id3v2Preamble)

// ID3v2Preamble returns a fresh copy of SRS's 20-byte ID3v2.3 preamble. The
// caller owns the returned slice.
func ID3v2Preamble() []byte {
	b := id3v2Preamble
	return b[:]
}

// AppendID3v2Preamble appends the 20-byte ID3v2.3 preamble to dst and returns
// the extended slice.
func AppendID3v2Preamble(dst []byte) []byte {
	return append(dst, id3v2Preamble[:]...)
}
