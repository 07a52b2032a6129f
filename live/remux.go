package live

import (
	"errors"

	"github.com/picosrs/picosrs/adts"
	"github.com/picosrs/picosrs/flv"
)

// errCodecMismatch ends a .mp3 or .aac response whose stream carries another
// audio codec (SRS: "mp3 required, format=10").
var errCodecMismatch = errors.New("audio codec does not match the mount")

// encoder turns a consumer's packets into the bytes of one HTTP format. It
// appends slices to bufs that point into the shared packets (or into the
// encoder's own small buffers) and copies no payload. Each viewer has its own
// encoder: the per-viewer state is only the format's start-up decisions.
type encoder interface {
	encode(bufs [][]byte, batch []*Packet) ([][]byte, error)
}

func newEncoder(f format, vh *VhostConfig) encoder {
	switch f {
	case formatTS:
		return &tsEncoder{}
	case formatMP3:
		return &mp3Encoder{}
	case formatAAC:
		return &aacEncoder{}
	}
	return &flvEncoder{remux: vh.Remux}
}

// codecState is a stream's knowledge of its codecs and the serialisers that
// run once per tag for every format's viewers.
type codecState struct {
	audio int // FLV SoundFormat, -1 until known
	video int // FLV codec id, -1 until known
	aac   adts.Config
	aacOK bool
	ts    *tsMuxer // started by the stream's first TS viewer; nil until then
}

// reset forgets the codecs (a new publishing session).
func (c *codecState) reset() {
	c.audio, c.video, c.aacOK = -1, -1, false
	c.ts = nil
}

// ingest learns codecs from p and builds its per-format serialisations.
func (c *codecState) ingest(p *Packet) {
	switch p.Type {
	case flv.TagAudio:
		c.audio = p.SoundFormat()
		if p.seqHeader {
			if cfg, err := adts.ParseASC(p.AudioPayload()); err == nil {
				c.aac, c.aacOK = cfg, true
			} else {
				c.aacOK = false
			}
		} else if c.audio == flv.SoundAAC && c.aacOK {
			if b, err := adts.AppendHeader(p.adtsHead[:0], c.aac, len(p.AudioPayload())); err == nil && len(b) == len(p.adtsHead) {
				p.hasADTS = true
			}
		}
	case flv.TagVideo:
		if v := p.VideoCodec(); v >= 0 {
			c.video = v
		}
	}
	if c.ts != nil {
		c.ts.ingest(p)
	}
}
