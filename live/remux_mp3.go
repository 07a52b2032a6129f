package live

import (
	"fmt"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/mp3"
)

// mp3Encoder writes HTTP-MP3: SRS's ID3v2 preamble, then the MP3 frames.
type mp3Encoder struct {
	started bool
}

var id3Preamble = mp3.ID3v2Preamble()

func (e *mp3Encoder) encode(bufs [][]byte, batch []*Packet) ([][]byte, error) {
	for _, p := range batch {
		if p.Type != flv.TagAudio {
			continue
		}
		if f := p.SoundFormat(); f != flv.SoundMP3 {
			return bufs, fmt.Errorf("%w: .mp3 needs MP3, the stream has sound format %d", ErrCodecMismatch, f)
		}
		if !e.started {
			e.started = true
			bufs = append(bufs, id3Preamble)
		}
		bufs = append(bufs, p.AudioPayload())
	}
	return bufs, nil
}
