package mpegts

// Fixed identifiers, the same as SRS (srs_kernel_ts.cpp) so that tools and
// players tuned to SRS output see the same PIDs.
const (
	PIDPAT   = 0x0000 // program association table
	PIDPMT   = 0x1001 // program map table of program 1
	PIDVideo = 0x100  // H.264 or HEVC
	PIDAAC   = 0x101  // AAC (ADTS)
	PIDMP3   = 0x102  // MPEG-1/2 audio
	pidNull  = 0x1FFF // PCR_PID when the program has no stream

	programNumber = 1
)

// Stream types. Specification: ISO 13818-1, 2.4.4.9, Table 2-34
// (stream_type assignments); HEVC from ISO 13818-1:2013 Amd 3.
const (
	StreamTypeMPEG1Audio = 0x03 // MP3: SRS follows FFmpeg (ossrs/srs#3334)
	StreamTypeAAC        = 0x0F // ISO 13818-7 audio with ADTS transport syntax
	StreamTypeH264       = 0x1B
	StreamTypeHEVC       = 0x24
)

// AppendPATPMT appends one PAT packet and one PMT packet for the current
// streams to dst and returns the extended slice. Their continuity counters
// advance. The next AppendVideo or AppendAudio no longer needs to emit them
// unless the streams change or a keyframe comes.
//
// PAT: program 1 -> PMT PID 0x1001. PMT: video on 0x100 (stream type 0x1B
// H.264 or 0x24 HEVC), AAC on 0x101 (0x0F), MP3 on 0x102 (0x03); the PCR PID
// is the video PID when there is video, else the audio PID.
//
// dst is appended to (possibly reallocated); the writer retains nothing.
func (w *Writer) AppendPATPMT(dst []byte) []byte {
	dst = w.appendPAT(dst)
	dst = w.appendPMT(dst)
	w.psiPending = false
	w.pmtSent = true
	return dst
}

// appendPSIPacket appends one TS packet carrying the section
// sec[:n] (which lacks its CRC_32; it is computed here) on pid.
//
// Specification: ISO 13818-1, 2.4.3.2 (transport packet), 2.4.4.1 and
// 2.4.4.2 (pointer_field), 2.4.4.3 (section syntax), Annex A (CRC_32).
func appendPSIPacket(dst []byte, pid uint16, cc *uint8, sec []byte) []byte {
	n := len(dst)
	dst = grow(dst, packetSize)
	p := dst[n : n+packetSize]
	p[0] = syncByte
	p[1] = 0x40 | byte(pid>>8)&0x1F // payload_unit_start_indicator
	p[2] = byte(pid)
	p[3] = 0x10 | *cc // payload only
	*cc = (*cc + 1) & 0x0F
	p[4] = 0 // pointer_field: the section starts right here
	i := 5 + copy(p[5:], sec)
	c := crc32(sec)
	p[i], p[i+1], p[i+2], p[i+3] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
	for i += 4; i < packetSize; i++ {
		p[i] = 0xFF // stuffing after the section
	}
	return dst
}

// appendPAT writes the program association section for program 1.
//
// Specification: ISO 13818-1, 2.4.4.3, Table 2-30.
func (w *Writer) appendPAT(dst []byte) []byte {
	const sectionLength = 5 + 4 + 4 // header after length, one program, CRC
	sec := [...]byte{
		0x00,                    // table_id: program_association_section
		0xB0 | sectionLength>>8, // section_syntax_indicator 1, '0', reserved 11
		sectionLength & 0xFF,
		0x00, 0x01, // transport_stream_id 1
		0xC1, // reserved 11, version_number 0, current_next_indicator 1
		0x00, // section_number
		0x00, // last_section_number
		0x00, programNumber,
		0xE0 | PIDPMT>>8, PIDPMT & 0xFF, // reserved 111, program_map_PID
	}
	return appendPSIPacket(dst, PIDPAT, &w.ccPAT, sec[:])
}

// appendPMT writes the program map section for program 1.
//
// Specification: ISO 13818-1, 2.4.4.8, Table 2-33.
func (w *Writer) appendPMT(dst []byte) []byte {
	var sec [12 + 2*5]byte
	n := 12
	pcr := w.pcrPID()
	sec[0] = 0x02 // table_id: TS_program_map_section
	sec[3], sec[4] = 0x00, programNumber
	sec[5] = 0xC1 | (w.pmtVersion&0x1F)<<1 // reserved 11, version_number, current_next 1
	sec[6], sec[7] = 0, 0                  // section_number, last_section_number
	sec[8], sec[9] = 0xE0|byte(pcr>>8), byte(pcr)
	sec[10], sec[11] = 0xF0, 0x00 // reserved 1111, program_info_length 0
	addStream := func(streamType byte, pid uint16) {
		sec[n] = streamType
		sec[n+1], sec[n+2] = 0xE0|byte(pid>>8), byte(pid)
		sec[n+3], sec[n+4] = 0xF0, 0x00 // reserved 1111, ES_info_length 0
		n += 5
	}
	switch w.video {
	case VideoH264:
		addStream(StreamTypeH264, PIDVideo)
	case VideoHEVC:
		addStream(StreamTypeHEVC, PIDVideo)
	}
	switch w.audio {
	case AudioAAC:
		addStream(StreamTypeAAC, PIDAAC)
	case AudioMP3:
		addStream(StreamTypeMPEG1Audio, PIDMP3)
	}
	sectionLength := n - 3 + 4 // bytes after section_length, CRC included
	sec[1] = 0xB0 | byte(sectionLength>>8)
	sec[2] = byte(sectionLength)
	return appendPSIPacket(dst, PIDPMT, &w.ccPMT, sec[:n])
}

// pcrPID is the PID whose PES packets carry the PCR: video when present,
// else audio, else the null PID (a program with no streams).
func (w *Writer) pcrPID() uint16 {
	if w.video != VideoNone {
		return PIDVideo
	}
	if pid := w.audioPID(); pid != 0 {
		return pid
	}
	return pidNull
}

// audioPID returns the PID of the current audio stream, 0 when none.
func (w *Writer) audioPID() uint16 {
	switch w.audio {
	case AudioAAC:
		return PIDAAC
	case AudioMP3:
		return PIDMP3
	}
	return 0
}

// AppendJoinPATPMT appends PAT and PMT for a viewer that joins the shared
// output now, without changing the writer: the packets describe the current
// streams and carry the continuity counters of the last PAT/PMT written, so
// the next PAT/PMT in the shared output follows on without a discontinuity.
// Use it in front of the first shared bytes a new viewer receives, in
// particular for audio-only programs, where PAT/PMT are not repeated at
// keyframes.
//
// dst is appended to (possibly reallocated); the writer retains nothing.
func (w *Writer) AppendJoinPATPMT(dst []byte) []byte {
	ccPAT, ccPMT := w.ccPAT, w.ccPMT
	w.ccPAT, w.ccPMT = (ccPAT-1)&0x0F, (ccPMT-1)&0x0F // reuse the last values
	dst = w.appendPAT(dst)
	dst = w.appendPMT(dst)
	w.ccPAT, w.ccPMT = ccPAT, ccPMT
	return dst
}
