package conf

import "time"

// HLS is the vhost `hls` block: SRS's directives and defaults (getters in
// trunk/src/app/srs_app_config.cpp), plus the picosrs extensions
// hls_storage (memory by default), hls_max_size, hls_low_latency and
// hls_part_duration. Every environment override applies to all vhosts and
// is named as in SRS: SRS_VHOST_HLS_ENABLED, SRS_VHOST_HLS_HLS_<DIRECTIVE>.
// Directives SRS has and picosrs does not implement (hls_keys and the other
// key directives, hls_use_fmp4, hls_ctx, hls_ts_ctx, hls_nb_notify,
// hls_dts_directly, hls_mount, ...) load with one warning each.
//
// An HLS segment is MPEG-TS made from the same bytes as the .ts mount of
// http_remux, so hls and a .ts mount may be on together (SRS refuses that).
type HLS struct {
	// Enabled is `enabled`, default off; env SRS_VHOST_HLS_ENABLED.
	Enabled bool
	// Fragment is `hls_fragment`, float seconds, default 10s: the target
	// segment duration. Env SRS_VHOST_HLS_HLS_FRAGMENT. Must be > 0.
	Fragment time.Duration
	// TDRatio is `hls_td_ratio`, default 1.0: EXT-X-TARGETDURATION starts
	// at TDRatio*Fragment (and grows to the longest segment); a segment is
	// cut at the first keyframe after TDRatio*Fragment. Env
	// SRS_VHOST_HLS_HLS_TD_RATIO. Must be > 0.
	TDRatio float64
	// AOFRatio is `hls_aof_ratio`, default 2.1: an audio-only stream cuts
	// a segment after AOFRatio*Fragment. Env SRS_VHOST_HLS_HLS_AOF_RATIO.
	// Must be > 0.
	AOFRatio float64
	// Window is `hls_window`, float seconds, default 60s: the total duration
	// of the segments listed in the playlist. Env SRS_VHOST_HLS_HLS_WINDOW.
	// Must be > 0.
	Window time.Duration
	// OnError is `hls_on_error`, default "continue": what a segment write
	// error does. "ignore" stops HLS for the stream, "disconnect" drops the
	// publisher, "continue" carries on. Env SRS_VHOST_HLS_HLS_ON_ERROR.
	OnError string
	// Path is `hls_path`, default "./objs/nginx/html": the directory under
	// which Storage "disk" (or "both") writes M3U8File and TSFile. Env
	// SRS_VHOST_HLS_HLS_PATH.
	Path string
	// M3U8File is `hls_m3u8_file`, default "[app]/[stream].m3u8", with
	// [vhost], [app] and [stream] replaced: the playlist's file under Path
	// and, in memory, its URL path on the HTTP server. Env
	// SRS_VHOST_HLS_HLS_M3U8_FILE.
	M3U8File string
	// TSFile is `hls_ts_file`, default "[app]/[stream]-[seq].ts", with
	// [vhost] [app] [stream] [seq], the time fields [2006] [01] [02] [15]
	// [04] [05] [999], [timestamp] and [duration] replaced: each segment's
	// file under Path, and its URL path. Env SRS_VHOST_HLS_HLS_TS_FILE.
	TSFile string
	// EntryPrefix is `hls_entry_prefix`, default "": prepended to each
	// segment URI in the playlist (for example "http://cdn.example/").
	// Env SRS_VHOST_HLS_HLS_ENTRY_PREFIX.
	EntryPrefix string
	// ACodec is `hls_acodec`, default "aac": the audio codec the PMT
	// announces before the first audio frame, "aac", "mp3" or "an" (none).
	// Env SRS_VHOST_HLS_HLS_ACODEC.
	ACodec string
	// VCodec is `hls_vcodec`, default "h264": the video codec the PMT
	// announces before the first video frame, "h264", "h265" or "vn"
	// (none). Env SRS_VHOST_HLS_HLS_VCODEC.
	VCodec string
	// Cleanup is `hls_cleanup`, default on: delete segments that fall out
	// of the window. Env SRS_VHOST_HLS_HLS_CLEANUP.
	Cleanup bool
	// Dispose is `hls_dispose`, whole seconds, default 120s: remove the
	// playlist and segments this long after the publisher left; 0 never.
	// Env SRS_VHOST_HLS_HLS_DISPOSE. Must be >= 0.
	Dispose time.Duration
	// WaitKeyframe is `hls_wait_keyframe`, default on: cut segments only
	// at keyframes. Env SRS_VHOST_HLS_HLS_WAIT_KEYFRAME.
	WaitKeyframe bool
	// TSFloor is `hls_ts_floor`, default off: [timestamp] in TSFile is
	// floor(time/Fragment) and segment durations are corrected towards
	// Fragment. Env SRS_VHOST_HLS_HLS_TS_FLOOR.
	TSFloor bool
	// Storage is `hls_storage` (SRS 2's directive, reused as a picosrs
	// extension): where segments live. "memory" (the default; "ram" is
	// read as memory): the playlist and segments are kept in memory and
	// served by the HTTP server at M3U8File and TSFile, nothing is written.
	// "disk" (SRS's behaviour): files are written under Path and are
	// served as static files of http_server.dir (or any web server).
	// "both": written under Path and served from memory. Env
	// SRS_VHOST_HLS_HLS_STORAGE. See InMemory and OnDisk.
	Storage string
	// MaxSize is the picosrs extension `hls_max_size`, bytes with an
	// optional k/m/g suffix (KiB/MiB/GiB), default 32m: per stream, the most
	// the in-memory window may hold; the oldest segments are dropped first.
	// Env SRS_VHOST_HLS_HLS_MAX_SIZE. Must be > 0.
	MaxSize int64
	// LowLatency is the picosrs extension `hls_low_latency`, default off:
	// Low-Latency HLS (partial segments, EXT-X-PART, blocking playlist
	// reload). Env SRS_VHOST_HLS_HLS_LOW_LATENCY. Not implemented yet: on,
	// it loads with a warning and the playlists stay plain HLS.
	LowLatency bool
	// PartDuration is the picosrs extension `hls_part_duration`, float
	// seconds, default 0.5s: the partial segment target duration when
	// LowLatency is on. Env SRS_VHOST_HLS_HLS_PART_DURATION. Must be > 0,
	// and no longer than Fragment when LowLatency is on.
	PartDuration time.Duration
}

// Storage values of HLS.
const (
	HLSStorageMemory = "memory"
	HLSStorageDisk   = "disk"
	HLSStorageBoth   = "both"
)

// InMemory reports whether the playlist and segments are served from
// memory (Storage "memory" or "both").
func (h *HLS) InMemory() bool { return h.Storage == HLSStorageMemory || h.Storage == HLSStorageBoth }

// OnDisk reports whether the playlist and segments are written under Path
// (Storage "disk" or "both").
func (h *HLS) OnDisk() bool { return h.Storage == HLSStorageDisk || h.Storage == HLSStorageBoth }

func (b *builder) hls(d *Directive) HLS {
	h := HLS{
		Enabled:      b.boolean("vhost.hls.enabled", d.Get("enabled"), false),
		Fragment:     seconds(b.float("vhost.hls.hls_fragment", d.Get("hls_fragment"), 10)),
		TDRatio:      b.float("vhost.hls.hls_td_ratio", d.Get("hls_td_ratio"), 1.0),
		AOFRatio:     b.float("vhost.hls.hls_aof_ratio", d.Get("hls_aof_ratio"), 2.1),
		Window:       seconds(b.float("vhost.hls.hls_window", d.Get("hls_window"), 60)),
		OnError:      b.str("vhost.hls.hls_on_error", d.Get("hls_on_error"), "continue"),
		Path:         b.str("vhost.hls.hls_path", d.Get("hls_path"), "./objs/nginx/html"),
		M3U8File:     b.str("vhost.hls.hls_m3u8_file", d.Get("hls_m3u8_file"), "[app]/[stream].m3u8"),
		TSFile:       b.str("vhost.hls.hls_ts_file", d.Get("hls_ts_file"), "[app]/[stream]-[seq].ts"),
		EntryPrefix:  b.str("vhost.hls.hls_entry_prefix", d.Get("hls_entry_prefix"), ""),
		ACodec:       b.str("vhost.hls.hls_acodec", d.Get("hls_acodec"), "aac"),
		VCodec:       b.str("vhost.hls.hls_vcodec", d.Get("hls_vcodec"), "h264"),
		Cleanup:      b.boolean("vhost.hls.hls_cleanup", d.Get("hls_cleanup"), true),
		Dispose:      time.Duration(b.integer("vhost.hls.hls_dispose", d.Get("hls_dispose"), 120)) * time.Second,
		WaitKeyframe: b.boolean("vhost.hls.hls_wait_keyframe", d.Get("hls_wait_keyframe"), true),
		TSFloor:      b.boolean("vhost.hls.hls_ts_floor", d.Get("hls_ts_floor"), false),
		Storage:      b.str("vhost.hls.hls_storage", d.Get("hls_storage"), HLSStorageMemory),
		MaxSize:      b.size("vhost.hls.hls_max_size", d.Get("hls_max_size"), 32<<20),
		LowLatency:   b.boolean("vhost.hls.hls_low_latency", d.Get("hls_low_latency"), false),
		PartDuration: seconds(b.float("vhost.hls.hls_part_duration", d.Get("hls_part_duration"), 0.5)),
	}
	if h.Storage == "ram" {
		h.Storage = HLSStorageMemory
	}
	if h.LowLatency {
		b.w.add("vhost.hls.hls_low_latency", d.Get("hls_low_latency"),
			"vhost.hls.hls_low_latency on is not implemented yet; ignored: the playlists are plain HLS")
	}
	return h
}

func (h *HLS) validate(v *validator, vhost string) {
	if h.Fragment <= 0 {
		v.at(vhost, "hls.hls_fragment", "hls.hls_fragment must be > 0")
	}
	if h.TDRatio <= 0 {
		v.at(vhost, "hls.hls_td_ratio", "hls.hls_td_ratio must be > 0")
	}
	if h.AOFRatio <= 0 {
		v.at(vhost, "hls.hls_aof_ratio", "hls.hls_aof_ratio must be > 0")
	}
	if h.Window <= 0 {
		v.at(vhost, "hls.hls_window", "hls.hls_window must be > 0")
	}
	oneOf := func(path, val string, allowed ...string) {
		if !isOneOf(val, allowed...) {
			v.at(vhost, "hls."+path, "hls.%s must be %s, got %q", path, orList(allowed), val)
		}
	}
	oneOf("hls_on_error", h.OnError, "ignore", "disconnect", "continue")
	oneOf("hls_acodec", h.ACodec, "aac", "mp3", "an")
	oneOf("hls_vcodec", h.VCodec, "h264", "h265", "vn")
	oneOf("hls_storage", h.Storage, HLSStorageMemory, HLSStorageDisk, HLSStorageBoth)
	if h.Dispose < 0 {
		v.at(vhost, "hls.hls_dispose", "hls.hls_dispose must be >= 0")
	}
	if h.MaxSize <= 0 {
		v.at(vhost, "hls.hls_max_size", "hls.hls_max_size must be > 0")
	}
	switch {
	case h.PartDuration <= 0:
		v.at(vhost, "hls.hls_part_duration", "hls.hls_part_duration must be > 0")
	case h.LowLatency && h.Fragment > 0 && h.PartDuration > h.Fragment:
		v.at(vhost, "hls.hls_part_duration", "hls.hls_part_duration (%v) must not exceed hls.hls_fragment (%v) with hls_low_latency on", h.PartDuration, h.Fragment)
	}
}

// orList formats ["a", "b", "c"] as "a, b or c".
func orList(l []string) string {
	switch len(l) {
	case 0:
		return ""
	case 1:
		return l[0]
	}
	s := l[0]
	for _, x := range l[1 : len(l)-1] {
		s += ", " + x
	}
	return s + " or " + l[len(l)-1]
}
