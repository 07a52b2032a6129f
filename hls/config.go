package hls

import (
	"math"
	"time"
)

// Config is one stream's HLS settings: SRS's hls block (conf.HLS), mapped by
// main.go and passed through the stream core.
type Config struct {
	// Fragment is hls_fragment: the target duration of a segment.
	Fragment time.Duration
	// TDRatio is hls_td_ratio: a segment is cut at the first keyframe
	// after Fragment*TDRatio, and EXT-X-TARGETDURATION starts there.
	TDRatio float64
	// AOFRatio is hls_aof_ratio: a segment whose video stopped is cut on
	// audio after Fragment*AOFRatio.
	AOFRatio float64
	// Window is hls_window: the playlist lists the newest segments whose
	// durations add up to at most Window (at least one, and never less
	// than three target durations when there are more, RFC 8216 6.2.2).
	Window time.Duration
	// MaxBytes is hls_max_size: the most one stream's segments may hold in
	// memory, the open segment included; the oldest go first.
	MaxBytes int64
	// WaitKeyframe is hls_wait_keyframe: cut video only at keyframes.
	WaitKeyframe bool
	// Dispose is hls_dispose: the window is freed (and its files removed)
	// this long after the stream ended; 0 keeps it (see maxEnded).
	Dispose time.Duration
	// EntryPrefix is hls_entry_prefix, put in front of each segment URI.
	EntryPrefix string
	// TSFloor is hls_ts_floor: [timestamp] in segment names counts
	// fragments (floor(now/Fragment)) instead of milliseconds.
	TSFloor bool

	// Memory serves the playlist and segments from memory (hls_storage
	// memory or both): their URL paths are indexed for Store.Find.
	Memory bool
	// Disk writes them under Dir (hls_storage disk or both, hls_path).
	Disk bool
	Dir  string
	// Cleanup is hls_cleanup: files of segments that left the window are
	// removed.
	Cleanup bool
	// OnError is told, from the disk writer's goroutine, of each file that
	// could not be written (hls_on_error's business is the caller's).
	OnError func(error)
}

// Durations below this are no segment of their own (SRS's
// SRS_HLS_SEGMENT_MIN_DURATION, doubled for a cut).
const minSegment = 100 * time.Millisecond

// withDefaults fills what is unset with SRS's defaults.
func (c Config) withDefaults() Config {
	if c.Fragment <= 0 {
		c.Fragment = 10 * time.Second
	}
	if c.TDRatio <= 0 {
		c.TDRatio = 1
	}
	if c.AOFRatio <= 0 {
		c.AOFRatio = 2.1
	}
	if c.Window <= 0 {
		c.Window = 60 * time.Second
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = 32 << 20
	}
	return c
}

// TargetDuration is the segments' target duration for c, defaults filled
// in (hls_fragment*hls_td_ratio): what an edge keeps its pull for a player
// polling the playlist.
func (c Config) TargetDuration() time.Duration {
	c = c.withDefaults()
	return c.target()
}

// target is the duration after which a segment is cut at the next keyframe
// (SRS's max_td).
func (c *Config) target() time.Duration {
	return max(scale(c.Fragment, c.TDRatio), 2*minSegment)
}

// audioOverflow is the duration after which a segment is cut on audio even
// though the stream has video (its video stopped).
func (c *Config) audioOverflow() time.Duration {
	return max(scale(c.Fragment, c.AOFRatio), c.target())
}

// longest is the duration after which a segment is cut whatever comes, so a
// stream without keyframes cannot grow one segment without bound.
func (c *Config) longest() time.Duration {
	return max(3*c.target(), c.audioOverflow())
}

func scale(d time.Duration, r float64) time.Duration {
	v := float64(d) * r
	if v >= math.MaxInt64 || math.IsNaN(v) {
		return math.MaxInt64
	}
	return time.Duration(v)
}
