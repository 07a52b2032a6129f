package mpegts

// startCode is the 4-byte Annex-B start code. Shared, never written.
var startCode = []byte{0, 0, 0, 1}

// Access unit delimiters written in front of an access unit that lacks one.
var (
	// H.264 NAL type 9, primary_pic_type 7 (any slice type), rbsp stop bit.
	// Specification: ISO 14496-10, 7.3.2.4.
	audH264 = []byte{0, 0, 0, 1, 0x09, 0xF0}
	// HEVC NAL type 35 (nuh_layer_id 0, nuh_temporal_id_plus1 1),
	// pic_type 2 (I, P or B), rbsp stop bit. Specification: ISO 23008-2, 7.3.2.5.
	audHEVC = []byte{0, 0, 0, 1, 0x46, 0x01, 0x50}
)

// NAL unit types the writer looks at.
const (
	h264NALAUD = 9
	h264NALSPS = 7
	hevcNALVPS = 32
	hevcNALSPS = 33
	hevcNALAUD = 35
)
