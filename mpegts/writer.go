package mpegts

import (
	"errors"
	"fmt"

	"github.com/picosrs/picosrs/adts"
	"github.com/picosrs/picosrs/codec"
)

// Sentinel errors. Callers branch with errors.Is.
var (
	// ErrNoVideo means AppendVideo without a video stream (SetVideo or a
	// Set*Config first).
	ErrNoVideo = errors.New("mpegts: no video stream")
	// ErrNoAudio means AppendAudio without an audio stream.
	ErrNoAudio = errors.New("mpegts: no audio stream")
	// ErrNoAACConfig means an AAC frame before SetAACConfig.
	ErrNoAACConfig = errors.New("mpegts: aac frame before its config")
	// ErrInvalidConfig means a malformed decoder configuration record.
	ErrInvalidConfig = errors.New("mpegts: invalid decoder configuration")
	// ErrInvalidNALU means a NAL unit length running past the access unit.
	ErrInvalidNALU = errors.New("mpegts: invalid nal unit length")
	// ErrEmpty means an access unit or audio frame with no data.
	ErrEmpty = errors.New("mpegts: empty frame")
)

// VideoCodec is the video stream of the program.
type VideoCodec uint8

// Video codecs.
const (
	VideoNone VideoCodec = iota
	VideoH264
	VideoHEVC
)

// AudioCodec is the audio stream of the program.
type AudioCodec uint8

// Audio codecs.
const (
	AudioNone AudioCodec = iota
	AudioAAC
	AudioMP3
)

// Writer serialises one program (at most one video and one audio stream) into
// MPEG-TS packets. It holds the stream setup and the continuity counters; it
// is meant to run once per published stream, its output shared by every TS
// viewer. A Writer is not safe for concurrent use.
//
// Every Append* method appends whole 188-byte packets to dst and returns the
// extended slice, like append. On error dst is returned unchanged. In steady
// state (dst with enough capacity, frames no larger than before) no Append*
// call allocates. The writer never keeps dst, au or frame after returning.
type Writer struct {
	video      VideoCodec
	audio      AudioCodec
	psiPending bool  // PAT/PMT must precede the next packet
	pmtSent    bool  // a PMT with pmtVersion went out
	pmtVersion uint8 // version_number, bumped when the streams change

	ccPAT, ccPMT, ccVideo, ccAAC, ccMP3 uint8

	nalLen    int    // NAL unit length size of the access units, 1..4
	paramSets []byte // Annex-B parameter sets to insert before keyframes

	aac    adts.Config
	hasAAC bool

	// Scratch, reused on every call.
	pieces  [][]byte
	pesHdr  [19]byte
	adtsHdr [adts.HeaderLen]byte
}

// NewWriter returns a Writer with no streams. The first Append* call emits
// PAT and PMT.
func NewWriter() *Writer {
	return &Writer{psiPending: true, nalLen: 4}
}

// streamsChanged schedules PAT/PMT and bumps the PMT version when a PMT for
// the previous set of streams already went out.
func (w *Writer) streamsChanged() {
	if w.pmtSent {
		w.pmtVersion = (w.pmtVersion + 1) & 0x1F
		w.pmtSent = false
	}
	w.psiPending = true
}

// SetVideo sets the video stream (VideoNone removes it). A change makes the
// next write emit PAT and PMT and forgets the parameter sets and NAL length
// size of the previous codec. Unknown values count as VideoNone.
func (w *Writer) SetVideo(c VideoCodec) {
	if c > VideoHEVC {
		c = VideoNone
	}
	if c == w.video {
		return
	}
	w.video = c
	w.paramSets = nil
	w.nalLen = 4
	w.streamsChanged()
}

// SetAudio sets the audio stream (AudioNone removes it). A change makes the
// next write emit PAT and PMT. Unknown values count as AudioNone.
func (w *Writer) SetAudio(c AudioCodec) {
	if c > AudioMP3 {
		c = AudioNone
	}
	if c == w.audio {
		return
	}
	w.audio = c
	w.streamsChanged()
}

// SetH264Config sets the video stream to H.264 and takes the NAL unit length
// size and the SPS/PPS from an AVCDecoderConfigurationRecord (the body of an
// FLV AVC sequence header after its 5-byte prefix), parsed by package codec:
// the SPS and PPS units, in record order, go in front of keyframes. avcc is
// only read; the writer keeps its own copy of the parameter sets. On error,
// ErrInvalidConfig wrapping codec's error, the writer is unchanged.
func (w *Writer) SetH264Config(avcc []byte) error {
	var c codec.AVCConfig
	if err := c.Unmarshal(avcc); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	w.SetVideo(VideoH264)
	w.nalLen, w.paramSets = int(c.NALLengthSize), c.AppendAnnexB(nil)
	return nil
}

// SetHEVCConfig sets the video stream to HEVC and takes the NAL unit length
// size and the VPS/SPS/PPS from an HEVCDecoderConfigurationRecord, parsed by
// package codec: every unit of every array (SEI included), in record order,
// goes in front of keyframes. hvcc is only read. On error, ErrInvalidConfig
// wrapping codec's error, the writer is unchanged.
func (w *Writer) SetHEVCConfig(hvcc []byte) error {
	var c codec.HEVCConfig
	if err := c.Unmarshal(hvcc); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	w.SetVideo(VideoHEVC)
	w.nalLen, w.paramSets = int(c.NALLengthSize), c.AppendAnnexB(nil)
	return nil
}

// SetAACConfig sets the audio stream to AAC and parses the
// AudioSpecificConfig (the body of an FLV AAC sequence header after its
// 2-byte prefix) used for the ADTS header of every frame. asc is only read.
// On error the writer is unchanged.
func (w *Writer) SetAACConfig(asc []byte) error {
	c, err := adts.ParseASC(asc)
	if err != nil {
		return fmt.Errorf("mpegts: %w", err)
	}
	// Check once that ADTS can carry this config, so frames cannot fail on it.
	var probe [adts.HeaderLen]byte
	if _, err := adts.AppendHeader(probe[:0], c, 0); err != nil {
		return fmt.Errorf("mpegts: %w", err)
	}
	w.SetAudio(AudioAAC)
	w.aac, w.hasAAC = c, true
	return nil
}

// AppendVideo appends one video access unit as a PES packet on PID 0x100.
// dts and pts are in 90 kHz units (any int64; written modulo 2^33).
//
// au holds the NAL units in length-prefixed form (AVCC/HVCC, length size
// from the configuration record, 4 by default). They are written in Annex-B
// form with an access unit delimiter in front unless the first NAL unit is
// one. When keyframe is true, PAT and PMT are emitted first, the first packet
// carries random_access_indicator, and the configured parameter sets are
// inserted after the delimiter unless au already carries an SPS. The first
// packet carries the PCR (DTS minus 100 ms). PES_packet_length is 0.
//
// au is validated completely before anything is written: a NAL length that
// runs past the end returns ErrInvalidNALU and dst unchanged. au is only read.
func (w *Writer) AppendVideo(dst []byte, dts, pts int64, keyframe bool, au []byte) ([]byte, error) {
	if w.video == VideoNone {
		return dst, ErrNoVideo
	}
	hevc := w.video == VideoHEVC
	// Slots 0..2: PES header, AUD, parameter sets; filled below.
	pieces := append(w.pieces[:0], nil, nil, nil)
	total := 0
	first, hasAUD, hasSPS := true, false, false
	for pos := 0; pos < len(au); {
		if w.nalLen > len(au)-pos {
			return dst, fmt.Errorf("%w: %d-byte length at offset %d of %d", ErrInvalidNALU, w.nalLen, pos, len(au))
		}
		var u uint64 // not int: a 4-byte length overflows int on 32-bit targets
		for _, b := range au[pos : pos+w.nalLen] {
			u = u<<8 | uint64(b)
		}
		pos += w.nalLen
		if u > uint64(len(au)-pos) {
			return dst, fmt.Errorf("%w: %d bytes at offset %d of %d", ErrInvalidNALU, u, pos, len(au))
		}
		n := int(u)
		if n == 0 {
			continue
		}
		nal := au[pos : pos+n]
		pos += n
		var t int
		if hevc {
			t = int(nal[0]>>1) & 0x3F
			hasSPS = hasSPS || t == hevcNALVPS || t == hevcNALSPS
		} else {
			t = int(nal[0]) & 0x1F
			hasSPS = hasSPS || t == h264NALSPS
		}
		if first {
			hasAUD = (hevc && t == hevcNALAUD) || (!hevc && t == h264NALAUD)
			first = false
		}
		pieces = append(pieces, startCode, nal)
		total += len(startCode) + n
	}
	w.pieces = pieces // keep the grown scratch
	if total == 0 {
		return dst, ErrEmpty
	}
	if !hasAUD {
		if hevc {
			pieces[1] = audHEVC
		} else {
			pieces[1] = audH264
		}
		total += len(pieces[1])
	}
	if keyframe && !hasSPS {
		pieces[2] = w.paramSets
		total += len(w.paramSets)
	}
	h := putPESHeader(w.pesHdr[:], streamIDVideo, pts, dts, total, false)
	pieces[0] = w.pesHdr[:h]
	total += h

	if keyframe || w.psiPending {
		dst = w.AppendPATPMT(dst)
	}
	pcr := int64(-1)
	if w.pcrPID() == PIDVideo {
		pcr = pcrFor(dts)
	}
	dst = appendPES(dst, PIDVideo, &w.ccVideo, pieces, total, pcr, keyframe)
	clear(pieces) // drop references to au
	return dst, nil
}

// AppendAudio appends one audio frame as its own PES packet (each frame is
// flushed alone, as SRS does since ossrs/srs#512): an AAC raw frame, to which
// the ADTS header from SetAACConfig is added, on PID 0x101, or an MP3 frame
// on PID 0x102. pts is in 90 kHz units. PES_packet_length is the real length
// when it fits 16 bits. In an audio-only program the first packet of every
// audio PES carries the PCR (PTS minus 100 ms) and random_access_indicator.
// frame is only read; on error dst is returned unchanged.
func (w *Writer) AppendAudio(dst []byte, pts int64, frame []byte) ([]byte, error) {
	if len(frame) == 0 {
		return dst, ErrEmpty
	}
	var pid uint16
	var cc *uint8
	pieces := append(w.pieces[:0], nil, nil, frame)
	switch w.audio {
	case AudioAAC:
		if !w.hasAAC {
			return dst, ErrNoAACConfig
		}
		hdr, err := adts.AppendHeader(w.adtsHdr[:0], w.aac, len(frame))
		if err != nil {
			return dst, fmt.Errorf("mpegts: %w", err)
		}
		pieces[1] = hdr
		pid, cc = PIDAAC, &w.ccAAC
	case AudioMP3:
		pid, cc = PIDMP3, &w.ccMP3
	default:
		return dst, ErrNoAudio
	}
	esLen := len(pieces[1]) + len(frame)
	h := putPESHeader(w.pesHdr[:], streamIDAudio, pts, pts, esLen, true)
	pieces[0] = w.pesHdr[:h]
	w.pieces = pieces

	if w.psiPending {
		dst = w.AppendPATPMT(dst)
	}
	pcr, rai := int64(-1), false
	if w.pcrPID() == pid {
		pcr, rai = pcrFor(pts), true
	}
	dst = appendPES(dst, pid, cc, pieces, h+esLen, pcr, rai)
	clear(pieces)
	return dst, nil
}
