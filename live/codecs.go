package live

import (
	"fmt"

	"github.com/picosrs/picosrs/adts"
	"github.com/picosrs/picosrs/flv"
)

// codecState is a stream's knowledge of its codecs and the serialisers that
// run once per tag for every format's viewers.
type codecState struct {
	audio int // FLV SoundFormat, -1 until known
	video int // FLV codec id, -1 until known
	aac   adts.Config
	aacOK bool
	// videoInfo is what the video sequence header says, for the API.
	videoInfo VideoInfo
	ts        *tsMuxer // started by the stream's first TS viewer; nil until then
}

// reset forgets the codecs (a new publishing session).
func (c *codecState) reset() {
	c.audio, c.video, c.aacOK = -1, -1, false
	c.videoInfo = VideoInfo{}
	c.ts = nil
}

// ingest learns codecs from p and builds its per-format serialisations. An
// error is the TS muxer's: p goes on without TS bytes.
func (c *codecState) ingest(p *Packet) error {
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
			if p.seqHeader {
				c.videoInfo = videoConfigInfo(v, p.VideoPayload())
			}
		}
	}
	if c.ts != nil {
		return c.ts.ingest(p)
	}
	return nil
}

// checkFormat refuses an audio-only format whose stream is known to carry
// another audio codec. The stream lock is held.
func (c *codecState) checkFormat(f Format) error {
	switch {
	case c.audio < 0:
		return nil
	case f == FormatMP3 && c.audio != flv.SoundMP3:
		return fmt.Errorf("%w: .mp3 needs an MP3 stream, this one has sound format %d", ErrCodecMismatch, c.audio)
	case f == FormatAAC && c.audio != flv.SoundAAC:
		return fmt.Errorf("%w: .aac needs an AAC stream, this one has sound format %d", ErrCodecMismatch, c.audio)
	}
	return nil
}
