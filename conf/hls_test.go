package conf

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// defaultHLS is the hls block SRS's getters give with nothing configured,
// plus the picosrs extensions' defaults.
var defaultHLS = HLS{
	Fragment: 10 * time.Second, TDRatio: 1.0, AOFRatio: 2.1, Window: 60 * time.Second,
	OnError: "continue", Path: "./objs/nginx/html", M3U8File: "[app]/[stream].m3u8",
	TSFile: "[app]/[stream]-[seq].ts", ACodec: "aac", VCodec: "h264", Cleanup: true,
	Dispose: 120 * time.Second, WaitKeyframe: true, Storage: "memory", MaxSize: 32 << 20,
	PartDuration: 500 * time.Millisecond,
}

func TestHLSDefaults(t *testing.T) {
	for _, text := range []string{"listen 1935;\nvhost v {}\n", "listen 1935;\nvhost v { hls {} }\n"} {
		c := mustLoad(t, text, nil)
		if got := c.Vhost("v").HLS; !reflect.DeepEqual(got, defaultHLS) {
			t.Fatalf("%q:\n got %+v\nwant %+v", text, got, defaultHLS)
		}
	}
}

func TestHLSDirectives(t *testing.T) {
	c, w, err := load(t, `listen 1935;
vhost v {
    hls {
        enabled on;
        hls_fragment 2.5;
        hls_td_ratio 1.5;
        hls_aof_ratio 1.2;
        hls_window 30;
        hls_on_error disconnect;
        hls_path /tmp/hls;
        hls_m3u8_file [vhost]/[app]/[stream].m3u8;
        hls_ts_file [app]/[stream]/[2006][01][02]-[seq].ts;
        hls_entry_prefix http://cdn.example/;
        hls_acodec mp3;
        hls_vcodec vn;
        hls_cleanup off;
        hls_dispose 30;
        hls_wait_keyframe off;
        hls_ts_floor on;
        hls_storage both;
        hls_max_size 8M;
        hls_low_latency on;
        hls_part_duration 0.2;
    }
}
`, nil)
	// Low-Latency HLS is not implemented: on, it is one warning.
	if err != nil || len(w) != 1 || w[0].String() != "t.conf:22: vhost.hls.hls_low_latency on is not implemented yet; ignored: the playlists are plain HLS" {
		t.Fatalf("%v, warnings %v", err, w)
	}
	want := HLS{
		Enabled: true, Fragment: 2500 * time.Millisecond, TDRatio: 1.5, AOFRatio: 1.2, Window: 30 * time.Second,
		OnError: "disconnect", Path: "/tmp/hls", M3U8File: "[vhost]/[app]/[stream].m3u8",
		TSFile: "[app]/[stream]/[2006][01][02]-[seq].ts", EntryPrefix: "http://cdn.example/",
		ACodec: "mp3", VCodec: "vn", Cleanup: false, Dispose: 30 * time.Second, WaitKeyframe: false,
		TSFloor: true, Storage: "both", MaxSize: 8 << 20, LowLatency: true, PartDuration: 200 * time.Millisecond,
	}
	if got := c.Vhost("v").HLS; !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestHLSStorage(t *testing.T) {
	cases := []struct {
		in, want         string
		inMemory, onDisk bool
	}{
		{"memory", "memory", true, false},
		{"ram", "memory", true, false}, // SRS 2's name
		{"disk", "disk", false, true},
		{"both", "both", true, true},
	}
	for _, tc := range cases {
		h := mustLoad(t, "listen 1935;\nvhost v { hls { hls_storage "+tc.in+"; } }\n", nil).Vhost("v").HLS
		if h.Storage != tc.want || h.InMemory() != tc.inMemory || h.OnDisk() != tc.onDisk {
			t.Errorf("hls_storage %s: Storage %q InMemory %v OnDisk %v", tc.in, h.Storage, h.InMemory(), h.OnDisk())
		}
	}
}

// TestHLSEnv checks each SRS_VHOST_HLS_* variable, and that it applies to
// every vhost.
func TestHLSEnv(t *testing.T) {
	cases := []struct {
		env, value string
		check      func(h HLS) bool
	}{
		{"SRS_VHOST_HLS_ENABLED", "on", func(h HLS) bool { return h.Enabled }},
		{"SRS_VHOST_HLS_HLS_FRAGMENT", "4.5", func(h HLS) bool { return h.Fragment == 4500*time.Millisecond }},
		{"SRS_VHOST_HLS_HLS_TD_RATIO", "2.5", func(h HLS) bool { return h.TDRatio == 2.5 }},
		{"SRS_VHOST_HLS_HLS_AOF_RATIO", "1.5", func(h HLS) bool { return h.AOFRatio == 1.5 }},
		{"SRS_VHOST_HLS_HLS_WINDOW", "12.5", func(h HLS) bool { return h.Window == 12500*time.Millisecond }},
		{"SRS_VHOST_HLS_HLS_ON_ERROR", "ignore", func(h HLS) bool { return h.OnError == "ignore" }},
		{"SRS_VHOST_HLS_HLS_PATH", "/var/hls", func(h HLS) bool { return h.Path == "/var/hls" }},
		{"SRS_VHOST_HLS_HLS_M3U8_FILE", "[stream].m3u8", func(h HLS) bool { return h.M3U8File == "[stream].m3u8" }},
		{"SRS_VHOST_HLS_HLS_TS_FILE", "[stream]-[seq].ts", func(h HLS) bool { return h.TSFile == "[stream]-[seq].ts" }},
		{"SRS_VHOST_HLS_HLS_ENTRY_PREFIX", "http://x/", func(h HLS) bool { return h.EntryPrefix == "http://x/" }},
		{"SRS_VHOST_HLS_HLS_ACODEC", "an", func(h HLS) bool { return h.ACodec == "an" }},
		{"SRS_VHOST_HLS_HLS_VCODEC", "h265", func(h HLS) bool { return h.VCodec == "h265" }},
		{"SRS_VHOST_HLS_HLS_CLEANUP", "off", func(h HLS) bool { return !h.Cleanup }},
		{"SRS_VHOST_HLS_HLS_DISPOSE", "0", func(h HLS) bool { return h.Dispose == 0 }},
		{"SRS_VHOST_HLS_HLS_WAIT_KEYFRAME", "off", func(h HLS) bool { return !h.WaitKeyframe }},
		{"SRS_VHOST_HLS_HLS_TS_FLOOR", "on", func(h HLS) bool { return h.TSFloor }},
		{"SRS_VHOST_HLS_HLS_STORAGE", "disk", func(h HLS) bool { return h.Storage == "disk" }},
		{"SRS_VHOST_HLS_HLS_MAX_SIZE", "1g", func(h HLS) bool { return h.MaxSize == 1<<30 }},
		{"SRS_VHOST_HLS_HLS_LOW_LATENCY", "on", func(h HLS) bool { return h.LowLatency }},
		{"SRS_VHOST_HLS_HLS_PART_DURATION", "0.33", func(h HLS) bool { return h.PartDuration == 330*time.Millisecond }},
	}
	conf := "listen 1935;\nvhost a {}\nvhost b { hls { enabled off; hls_fragment 3; hls_td_ratio 1.1; hls_aof_ratio 3; hls_window 9; " +
		"hls_on_error continue; hls_path /p; hls_m3u8_file x.m3u8; hls_ts_file x-[seq].ts; hls_entry_prefix /e; " +
		"hls_acodec aac; hls_vcodec h264; hls_cleanup on; hls_dispose 5; hls_wait_keyframe on; hls_ts_floor off; " +
		"hls_storage memory; hls_max_size 1m; hls_low_latency off; hls_part_duration 1; } }\n"
	for _, tc := range cases {
		t.Run(tc.env, func(t *testing.T) {
			c := mustLoad(t, conf, envMap(tc.env, tc.value))
			for _, v := range c.Vhosts {
				if !tc.check(v.HLS) {
					t.Fatalf("%s=%s not applied to vhost %s: %+v", tc.env, tc.value, v.Name, v.HLS)
				}
			}
		})
	}
}

func TestHLSInvalid(t *testing.T) {
	cases := []struct {
		name, hls string
		env       []string
		want      string
	}{
		{"fragment", "hls_fragment 0;", nil, "t.conf:4: vhost v: hls.hls_fragment must be > 0"},
		{"fragmentNegative", "hls_fragment -1;", nil, "t.conf:4: vhost v: hls.hls_fragment must be > 0"},
		{"tdRatio", "hls_td_ratio 0;", nil, "t.conf:4: vhost v: hls.hls_td_ratio must be > 0"},
		{"aofRatio", "hls_aof_ratio -2;", nil, "t.conf:4: vhost v: hls.hls_aof_ratio must be > 0"},
		{"window", "hls_window 0;", nil, "t.conf:4: vhost v: hls.hls_window must be > 0"},
		{"onError", "hls_on_error stop;", nil, `t.conf:4: vhost v: hls.hls_on_error must be ignore, disconnect or continue, got "stop"`},
		{"acodec", "hls_acodec opus;", nil, `t.conf:4: vhost v: hls.hls_acodec must be aac, mp3 or an, got "opus"`},
		{"vcodec", "hls_vcodec av1;", nil, `t.conf:4: vhost v: hls.hls_vcodec must be h264, h265 or vn, got "av1"`},
		{"dispose", "hls_dispose -1;", nil, "t.conf:4: vhost v: hls.hls_dispose must be >= 0"},
		{"storage", "hls_storage cloud;", nil, `t.conf:4: vhost v: hls.hls_storage must be memory, disk or both, got "cloud"`},
		{"maxSizeSyntax", "hls_max_size 32mb;", nil, `t.conf:4: vhost v: hls.hls_max_size "32mb": want bytes with an optional k, m or g suffix (KiB, MiB, GiB)`},
		{"maxSizeZero", "hls_max_size 0;", nil, "t.conf:4: vhost v: hls.hls_max_size must be > 0"},
		{"partDuration", "hls_part_duration 0;", nil, "t.conf:4: vhost v: hls.hls_part_duration must be > 0"},
		{"partLongerThanFragment", "hls_low_latency on; hls_fragment 1; hls_part_duration 2;", nil,
			"t.conf:4: vhost v: hls.hls_part_duration (2s) must not exceed hls.hls_fragment (1s) with hls_low_latency on"},
		{"env", "enabled on;", []string{"SRS_VHOST_HLS_HLS_FRAGMENT", "0"},
			"conf: vhost v: hls.hls_fragment must be > 0 (from SRS_VHOST_HLS_HLS_FRAGMENT)"},
		{"two", "hls_window 0; hls_acodec x;", nil,
			"t.conf:4: vhost v: hls.hls_window must be > 0\nt.conf:4: vhost v: hls.hls_acodec must be aac, mp3 or an, got \"x\""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := load(t, "listen 1935;\nvhost v {\n    hls {\n        "+tc.hls+"\n    }\n}\n", envMap(tc.env...))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
	// Without a file, Validate names the directive alone.
	c := Default()
	c.Vhosts[0].HLS.Fragment = 0
	if err := c.Validate(); err == nil || err.Error() != "conf: vhost __defaultVhost__: hls.hls_fragment must be > 0" {
		t.Fatalf("Validate: %v", err)
	}
	// Low latency off: a long part duration is not checked against the fragment.
	mustLoad(t, "listen 1935;\nvhost v { hls { hls_fragment 1; hls_part_duration 2; } }\n", nil)
}

// TestHLSWithTSMount: SRS refuses hls on with a .ts http_remux mount
// ("vhost.hls conflict with vhost.http-ts"); picosrs makes both from the
// same TS bytes and accepts them together.
func TestHLSWithTSMount(t *testing.T) {
	c := mustLoad(t, "listen 1935;\nvhost v { hls { enabled on; } http_remux { enabled on; mount [vhost]/[app]/[stream].ts; } }\n", nil)
	v := c.Vhost("v")
	if !v.HLS.Enabled || !v.HTTPRemux.Enabled || v.HTTPRemux.Mounts[0] != "[vhost]/[app]/[stream].ts" {
		t.Fatalf("%+v", *v)
	}
}

// TestHLSWarnings: the hls directives picosrs does not implement still
// warn, once each; the implemented ones do not.
func TestHLSWarnings(t *testing.T) {
	_, w, err := load(t, `listen 1935;
vhost v {
    hls {
        enabled on;
        hls_fragment 5;
        hls_keys on;
        hls_fragments_per_key 5;
        hls_use_fmp4 on;
        hls_ctx off;
        hls_ts_ctx off;
        hls_nb_notify 64;
        hls_dts_directly on;
        hls_mount [vhost]/[app]/[stream].m3u8;
    }
}
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range w {
		got = append(got, x.String())
	}
	want := []string{
		"t.conf:6: vhost.hls.hls_keys is not implemented by picosrs; ignored",
		"t.conf:7: vhost.hls.hls_fragments_per_key is not implemented by picosrs; ignored",
		"t.conf:8: vhost.hls.hls_use_fmp4 is not implemented by picosrs; ignored",
		"t.conf:9: vhost.hls.hls_ctx is not implemented by picosrs; ignored",
		"t.conf:10: vhost.hls.hls_ts_ctx is not implemented by picosrs; ignored",
		"t.conf:11: vhost.hls.hls_nb_notify is not implemented by picosrs; ignored",
		"t.conf:12: vhost.hls.hls_dts_directly is not implemented by picosrs; ignored",
		"t.conf:13: vhost.hls.hls_mount is not implemented by picosrs; ignored",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Unknown names inside hls are refused, as SRS does.
	if _, _, err := load(t, "listen 1935;\nvhost v { hls { hls_fragmnet 5; } }\n", nil); err == nil ||
		err.Error() != "t.conf:2: illegal vhost.hls.hls_fragmnet of v" {
		t.Fatalf("typo: %v", err)
	}
}
