package live

import (
	"github.com/picosrs/picosrs/flv"
)

// flvEncoder writes HTTP-FLV. The FLV header is deferred until the first
// batch that shows a track, and its audio/video flags are guessed from it as
// SRS does (guess_has_av): coded frames decide, and so do the sequence
// headers and the onMetaData codec ids, so a stream that has audio is never
// announced as video-only because its first audio frame came a millisecond
// after the first keyframe.
type flvEncoder struct {
	remux    RemuxConfig
	started  bool
	hasAudio bool
	hasVideo bool
	header   [flv.HeaderSize]byte
	held     []*Packet // metadata seen before any track
}

func (e *flvEncoder) guess(batch []*Packet) (hasAudio, hasVideo bool) {
	if !e.remux.GuessHasAV {
		return e.remux.HasAudio, e.remux.HasVideo
	}
	for _, p := range batch {
		switch {
		case p.Type == flv.TagAudio:
			hasAudio = true
		case p.Type == flv.TagVideo:
			hasVideo = true
		case p.metadata != nil:
			hasAudio = hasAudio || p.metadata.HasAudioCodecID
			hasVideo = hasVideo || p.metadata.HasVideoCodecID
		}
	}
	return hasAudio, hasVideo
}

func (e *flvEncoder) encode(bufs [][]byte, batch []*Packet) ([][]byte, error) {
	if !e.started {
		if len(e.held) > 0 {
			batch = append(e.held, batch...)
		}
		a, v := e.guess(batch)
		if !a && !v {
			// Nothing tells the tracks yet: keep the metadata for later.
			e.held = append(e.held[:0], batch...)
			if len(e.held) > 16 {
				e.held = e.held[len(e.held)-16:]
			}
			return bufs, nil
		}
		e.held = nil
		e.started, e.hasAudio, e.hasVideo = true, a, v
		bufs = append(bufs, flv.AppendHeader(e.header[:0], a, v))
	}
	for _, p := range batch {
		if e.remux.DropIfNotMatch && ((p.Type == flv.TagAudio && !e.hasAudio) || (p.Type == flv.TagVideo && !e.hasVideo)) {
			continue
		}
		bufs = append(bufs, p.flvHead[:], p.Data, p.flvTail[:])
	}
	return bufs, nil
}
