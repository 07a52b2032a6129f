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
	base      int64 // JitterZero: the first timestamp
}

const (
	maxJitterMS      = 250
	defaultFrameTime = 10
)

// restart makes the next timestamp be treated as a jump (a new publisher).
func (j *jitter) restart() { j.started = j.started && j.mode == JitterFull }

func (j *jitter) correct(ts uint32) uint32 {
	in := int64(ts)
	switch j.mode {
	case JitterOff:
		return ts
	case JitterZero:
		if !j.started {
			j.started, j.base = true, in
		}
		v := in - j.base
		if v < 0 {
			v = 0
		}
		return uint32(v)
	}
	if !j.started {
		j.started = true
		j.last = in
		j.corrected = 0
		return 0
	}
	delta := in - j.last
	if delta < -maxJitterMS || delta > maxJitterMS {
		delta = defaultFrameTime
	}
	j.corrected += delta
	if j.corrected < 0 {
		j.corrected = 0
	}
	j.last = in
	return uint32(j.corrected)
}

// jump marks the next input as discontinuous: its delta will be replaced by
// the default frame time (used on republish).
func (j *jitter) jump() {
	if j.mode == JitterFull && j.started {
		j.last = -1 << 40 // any next timestamp is a jump
	}
}
