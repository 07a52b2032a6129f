package live

import (
	"bytes"
	"io"
	"sync/atomic"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/hls"
	"github.com/picosrs/picosrs/mpegts"
)

// streamHLS is a stream's HLS for one publishing session: a vhost with hls
// on starts the stream's TS muxer at the first tag and hands every tag's TS
// bytes, by reference, to its segmenter in the server's hls.Store (package
// hls cuts, keeps the window and serves nothing itself). Its fields are
// guarded by the stream lock, but failed, which the disk writer sets.
type streamHLS struct {
	seg      *hls.Segmenter
	vsh, ash []byte // the session's sequence headers, to see them change
	emitted  bool   // a media frame went to the TS muxer (codec hints are moot)
	failed   atomic.Bool
	errs     countLog
}

// startHLSLocked opens the stream's HLS for a new publishing session (the
// first tag). The stream lock is held.
func (s *Stream) startHLSLocked() {
	c := s.vh.HLS
	if c == nil {
		return
	}
	s.ensureTS()
	h := &streamHLS{}
	cfg := c.Config
	cfg.OnError = func(err error) { s.hlsError(h, err) }
	names := hls.NewNames(c.M3U8File, c.TSFile, s.key.Vhost, s.key.App, s.key.Name)
	h.seg = s.srv.hls.Open(s.key.String(), s.key.Vhost, names, cfg)
	if c, ok := h.seg.Carry().(mpegts.Counters); ok {
		// The window goes on from an earlier session: so do the
		// continuity counters (players read its segments as one stream).
		s.codecs.ts.w.Continue(c)
	}
	s.hls = h
}

// writeHLSLocked hands p's TS bytes to the segmenter; a sequence header that
// changes within the session marks a discontinuity. The stream lock is held.
func (s *Stream) writeHLSLocked(p *Packet) {
	h := s.hls
	if h == nil || h.failed.Load() {
		return
	}
	switch {
	case p.seqHeader:
		prev := &h.ash
		if p.Type == flv.TagVideo {
			prev = &h.vsh
		}
		if *prev != nil && !bytes.Equal(*prev, p.Data) {
			h.seg.Discontinuity()
		}
		*prev = p.Data
		return
	case p.metadata != nil && !h.emitted:
		s.hintCodecsLocked(p.metadata)
		return
	case len(p.ts) == 0:
		return
	}
	h.emitted = true
	h.seg.Write(hls.Unit{TS: p.ts, PSI: p.psi, DTS: time.Duration(p.Timestamp) * time.Millisecond, Video: p.videoFrame, Key: p.keyframe})
}

// hintCodecsLocked applies hls_vcodec and hls_acodec as SRS does: the PMT
// announces a track before its sequence header, so a segment that starts
// before it still lists it. picosrs announces only the tracks onMetaData
// declares (with its codec id when it names one), so an audio-only stream
// never gets a video track nobody fills.
func (s *Stream) hintCodecsLocked(md *flv.Metadata) {
	m := s.codecs.ts
	if m == nil {
		return
	}
	v, a := m.video, m.audio
	if v == mpegts.VideoNone && md.HasVideoCodecID {
		if v = tsVideo(metaCodecID(md.VideoCodecID)); v == mpegts.VideoNone {
			switch s.vh.HLS.VCodec {
			case "h264":
				v = mpegts.VideoH264
			case "h265":
				v = mpegts.VideoHEVC
			}
		}
	}
	if a == mpegts.AudioNone && md.HasAudioCodecID {
		if a = tsAudio(metaCodecID(md.AudioCodecID)); a == mpegts.AudioNone {
			switch s.vh.HLS.ACodec {
			case "aac":
				a = mpegts.AudioAAC
			case "mp3":
				a = mpegts.AudioMP3
			}
		}
	}
	m.setCodecs(v, a)
}

// metaCodecID is onMetaData's codec id f as an FLV codec number, -1 when f
// is not a whole number (which no codec is).
func metaCodecID(f float64) int {
	if id := int(f); float64(id) == f {
		return id
	}
	return -1
}

// hlsDiscontinuityLocked marks a new timeline (a republish within the grace
// period, an edge that reconnected). The stream lock is held.
func (s *Stream) hlsDiscontinuityLocked() {
	if s.hls != nil {
		s.hls.seg.Discontinuity()
	}
}

// endHLSLocked ends the session's HLS: the open segment joins the window,
// which is served hls_dispose longer. The stream lock is held.
func (s *Stream) endHLSLocked() {
	if s.hls != nil {
		if s.codecs.ts != nil {
			s.hls.seg.SetCarry(s.codecs.ts.w.Counters())
		}
		s.hls.seg.Close()
		s.hls = nil
	}
}

// hlsError handles a file the disk writer could not write (on its
// goroutine): it is counted and logged at most every 10 s, then
// hls_on_error decides.
func (s *Stream) hlsError(h *streamHLS, err error) {
	h.errs.note(s.log, "hls files not written", err)
	switch s.vh.HLS.OnError {
	case "ignore":
		h.failed.Store(true)
	case "disconnect":
		s.mu.RLock()
		pub := s.pub
		s.mu.RUnlock()
		if c, ok := pub.(io.Closer); ok {
			c.Close()
		}
	}
}
