package live

// pureAudioGuess is SRS's SRS_PURE_AUDIO_GUESS_COUNT: after this many audio
// tags with no video the stream is taken as audio-only and the GOP cache is
// dropped.
const pureAudioGuess = 115

// gopCache marks the newest group of pictures in a stream's ring: where a new
// viewer of a video stream starts (SRS's SrsGopCache). The packets stay in
// the ring; the cache is only the position of the keyframe that opens the
// GOP, kept valid while the GOP is whole, within gop_cache_max_frames and
// still held by the ring. It also remembers whether the stream carries video
// at all (SRS's pure-audio guess), which decides whether a viewer without a
// cached GOP must wait for a keyframe. The stream lock guards it.
type gopCache struct {
	start    uint64 // ring sequence number of the keyframe that opens the GOP
	ok       bool   // start marks a whole GOP
	frames   int    // packets after the keyframe (SRS counts audio too)
	sawVideo bool   // video seen since the last pure-audio verdict
	audioRun int    // audio tags since the last video tag
}

// add notes a packet the stream has just pushed to its ring. With caching
// off (gop_cache off) it only follows the pure-audio guess.
func (g *gopCache) add(p *Packet, enabled bool, maxFrames int) {
	switch {
	case p.IsVideo():
		g.sawVideo = true
		g.audioRun = 0
	case p.IsAudio() && g.sawVideo:
		g.audioRun++
		if g.audioRun > pureAudioGuess {
			g.ok = false
			g.sawVideo = false
		}
	}
	if !enabled {
		return
	}
	if p.keyframe {
		g.start, g.ok, g.frames = p.seq, true, 0
	} else if g.ok {
		g.frames++
		if g.frames > maxFrames {
			g.ok = false
		}
	}
}

// drop forgets the cached GOP (a new timeline starts, or the ring evicted
// part of it); the next keyframe opens a new one.
func (g *gopCache) drop() { g.ok = false }

// reset forgets everything: a new publishing session.
func (g *gopCache) reset() { *g = gopCache{} }

// startIn returns where the cached GOP starts, when there is one and r still
// holds all of it.
func (g *gopCache) startIn(r *ring) (uint64, bool) {
	if !g.ok || g.start < r.tail {
		return 0, false
	}
	return g.start, true
}

// holds reports whether seq belongs to the cached GOP.
func (g *gopCache) holds(seq uint64) bool { return g.ok && seq >= g.start }
