package live

// jitter corrects a stream's timestamps, as SRS's SrsRtmpJitter::correct does,
// but once per stream instead of once per consumer: so the shared FLV and TS
// bytes carry the same times for everyone, and a republish continues from
// where the previous publisher stopped instead of running backwards.
type jitter struct {
	mode      Jitter
	started   bool
	last      int64 // last input timestamp
	corrected int64 // last output timestamp
	base      int64 // JitterZero: subtracted from every input
	rebase    bool  // the next input starts a new publisher's timeline
}

const (
	maxJitterMS      = 250
	defaultFrameTime = 10
)

func (j *jitter) correct(ts uint32) uint32 {
	in := int64(ts)
	switch j.mode {
	case JitterOff:
		return ts
	case JitterZero:
		if !j.started {
			j.started, j.base = true, in
		}
		if j.rebase {
			j.base, j.rebase = in-(j.corrected+defaultFrameTime), false
		}
		v := in - j.base
		if v < 0 {
			v = 0
		}
		j.corrected = v
		return uint32(v)
	}
	if !j.started {
		j.started = true
		j.last = in
		j.corrected = 0
		return 0
	}
	delta := in - j.last
	if j.rebase || delta < -maxJitterMS || delta > maxJitterMS {
		delta = defaultFrameTime
		j.rebase = false
	}
	j.corrected += delta
	if j.corrected < 0 {
		j.corrected = 0
	}
	j.last = in
	return uint32(j.corrected)
}

// jump marks the next input as the start of a new timeline (a republish, or
// an edge that reconnected to an origin): it follows the last output by the
// default frame time, whatever its value.
func (j *jitter) jump() {
	if j.started {
		j.rebase = true
	}
}
