package live

import (
	"fmt"

	"github.com/picosrs/picosrs/flv"
)

// aacEncoder writes HTTP-AAC: an ADTS header (built once per tag by the
// stream) before each raw AAC frame. Video and metadata never reach it.
type aacEncoder struct{}

func (e *aacEncoder) encode(bufs [][]byte, batch []*Packet) ([][]byte, error) {
	for _, p := range batch {
		if p.Type != flv.TagAudio {
			continue
		}
		if f := p.SoundFormat(); f != flv.SoundAAC {
			return bufs, fmt.Errorf("%w: .aac needs AAC, the stream has sound format %d", ErrCodecMismatch, f)
		}
		if !p.audioFrame || !p.hasADTS {
			continue // sequence header, or a frame before any AudioSpecificConfig
		}
		bufs = append(bufs, p.adtsHead[:], p.AudioPayload())
	}
	return bufs, nil
}
