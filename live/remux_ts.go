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

func (m *tsMuxer) ingest(p *Packet) {
	v, a := m.video, m.audio
	switch p.Type {
	case flv.TagVideo:
		switch p.VideoCodec() {
		case flv.CodecH264:
			v = mpegts.VideoH264
		case flv.CodecHEVC:
			v = mpegts.VideoHEVC
		default:
			return // other codecs have no TS mapping here
		}
		m.setCodecs(v, a)
		if p.seqHeader {
			if v == mpegts.VideoH264 {
				m.w.SetH264Config(p.VideoPayload())
			} else {
				m.w.SetHEVCConfig(p.VideoPayload())
			}
			return
		}
		if !p.videoFrame || (m.waitKey && !p.keyframe) {
			return
		}
		m.waitKey = false
		dts := int64(p.Timestamp) * 90
		pts := dts + int64(p.CompositionTime())*90
		au := p.VideoPayload()
		out, err := m.w.AppendVideo(make([]byte, 0, tsEstimate(len(au))), dts, pts, p.keyframe, au)
		if err == nil {
			p.ts = out
			m.stale = m.stale || p.keyframe
		}
	case flv.TagAudio:
		switch p.SoundFormat() {
		case flv.SoundAAC:
			a = mpegts.AudioAAC
		case flv.SoundMP3:
			a = mpegts.AudioMP3
		default:
			return
		}
		m.setCodecs(v, a)
		if p.seqHeader {
			m.w.SetAACConfig(p.AudioPayload())
			return
		}
		if !p.audioFrame || m.waitKey {
			return
		}
		frame := p.AudioPayload()
		out, err := m.w.AppendAudio(make([]byte, 0, tsEstimate(len(frame))), int64(p.Timestamp)*90, frame)
		if err == nil {
			p.ts = out
		}
	}
	if m.stale && len(p.ts) > 0 {
		m.psi, m.stale = m.w.AppendJoinPATPMT(nil), false
	}
	p.psi = m.psi
}

// tsEstimate is the TS size of a payload of n bytes, with room for PSI, PES
// headers, parameter sets and stuffing, so AppendVideo rarely grows.
func tsEstimate(n int) int { return (n/184+6)*188 + 188*3 }

// tsEncoder writes HTTP-TS: the stream's shared TS bytes, after the PAT/PMT
// when the viewer does not start at a keyframe (which carries its own).
type tsEncoder struct {
	started bool
}

func (e *tsEncoder) encode(bufs [][]byte, batch []*Packet) ([][]byte, error) {
	for _, p := range batch {
		if len(p.ts) == 0 {
			continue
		}
		if !e.started {
			e.started = true
			if !p.keyframe && len(p.psi) > 0 {
				bufs = append(bufs, p.psi)
			}
		}
		bufs = append(bufs, p.ts)
	}
	return bufs, nil
}
