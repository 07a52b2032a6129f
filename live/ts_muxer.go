package live

import (
	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/mpegts"
)

// tsMuxer serialises a stream to MPEG-TS once, for all its TS viewers: each
// packet carries its own TS bytes, and the writer puts PAT/PMT before every
// keyframe, so a viewer that starts at a cached GOP locks on at once.
type tsMuxer struct {
	w *mpegts.Writer
	// psi is the PAT/PMT a viewer needs when it starts elsewhere than at a
	// keyframe (audio-only streams): continuity counters that lead into the
	// shared output. Rebuilt, as a fresh slice, whenever the writer emits
	// PAT/PMT; the old slice may still be shared by queued packets.
	psi   []byte
	stale bool
	// waitKey holds back every tag until the first video keyframe, when the
	// muxer starts in the middle of a GOP.
	waitKey bool
	video   mpegts.VideoCodec
	audio   mpegts.AudioCodec
}

func newTSMuxer() *tsMuxer {
	return &tsMuxer{w: mpegts.NewWriter()}
}

func (m *tsMuxer) setCodecs(v mpegts.VideoCodec, a mpegts.AudioCodec) {
	if v == m.video && a == m.audio {
		return
	}
	m.video, m.audio = v, a
	m.w.SetVideo(v)
	m.w.SetAudio(a)
	m.stale = true
}

// ingest serialises p into p.ts (and notes the PAT/PMT a viewer joining at
// p needs in p.psi). An error means p carries no TS bytes (a sequence header
// that does not parse, an access unit the writer refuses): the tag is left
// out of the TS output, which goes on; the stream counts and logs these.
func (m *tsMuxer) ingest(p *Packet) (err error) {
	defer func() {
		if m.stale && len(p.ts) > 0 {
			m.psi, m.stale = m.w.AppendJoinPATPMT(nil), false
		}
		p.psi = m.psi
	}()
	v, a := m.video, m.audio
	switch p.Type {
	case flv.TagVideo:
		if v = tsVideo(p.VideoCodec()); v == mpegts.VideoNone {
			return nil // other codecs have no TS mapping here
		}
		m.setCodecs(v, a)
		if p.seqHeader {
			if v == mpegts.VideoH264 {
				return m.w.SetH264Config(p.VideoPayload())
			}
			return m.w.SetHEVCConfig(p.VideoPayload())
		}
		if !p.videoFrame || (m.waitKey && !p.keyframe) {
			return nil
		}
		m.waitKey = false
		dts := int64(p.Timestamp) * 90
		pts := dts + int64(p.CompositionTime())*90
		au := p.VideoPayload()
		out, err := m.w.AppendVideo(make([]byte, 0, tsVideoSize(len(au), p.keyframe)), dts, pts, p.keyframe, au)
		if err != nil {
			return err
		}
		p.ts = out
		m.stale = m.stale || p.keyframe
	case flv.TagAudio:
		if a = tsAudio(p.SoundFormat()); a == mpegts.AudioNone {
			return nil
		}
		m.setCodecs(v, a)
		if p.seqHeader {
			return m.w.SetAACConfig(p.AudioPayload())
		}
		if !p.audioFrame || m.waitKey {
			return nil
		}
		frame := p.AudioPayload()
		out, err := m.w.AppendAudio(make([]byte, 0, tsAudioSize(len(frame))), int64(p.Timestamp)*90, frame)
		if err != nil {
			return err
		}
		p.ts = out
	}
	return nil
}

// tsVideo is the TS codec of FLV video codec id, VideoNone for a codec
// with no TS mapping here. The muxer and HLS's codec hints share it.
func tsVideo(id int) mpegts.VideoCodec {
	switch id {
	case flv.CodecH264:
		return mpegts.VideoH264
	case flv.CodecHEVC:
		return mpegts.VideoHEVC
	}
	return mpegts.VideoNone
}

// tsAudio is the TS codec of FLV sound format f, AudioNone for a format
// with no TS mapping here.
func tsAudio(f int) mpegts.AudioCodec {
	switch f {
	case flv.SoundAAC:
		return mpegts.AudioAAC
	case flv.SoundMP3:
		return mpegts.AudioMP3
	}
	return mpegts.AudioNone
}

// tsVideoSize is the TS size of a video access unit of n bytes: the PES
// header (19 bytes at most), an access unit delimiter (7) and the
// adaptation field with the PCR (8) on 184-byte packet payloads; a
// keyframe adds PAT, PMT and a packet for the parameter sets. The slices
// are made this size so they hold no slack: HLS keeps them for a minute
// (a guess that falls short costs one growth of that slice).
func tsVideoSize(n int, key bool) int {
	pk := (n + 19 + 7 + 8 + 183) / 184
	if key {
		pk += 3
	}
	return pk * 188
}

// tsAudioSize is the TS size of an audio frame of n bytes: the ADTS header
// (7), the PES header (14) and the adaptation field with the PCR of an
// audio-only stream (8). A PAT/PMT in front (a codec change) grows it.
func tsAudioSize(n int) int { return (n + 7 + 14 + 8 + 183) / 184 * 188 }
