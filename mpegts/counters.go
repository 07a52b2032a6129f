package mpegts

// Counters is where a Writer's output stands: its continuity counters and
// PMT version. A new Writer that continues the same output (a stream
// published again into the same HLS playlist, which players read as one
// transport stream) takes them with Continue, so a demuxer sees no
// continuity error at the join: FFmpeg would flag the last frame before it
// as corrupt.
type Counters struct {
	pat, pmt, video, aac, mp3 uint8
	pmtVersion                uint8
}

// Counters returns where w's output stands.
func (w *Writer) Counters() Counters {
	return Counters{pat: w.ccPAT, pmt: w.ccPMT, video: w.ccVideo, aac: w.ccAAC, mp3: w.ccMP3, pmtVersion: w.pmtVersion}
}

// Continue makes w carry on an output that stood at c, before w writes
// anything: its packets continue the continuity counters, and its first
// PMT has the next version number, so a demuxer takes w's streams, which
// may differ.
func (w *Writer) Continue(c Counters) {
	w.ccPAT, w.ccPMT, w.ccVideo, w.ccAAC, w.ccMP3 = c.pat, c.pmt, c.video, c.aac, c.mp3
	w.pmtVersion = (c.pmtVersion + 1) & 0x1F
	w.pmtSent = false
	w.psiPending = true
}
