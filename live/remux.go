package live

import "errors"

// ErrCodecMismatch ends a .mp3 or .aac viewer whose stream carries another
// audio codec (SRS: "mp3 required, format=10").
var ErrCodecMismatch = errors.New("live: audio codec does not match the format")

// encoder turns a consumer's packets into the bytes of one format. It
// appends slices to bufs that point into the shared packets (or into the
// encoder's own small buffers) and copies no payload. Each viewer has its own
// encoder: the per-viewer state is only the format's start-up decisions.
// All glue from packets to a format is in the remux_*.go files, one per
// format (codecs.go and ts_muxer.go build what they share once per stream).
type encoder interface {
	encode(bufs [][]byte, batch []*Packet) ([][]byte, error)
}

// newEncoder returns the encoder of an HTTP format; RTMP's needs its
// connection (newRTMPEncoder).
func newEncoder(f Format, vh *VhostConfig) encoder {
	switch f {
	case FormatTS:
		return &tsEncoder{}
	case FormatMP3:
		return &mp3Encoder{}
	case FormatAAC:
		return &aacEncoder{}
	}
	return &flvEncoder{remux: vh.Remux}
}
