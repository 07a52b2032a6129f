package conf

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Warning is a note about a configuration that loads but is not (fully)
// honoured: a directive SRS knows that picosrs does not implement, or a value
// that SRS would read leniently (for example `enabled yes;`, which is off).
type Warning struct {
	File string // file of the directive, "" when the warning is about the environment
	Line int    // line of the directive
	Msg  string // what is ignored or how the value was read
}

// String returns "FILE:LINE: message", or the message alone without a file.
func (w Warning) String() string {
	if w.File == "" {
		return w.Msg
	}
	return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg)
}

// warnings collects warnings, one per key.
type warnings struct {
	list []Warning
	seen map[string]bool
}

func (w *warnings) add(key string, d *Directive, format string, a ...any) {
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if w.seen[key] {
		return
	}
	w.seen[key] = true
	wr := Warning{Msg: fmt.Sprintf(format, a...)}
	if d != nil {
		wr.File, wr.Line = d.File, d.Line
	}
	w.list = append(w.list, wr)
}

// srsAllowed is SRS 7's whitelist (check_normal_config): for each block that
// SRS checks, the names of the children it accepts. Blocks not listed here are
// not checked, as in SRS. Root listen and chunk_size are missing because the
// SRS 7 rewrite has moved them into rtmp{} by the time this runs. The
// picosrs extensions are added to it (see extensions), so that they load
// here although SRS would refuse them.
var srsAllowed = map[string][]string{
	"": {"pid", "ff_log_dir", "srs_log_tank", "srs_log_level", "srs_log_level_v2", "srs_log_file",
		"max_connections", "daemon", "heartbeat", "tencentcloud_apm", "http_api", "stats", "vhost",
		"pithy_print_ms", "http_server", "stream_caster", "rtc_server", "srt_server", "utc_time",
		"work_dir", "asprocess", "server_id", "ff_log_level", "grace_final_wait", "force_grace_quit",
		"grace_start_wait", "empty_ip_ok", "disable_daemon_for_docker", "inotify_auto_reload",
		"auto_reload_for_docker", "tcmalloc_release_rate", "query_latest_version", "first_wait_for_qlv",
		"circuit_breaker", "is_full", "in_docker", "tencentcloud_cls", "exporter", "rtsp_server",
		"rtmp", "rtmps"},
	"http_api":         {"enabled", "listen", "crossdomain", "raw_api", "auth", "https"},
	"http_api.raw_api": {"enabled", "allow_reload", "allow_query", "allow_update"},
	"http_api.auth":    {"enabled", "username", "password"},
	"http_server":      {"enabled", "listen", "dir", "crossdomain", "https"},
	"srt_server": {"enabled", "listen", "maxbw", "mss", "latency", "recvlatency", "peerlatency",
		"connect_timeout", "peer_idle_timeout", "sendbuf", "recvbuf", "payloadsize", "default_app",
		"sei_filter", "mix_correct", "tlpktdrop", "tsbpdmode", "passphrase", "pbkeylen", "default_streamid"},
	"heartbeat": {"enabled", "interval", "url", "device_id", "summaries", "ports"},
	"stats":     {"enabled", "network", "disk"},
	"rtc_server": {"enabled", "listen", "dir", "candidate", "ecdsa", "tcp", "encrypt", "reuseport",
		"merge_nalus", "black_hole", "protocol", "ip_family", "api_as_candidates", "resolve_api_domain",
		"keep_api_domain", "use_auto_detect_network_ip"},
	"rtsp_server":       {"enabled", "listen"},
	"rtmp":              {"listen", "chunk_size"},
	"rtmps":             {"enabled", "listen", "key", "cert"},
	"exporter":          {"enabled", "listen", "label", "tag"},
	"stream_caster":     {"enabled", "caster", "output", "listen", "sip"},
	"stream_caster.sip": {"enabled", "listen", "timeout", "reinvite", "candidate"},
	"vhost": {"enabled", "chunk_size", "min_latency", "tcp_nodelay", "dvr", "ingest", "hls", "http_hooks",
		"refer", "forward", "transcode", "bandcheck", "play", "publish", "cluster", "security", "http_remux",
		"dash", "http_static", "hds", "exec", "in_ack_size", "out_ack_size", "rtc", "srt", "rtsp"},
	"vhost.dvr":   {"enabled", "dvr_apply", "dvr_path", "dvr_plan", "dvr_duration", "dvr_wait_keyframe", "time_jitter"},
	"vhost.refer": {"enabled", "all", "publish", "play"},
	"vhost.exec":  {"enabled", "publish"},
	"vhost.play": {"time_jitter", "mix_correct", "atc", "atc_auto", "mw_latency", "gop_cache",
		"gop_cache_max_frames", "queue_length", "send_min_interval", "reduce_sequence_header", "mw_msgs"},
	"vhost.cluster": {"mode", "origin", "token_traverse", "vhost", "debug_srs_upnode", "coworkers",
		"origin_cluster", "protocol", "follow_client"},
	"vhost.publish": {"mr", "mr_latency", "firstpkt_timeout", "normal_timeout", "parse_sps",
		"try_annexb_first", "kickoff_for_idle"},
	"vhost.ingest":      {"enabled", "input", "ffmpeg", "engine"},
	"vhost.http_static": {"enabled", "mount", "dir"},
	"vhost.http_remux": {"enabled", "mount", "fast_cache", "drop_if_not_match", "has_audio", "has_video",
		"guess_has_av"},
	"vhost.dash": {"enabled", "dash_fragment", "dash_update_period", "dash_timeshift", "dash_path",
		"dash_mpd_file", "dash_window_size", "dash_dispose", "dash_cleanup"},
	"vhost.hls": {"enabled", "hls_entry_prefix", "hls_path", "hls_fragment", "hls_window", "hls_on_error",
		"hls_storage", "hls_mount", "hls_td_ratio", "hls_aof_ratio", "hls_acodec", "hls_vcodec",
		"hls_m3u8_file", "hls_ts_file", "hls_ts_floor", "hls_cleanup", "hls_nb_notify", "hls_wait_keyframe",
		"hls_dispose", "hls_keys", "hls_fragments_per_key", "hls_key_file", "hls_key_file_path",
		"hls_key_url", "hls_dts_directly", "hls_ctx", "hls_ts_ctx", "hls_use_fmp4", "hls_fmp4_file",
		"hls_init_file", "hls_recover", "hls_master_m3u8_path_relative"},
	"vhost.http_hooks": {"enabled", "on_connect", "on_close", "on_publish", "on_unpublish", "on_play",
		"on_stop", "on_dvr", "on_hls", "on_hls_notify"},
	"vhost.forward":   {"enabled", "destination", "backend"},
	"vhost.security":  {"enabled", "deny", "allow"},
	"vhost.transcode": {"enabled", "ffmpeg", "engine"},
	"vhost.transcode.engine": {"enabled", "vfilter", "vcodec", "vbitrate", "vfps", "vwidth", "vheight",
		"vthreads", "vprofile", "vpreset", "vparams", "acodec", "abitrate", "asample_rate", "achannels",
		"aparams", "output", "perfile", "iformat", "oformat"},
	"vhost.rtc": {"enabled", "nack", "twcc", "nack_no_copy", "bframe", "aac", "stun_timeout",
		"stun_strict_check", "dtls_role", "dtls_version", "drop_for_pt", "rtc_to_rtmp", "pli_for_rtmp",
		"rtmp_to_rtc", "keep_bframe", "opus_bitrate", "aac_bitrate", "keep_avc_nalu_sei", "init_rate_from_sdp"},
	"vhost.srt":  {"enabled", "srt_to_rtmp"},
	"vhost.rtsp": {"enabled", "rtmp_to_rtsp"},
}

// extensions are the directives picosrs adds to SRS's grammar, by block.
// Each is documented as a picosrs extension in Config and in
// testdata/full.conf. (hls_storage is SRS 2's directive, with a meaning of
// our own.)
var extensions = map[string][]string{
	"":                  {"write_timeout", "memory_limit"},
	"http_server":       {"mpegts_js", "hls_js"},
	"vhost":             {"secure_link"},
	"vhost.secure_link": {"enabled", "secret", "publish", "play", "bind_ip"},
	"vhost.http_remux":  {"grace"},
	"vhost.http_hooks":  {"timeout"},
	"vhost.hls":         {"hls_max_size", "hls_low_latency", "hls_part_duration"},
}

// implemented lists the directives picosrs honours. Everything else that SRS
// accepts is ignored with one warning per directive name.
var implemented = setOf(
	"rtmp", "rtmp.listen", "rtmp.chunk_size", "max_connections",
	"srs_log_tank", "srs_log_level", "srs_log_file",
	"http_server", "http_server.enabled", "http_server.listen", "http_server.dir", "http_server.crossdomain",
	"http_api", "http_api.enabled", "http_api.listen", "http_api.crossdomain",
	"http_api.auth", "http_api.auth.enabled", "http_api.auth.username", "http_api.auth.password",
	"exporter", "exporter.enabled", "exporter.listen", "exporter.label", "exporter.tag",
	"vhost", "vhost.enabled", "vhost.chunk_size", "vhost.min_latency", "vhost.tcp_nodelay",
	"vhost.http_remux", "vhost.http_remux.enabled", "vhost.http_remux.mount", "vhost.http_remux.fast_cache",
	"vhost.http_remux.drop_if_not_match", "vhost.http_remux.has_audio", "vhost.http_remux.has_video",
	"vhost.http_remux.guess_has_av", "vhost.http_remux.grace",
	"vhost.play", "vhost.play.gop_cache", "vhost.play.gop_cache_max_frames", "vhost.play.queue_length",
	"vhost.play.time_jitter", "vhost.play.mw_latency", "vhost.play.mw_msgs",
	"vhost.publish", "vhost.publish.firstpkt_timeout", "vhost.publish.normal_timeout",
	"vhost.cluster", "vhost.cluster.mode", "vhost.cluster.origin", "vhost.cluster.vhost",
	"vhost.cluster.token_traverse",
	"vhost.forward", "vhost.forward.enabled", "vhost.forward.destination",
	"vhost.http_static", "vhost.http_static.enabled", "vhost.http_static.mount", "vhost.http_static.dir",
	"vhost.security", "vhost.security.enabled", "vhost.security.allow", "vhost.security.deny",
	"write_timeout", "memory_limit",
	"http_server.https", "http_server.https.enabled", "http_server.https.listen",
	"http_server.https.key", "http_server.https.cert",
	"http_server.mpegts_js", "http_server.hls_js",
	"http_api.https", "http_api.https.enabled", "http_api.https.listen",
	"http_api.https.key", "http_api.https.cert",
	"vhost.cluster.protocol", "vhost.cluster.follow_client", "vhost.cluster.origin_cluster",
	"vhost.cluster.coworkers",
	"vhost.http_hooks", "vhost.http_hooks.enabled", "vhost.http_hooks.on_connect",
	"vhost.http_hooks.on_close", "vhost.http_hooks.on_publish", "vhost.http_hooks.on_unpublish",
	"vhost.http_hooks.on_play", "vhost.http_hooks.on_stop", "vhost.http_hooks.timeout",
	"vhost.secure_link", "vhost.secure_link.enabled", "vhost.secure_link.secret",
	"vhost.secure_link.publish", "vhost.secure_link.play", "vhost.secure_link.bind_ip",
	"vhost.hls", "vhost.hls.enabled", "vhost.hls.hls_fragment", "vhost.hls.hls_td_ratio",
	"vhost.hls.hls_aof_ratio", "vhost.hls.hls_window", "vhost.hls.hls_on_error", "vhost.hls.hls_path",
	"vhost.hls.hls_m3u8_file", "vhost.hls.hls_ts_file", "vhost.hls.hls_entry_prefix",
	"vhost.hls.hls_acodec", "vhost.hls.hls_vcodec", "vhost.hls.hls_cleanup", "vhost.hls.hls_dispose",
	"vhost.hls.hls_wait_keyframe", "vhost.hls.hls_ts_floor", "vhost.hls.hls_storage",
	"vhost.hls.hls_max_size", "vhost.hls.hls_low_latency", "vhost.hls.hls_part_duration",
)

// kept lists directives that are read into Config but that picosrs does not
// act on, with the warning they get instead of "not implemented".
var kept = map[string]string{
	"vhost.http_hooks.on_dvr":        "kept in HTTPHooks.OnDVR but never called: picosrs does not record (no DVR)",
	"vhost.http_hooks.on_hls":        "kept in HTTPHooks.OnHLS but not called by picosrs",
	"vhost.http_hooks.on_hls_notify": "kept in HTTPHooks.OnHLSNotify but not called by picosrs",
}

// silent lists process-level directives that SRS needs and a foreground Go
// binary does not: they are accepted without a warning because nearly every
// SRS config sets some of them and they change nothing a user could observe
// in picosrs (it never daemonizes, writes no pid file and runs no ffmpeg).
// Directives that change behaviour (work_dir, asprocess, the grace_* shutdown
// timers, inotify_auto_reload) are not silent: they get a warning.
var silent = setOf(
	"daemon", "pid", "ff_log_dir", "ff_log_level", "srs_log_level_v2", "utc_time", "pithy_print_ms",
	"server_id", "disable_daemon_for_docker", "in_docker", "query_latest_version", "first_wait_for_qlv",
	"tcmalloc_release_rate", "empty_ip_ok", "is_full",
)

func setOf(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

var allowedSets = func() map[string]map[string]bool {
	m := make(map[string]map[string]bool, len(srsAllowed)+1)
	for k, v := range srsAllowed {
		m[k] = setOf(v...)
	}
	for k, v := range extensions {
		if m[k] == nil {
			m[k] = map[string]bool{}
		}
		for _, n := range v {
			m[k][n] = true
		}
	}
	return m
}()

func posErr(d *Directive, format string, a ...any) error {
	return &ParseError{File: d.File, Line: d.Line, Msg: fmt.Sprintf(format, a...)}
}

// check applies SRS's whitelist and the checks of check_normal_config and
// check_config to a transformed tree, and warns once about each directive
// picosrs ignores. env is used for the few checks SRS makes on values that
// environment variables can override.
func check(root *Directive, env *environ, w *warnings) error {
	// SRS checks only the first of each root block, except vhost and stream_caster.
	seen := map[string]bool{}
	for _, c := range root.Children {
		if !allowedSets[""][c.Name] {
			return posErr(c, "illegal directive %s", c.Name)
		}
		if c.Name != "vhost" && c.Name != "stream_caster" && seen[c.Name] {
			if !silent[c.Name] {
				w.add("dup."+c.Name, c, "duplicate %s ignored: the first one wins", c.Name)
			}
			continue
		}
		seen[c.Name] = true
		if err := walk(c, c.Name, "", w, true); err != nil {
			return err
		}
	}

	if d := root.Get("is_full"); d != nil && d.Arg0() == "on" {
		return posErr(d, "never use full.conf")
	}
	if err := checkListens(root, env); err != nil {
		return err
	}
	if hb := root.Get("heartbeat"); hb != nil {
		if v, ok := env.get("heartbeat.interval"); ok {
			if atoi(v) <= 0 {
				return fmt.Errorf("conf: invalid heartbeat.interval=%s (from SRS_HEARTBEAT_INTERVAL)", v)
			}
		} else if d := hb.Get("interval"); d != nil && d.Arg0() != "" && atoi(d.Arg0()) <= 0 {
			return posErr(d, "invalid heartbeat.interval=%s", d.Arg0())
		}
	}
	if d := root.Get("stats").Get("network"); d != nil && d.Arg0() != "" && atoi(d.Arg0()) < 0 {
		return posErr(d, "invalid stats.network=%s", d.Arg0())
	}
	if d := root.Get("asprocess"); d != nil && envBool(env, "asprocess", d, false) && envBool(env, "daemon", root.Get("daemon"), true) {
		return posErr(d, "daemon conflicts with asprocess")
	}

	for _, vhost := range root.Children {
		if vhost.Name != "vhost" {
			continue
		}
		name := vhost.Arg0()
		// SRS also refuses hls on together with a .ts http_remux mount
		// ("vhost.hls conflict with vhost.http-ts"). picosrs serves both from
		// the same TS bytes, so it accepts them together.
		remuxes := 0
		var ingests []string
		for _, c := range vhost.Children {
			switch c.Name {
			case "http_remux":
				remuxes++
				if remuxes > 1 {
					return posErr(c, "vhost.http_remux only one but count=%d of %s", remuxes, name)
				}
			case "ingest":
				id := c.Arg0()
				for _, x := range ingests {
					if x == id {
						return posErr(c, "ingest id=%s exists for %s", id, name)
					}
				}
				ingests = append(ingests, id)
			}
		}
		fwd := vhost.Get("forward")
		kick := vhost.Get("publish").Get("kickoff_for_idle")
		if envBool(env, "vhost.forward.enabled", fwd.Get("enabled"), false) {
			v, ok := env.get("vhost.publish.kickoff_for_idle")
			if !ok {
				v = kick.Arg0()
			}
			if atof(v) > 0 {
				return posErr(vhost, "vhost.forward conflicts with vhost.publish.kickoff_for_idle of %s", name)
			}
		}
	}
	return nil
}

// walk checks the children of d (at dotted path) against the whitelist and
// warns about the ones picosrs ignores. Below an ignored directive nothing is
// warned about again, but SRS's whitelist still applies.
func walk(d *Directive, path, vhost string, w *warnings, warn bool) error {
	if path == "vhost" {
		vhost = d.Arg0()
	}
	if msg, ok := kept[path]; ok && warn {
		w.add(path, d, "%s is %s", path, msg)
		warn = false
	}
	if warn && !implemented[path] && !silent[path] {
		w.add(path, d, "%s is not implemented by picosrs; ignored", path)
		warn = false
	}
	allowed, checked := allowedSets[path]
	for _, c := range d.Children {
		p := path + "." + c.Name
		if checked && !allowed[c.Name] {
			if vhost != "" {
				return posErr(c, "illegal %s of %s", p, vhost)
			}
			return posErr(c, "illegal %s", p)
		}
		if err := walk(c, p, vhost, w, warn); err != nil {
			return err
		}
	}
	return nil
}

// checkListens applies SRS's srs_net_is_valid_endpoint to every RTMP, HTTP
// API and HTTP server listen address.
func checkListens(root *Directive, env *environ) error {
	for _, path := range []string{"rtmp.listen", "http_api.listen", "http_server.listen"} {
		envPath := path
		if path == "rtmp.listen" {
			envPath = "listen" // SRS_LISTEN
		}
		if v, ok := env.get(envPath); ok {
			for _, a := range strings.Fields(v) {
				if !validEndpoint(a) {
					return fmt.Errorf("conf: %s=%s is invalid (from %s)", path, a, envName(envPath))
				}
			}
			continue
		}
		block, name, _ := strings.Cut(path, ".")
		d := root.Get(block).Get(name)
		if d == nil {
			continue
		}
		for _, a := range d.Args {
			if !validEndpoint(a) {
				return posErr(d, "%s=%s is invalid", path, a)
			}
		}
	}
	return nil
}

// validEndpoint reports whether s is "port", "host:port" or "[ipv6]:port"
// with a port in 1..65535.
func validEndpoint(s string) bool {
	port := s
	if strings.Contains(s, ":") {
		_, p, err := net.SplitHostPort(s)
		if err != nil {
			return false
		}
		port = p
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n <= 65535
}
