package adts

import "fmt"

// HeaderLen is the size of an ADTS header without CRC (protection_absent = 1).
const HeaderLen = 7

// MaxFrameLen is the largest aac_frame_length (13 bits), header included.
const MaxFrameLen = 1<<13 - 1

// bufferFullnessVBR is adts_buffer_fullness 0x7FF, which signals a variable
// bit rate stream; it is what encoders write and what decoders expect.
// SRS writes 0x03F instead (byte 6 = 0xFC, srs_kernel_aac.cpp); decoders ignore
// the field, so picosrs keeps the conventional value. This is a deliberate
// difference from SRS's bytes.
const bufferFullnessVBR = 0x7FF

// Header is a parsed ADTS fixed + variable header.
//
// Specification: ISO 14496-3, 1.A.2.2.1, Table 1.A.5 (adts_fixed_header) and
// Table 1.A.6 (adts_variable_header).
type Header struct {
	MPEG2            bool // ID: false = MPEG-4, true = MPEG-2
	ProtectionAbsent bool // true: no CRC, 7-byte header; false: 9-byte header
	Profile          int  // profile_ObjectType: audio object type - 1 (0 Main, 1 LC, 2 SSR, 3 LTP)
	SampleRateIndex  int  // sampling_frequency_index, 0..12
	PrivateBit       bool
	ChannelConfig    int // channel_configuration, 0..7
	OriginalCopy     bool
	Home             bool
	FrameLength      int // aac_frame_length: header + CRC + payload, in bytes
	BufferFullness   int // adts_buffer_fullness, 0x7FF = VBR
	RawDataBlocks    int // number_of_raw_data_blocks_in_frame (the field value, 0 means one block)
}

// Len is the header length in bytes: 7, or 9 with a CRC.
func (h Header) Len() int {
	if h.ProtectionAbsent {
		return HeaderLen
	}
	return HeaderLen + 2
}

// Config returns the AudioSpecificConfig fields the header carries.
func (h Header) Config() Config {
	return Config{
		ObjectType:      h.Profile + 1,
		SampleRateIndex: h.SampleRateIndex,
		ChannelConfig:   h.ChannelConfig,
		SampleRate:      sampleRates[h.SampleRateIndex],
	}
}

// adtsProfile maps an audio object type to the 2-bit ADTS profile, as SRS's
// srs_aac_rtmp2ts does: 1, 2, 3 -> Main, LC, SSR; HE-AAC (5) and HE-AAC v2 (29)
// -> LC, since the ADTS stream then carries the AAC-LC core with implicit
// SBR/PS signalling. LTP (4) maps to itself. Other types cannot be carried.
func adtsProfile(objectType int) (int, error) {
	switch objectType {
	case ObjectTypeMain, ObjectTypeLC, ObjectTypeSSR, ObjectTypeLTP:
		return objectType - 1, nil
	case ObjectTypeSBR, ObjectTypePS:
		return ObjectTypeLC - 1, nil
	}
	return 0, fmt.Errorf("%w: %d", ErrInvalidObjectType, objectType)
}

// AppendHeader appends the 7-byte ADTS header (MPEG-4, protection_absent = 1,
// so it starts FF F1) for one raw AAC frame of payloadLen bytes to dst and
// returns the extended slice. The frame length field is 7 + payloadLen and
// must fit 13 bits. A Config with the explicit frequency escape (index 15) is
// accepted only when the frequency is one of the table values.
//
// Specification: ISO 14496-3, 1.A.2.2.1, Tables 1.A.5 and 1.A.6.
// dst is appended to (possibly reallocated); nothing else is retained.
func AppendHeader(dst []byte, c Config, payloadLen int) ([]byte, error) {
	profile, err := adtsProfile(c.ObjectType)
	if err != nil {
		return dst, err
	}
	sri := c.SampleRateIndex
	if sri == 15 {
		var ok bool
		if sri, ok = SampleRateIndexOf(c.SampleRate); !ok {
			return dst, fmt.Errorf("%w: %d Hz has no ADTS index", ErrInvalidSampleRate, c.SampleRate)
		}
	}
	if sri < 0 || sri >= len(sampleRates) {
		return dst, fmt.Errorf("%w: index %d", ErrInvalidSampleRate, sri)
	}
	if c.ChannelConfig < 0 || c.ChannelConfig > 7 {
		return dst, fmt.Errorf("%w: %d", ErrInvalidChannels, c.ChannelConfig)
	}
	if payloadLen < 0 || payloadLen > MaxFrameLen-HeaderLen {
		return dst, fmt.Errorf("%w: %d payload bytes", ErrFrameTooLarge, payloadLen)
	}
	fl := HeaderLen + payloadLen
	ch := c.ChannelConfig
	return append(dst,
		0xFF,                          // syncword 0xFFF (high 8)
		0xF1,                          // syncword (low 4), ID 0 (MPEG-4), layer 00, protection_absent 1
		byte(profile<<6|sri<<2|ch>>2), // profile, sampling index, private 0, channel (high 1)
		byte((ch&3)<<6|fl>>11),        // channel (low 2), original/copy 0, home 0, copyright bits 0, frame length (high 2)
		byte(fl>>3),                   // frame length (middle 8)
		byte((fl&7)<<5|bufferFullnessVBR>>6),
		byte((bufferFullnessVBR&0x3F)<<2), // fullness (low 6), number_of_raw_data_blocks_in_frame 0
	), nil
}

// ParseHeader parses an ADTS header at the start of b. It checks the sync word,
// layer 0, the sampling index and that aac_frame_length covers the header; it
// does not require the payload to be present in b.
//
// Specification: ISO 14496-3, 1.A.2.2.1, Tables 1.A.5 and 1.A.6.
// b is only read.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, ErrShortBuffer
	}
	if b[0] != 0xFF || b[1]&0xF0 != 0xF0 {
		return Header{}, fmt.Errorf("%w: no syncword", ErrInvalidHeader)
	}
	if b[1]&0x06 != 0 {
		return Header{}, fmt.Errorf("%w: layer %d", ErrInvalidHeader, b[1]>>1&3)
	}
	h := Header{
		MPEG2:            b[1]&0x08 != 0,
		ProtectionAbsent: b[1]&0x01 != 0,
		Profile:          int(b[2] >> 6),
		SampleRateIndex:  int(b[2] >> 2 & 0x0F),
		PrivateBit:       b[2]&0x02 != 0,
		ChannelConfig:    int(b[2]&1)<<2 | int(b[3]>>6),
		OriginalCopy:     b[3]&0x20 != 0,
		Home:             b[3]&0x10 != 0,
		FrameLength:      int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5]>>5),
		BufferFullness:   int(b[5]&0x1F)<<6 | int(b[6]>>2),
		RawDataBlocks:    int(b[6] & 3),
	}
	if h.SampleRateIndex >= len(sampleRates) {
		return Header{}, fmt.Errorf("%w: index %d", ErrInvalidSampleRate, h.SampleRateIndex)
	}
	if h.FrameLength < h.Len() {
		return Header{}, fmt.Errorf("%w: frame length %d", ErrInvalidHeader, h.FrameLength)
	}
	return h, nil
}
