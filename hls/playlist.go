package hls

import "strconv"

// render builds the window's media playlist (RFC 8216 4.3) into a new
// slice, in SRS's shape: version 3, the media sequence of the first
// segment, the target duration, then each segment's EXTINF (milliseconds,
// ", no desc") and URI, with EXT-X-DISCONTINUITY where a new timeline
// starts and EXT-X-DISCONTINUITY-SEQUENCE once such a segment left the
// window. No EXT-X-ENDLIST: a stream that ended may be published again.
func (w *Window) render() {
	b := make([]byte, 0, 128+len(w.segs)*(40+len(w.names.Segment)+len(w.cfg.EntryPrefix)))
	b = append(b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:"...)
	first := w.next
	if len(w.segs) > 0 {
		first = w.segs[0].Seq
	}
	b = strconv.AppendUint(b, first, 10)
	b = append(b, "\n#EXT-X-TARGETDURATION:"...)
	b = strconv.AppendInt(b, w.target, 10)
	b = append(b, '\n')
	if w.discSeq > 0 {
		b = append(b, "#EXT-X-DISCONTINUITY-SEQUENCE:"...)
		b = strconv.AppendUint(b, w.discSeq, 10)
		b = append(b, '\n')
	}
	for _, seg := range w.segs {
		if seg.Discontinuity {
			b = append(b, "#EXT-X-DISCONTINUITY\n"...)
		}
		b = append(b, "#EXTINF:"...)
		b = strconv.AppendFloat(b, float64(seg.Duration.Milliseconds())/1000, 'f', 3, 64)
		b = append(b, ", no desc\n"...)
		b = append(b, seg.URI...)
		b = append(b, '\n')
	}
	w.playlist = b
}
