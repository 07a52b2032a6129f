package conf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// envMap is an injected environment.
func envMap(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func load(t *testing.T, text string, env func(string) (string, bool)) (*Config, []Warning, error) {
	t.Helper()
	root, err := ParseString(text, "t.conf")
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return FromDirective(root, env)
}

func mustLoad(t *testing.T, text string, env func(string) (string, bool)) *Config {
	t.Helper()
	c, _, err := load(t, text, env)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return c
}

// chdirSRS makes a temp dir whose conf/ holds links to the files of
// testdata/srs and enters it, so that includes such as
// ./conf/include.vhost.conf resolve as under SRS. conf/server.key and
// conf/server.crt, which the https samples load, are a throwaway pair (SRS
// ships its own).
func chdirSRS(t *testing.T) {
	abs, err := filepath.Abs("testdata/srs")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(abs, "*"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	confDir := filepath.Join(dir, "conf")
	if err := os.Mkdir(confDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if err := os.Symlink(f, filepath.Join(confDir, filepath.Base(f))); err != nil {
			t.Fatal(err)
		}
	}
	writeKeyPair(t, filepath.Join(confDir, "server.key"), filepath.Join(confDir, "server.crt"))
	t.Chdir(dir)
}

// refusedSRS are the SRS sample configs SRS 7 itself refuses.
var refusedSRS = map[string]string{
	"full.conf":          "illegal directive threads", // and is_full on: "never use full.conf"
	"hls.edge.conf":      "illegal directive worker_processes",
	"nginx.proxy.conf":   "include /etc/nginx/mime.types",
	"include.vhost.conf": "no RTMP listen address",
}

func TestSRSConfigs(t *testing.T) {
	chdirSRS(t)
	files, _ := filepath.Glob("conf/*.conf")
	if len(files) != 102 {
		t.Fatalf("found %d SRS configs, want 102", len(files))
	}
	accepted := 0
	for _, f := range files {
		base := filepath.Base(f)
		c, _, err := Load(f, nil)
		if want, refused := refusedSRS[base]; refused {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: got %v, want refusal %q", base, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		if len(c.Listen) == 0 || len(c.Vhosts) == 0 {
			t.Errorf("%s: listen %v, %d vhosts", base, c.Listen, len(c.Vhosts))
		}
		accepted++
	}
	if accepted != 98 {
		t.Errorf("accepted %d, want 98", accepted)
	}
}

func TestSRSConfigValues(t *testing.T) {
	chdirSRS(t)
	get := func(name string) *Config {
		t.Helper()
		c, _, err := Load("conf/"+name, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return c
	}

	edge := get("edge.conf").Vhost(DefaultVhost)
	if edge.Cluster.Mode != "remote" || !reflect.DeepEqual(edge.Cluster.Origins, []string{"127.0.0.1:19350"}) {
		t.Errorf("edge.conf cluster = %+v", edge.Cluster)
	}
	edge1 := get("http.flv.live.edge1.conf").Vhost(DefaultVhost)
	if !reflect.DeepEqual(edge1.Cluster.Origins, []string{"127.0.0.1:1935"}) {
		t.Errorf("http.flv.live.edge1.conf origins = %v (port must default to 1935)", edge1.Cluster.Origins)
	}

	flv := get("http.flv.live.conf")
	if r := flv.Vhost(DefaultVhost).HTTPRemux; !r.Enabled || !reflect.DeepEqual(r.Mounts, []string{"[vhost]/[app]/[stream].flv"}) {
		t.Errorf("http.flv.live.conf http_remux = %+v", r)
	}
	if !flv.HTTPServer.Enabled || flv.HTTPServer.Listen != "8080" {
		t.Errorf("http.flv.live.conf http_server = %+v", flv.HTTPServer)
	}

	mp3 := get("http.mp3.live.conf").Vhost(DefaultVhost).HTTPRemux
	if mp3.FastCache != 30*time.Second || mp3.Mounts[0] != "[vhost]/[app]/[stream].mp3" {
		t.Errorf("http.mp3.live.conf http_remux = %+v", mp3)
	}

	inc := get("include.conf")
	v := inc.Vhost("include.srs.com")
	if v == nil || !v.HTTPRemux.Enabled || v.HTTPRemux.Mounts[0] != "[vhost]/[app]/[stream].flv" {
		t.Errorf("include.conf included vhost = %+v", v)
	}

	ipv46 := get("console.ipv46.conf")
	if !reflect.DeepEqual(ipv46.Listen, []string{"1935", "[::]:1935"}) {
		t.Errorf("console.ipv46.conf listen = %v", ipv46.Listen)
	}

	comp := get("compatible.conf")
	if !comp.HTTPServer.Enabled || comp.HTTPServer.Listen != "8080" {
		t.Errorf("compatible.conf http_stream -> http_server: %+v", comp.HTTPServer)
	}
	cv := comp.Vhost(DefaultVhost)
	want := Vhost{
		Name: DefaultVhost, Enabled: true, ChunkSize: 60000,
		HTTPRemux: HTTPRemux{Mounts: []string{"[vhost]/[app]/[stream].flv"}, DropIfNotMatch: true, HasAudio: true, HasVideo: true, GuessHasAV: true, Grace: 5 * time.Second},
		Play:      Play{GopCache: false, GopCacheMaxFrames: 2500, QueueLength: 10 * time.Second, TimeJitter: "full", MwLatency: 100 * time.Millisecond, MwMsgs: 8},
		Publish:   Publish{FirstPktTimeout: 20000 * time.Millisecond, NormalTimeout: 7000 * time.Millisecond},
		Cluster: Cluster{Mode: "remote", Origins: []string{"127.0.0.1:1935", "localhost:1935"}, Vhost: "same.edge.srs.com",
			HTTPOrigins: []string{"127.0.0.1:1935", "localhost:1935"}, HTTPSOrigins: []string{"127.0.0.1:1935", "localhost:1935"}, Protocol: "rtmp"},
		Forward:    Forward{Enabled: true, Destinations: []string{"127.0.0.1:1936", "127.0.0.1:1937"}},
		HTTPStatic: HTTPStatic{Enabled: true, Mount: "[vhost]/hls", Dir: "./objs/nginx/html/hls"},
		HLS:        defaultHLS,
		HTTPHooks:  defaultHTTPHooks,
		SecureLink: defaultSecureLink,
	}
	if !reflect.DeepEqual(*cv, want) {
		t.Errorf("compatible.conf vhost\n got %+v\nwant %+v", *cv, want)
	}
}

func TestFullConfRefusedForIsFull(t *testing.T) {
	_, _, err := load(t, "listen 1935;\nis_full on;\n", nil)
	if err == nil || err.Error() != "t.conf:2: never use full.conf" {
		t.Fatalf("got %v", err)
	}
	if _, _, err := load(t, "listen 1935;\nis_full off;\n", nil); err != nil {
		t.Fatalf("is_full off: %v", err)
	}
}

func TestTransform(t *testing.T) {
	in := `listen 1935;
chunk_size 4096;
listen 1936;
http_stream { enabled on; }
vhost v {
    http { enabled on; }
    http_remux { hstrs on; enabled on; }
    refer a.com;
    refer_play b.com;
    mr { enabled on; latency 100; }
    publish_1stpkt_timeout 1000;
    publish_normal_timeout 2000;
    gop_cache off;
    queue_length 10;
    forward x:1936 y;
    mode remote;
    origin o:1935;
    nack { enabled on; no_copy off; }
}
`
	want := `http_server {
    enabled on;
}
vhost v {
    http_static {
        enabled on;
    }
    http_remux {
        enabled on;
    }
    forward {
        enabled on;
        destination x:1936 y;
    }
    refer {
        enabled on;
        all a.com;
        play b.com;
    }
    publish {
        mr on;
        mr_latency 100;
        firstpkt_timeout 1000;
        normal_timeout 2000;
    }
    play {
        gop_cache off;
        queue_length 10;
    }
    cluster {
        mode remote;
        origin o:1935;
    }
    rtc {
        nack on;
        nack_no_copy off;
    }
}
rtmp {
    listen 1935;
    chunk_size 4096;
}
`
	root, err := ParseString(in, "t.conf")
	if err != nil {
		t.Fatal(err)
	}
	Transform(root)
	if got := root.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	// Moved directives keep their position.
	if d := root.Get("vhost").Get("play").Get("queue_length"); d.Line != 14 {
		t.Errorf("play.queue_length at line %d, want 14", d.Line)
	}
}

func TestTransformLegacyOverwritesPlay(t *testing.T) {
	// As in SRS, a vhost-level legacy directive overwrites the play{} one.
	c := mustLoad(t, "listen 1935;\nvhost v {\n play { gop_cache on; }\n gop_cache off;\n}\n", nil)
	if c.Vhost("v").Play.GopCache {
		t.Fatal("legacy gop_cache off must win over play.gop_cache on")
	}
}

func TestFromDirectiveDoesNotModifyInput(t *testing.T) {
	root, _ := ParseString("listen 1935;\nvhost v { gop_cache off; }\n", "t.conf")
	before := root.String()
	if _, _, err := FromDirective(root, nil); err != nil {
		t.Fatal(err)
	}
	if root.String() != before {
		t.Fatal("FromDirective modified its input")
	}
}

func TestDefaults(t *testing.T) {
	c := mustLoad(t, "listen 1935;\nvhost v {}\n", nil)
	want := &Config{
		Listen: []string{"1935"}, MaxConnections: 1000, ChunkSize: 60000,
		LogLevel: "trace", LogFile: "./objs/srs.log", LogTank: "console", WriteTimeout: 30 * time.Second,
		HTTPServer: HTTPServer{Listen: "8080", Dir: "./objs/nginx/html", Crossdomain: true,
			HTTPS:    HTTPS{Listen: "8088", Key: "./conf/server.key", Cert: "./conf/server.crt"},
			MpegtsJS: DefaultMpegtsJS, HLSJS: DefaultHLSJS},
		HTTPAPI: HTTPAPI{Listen: "1985", Crossdomain: true,
			HTTPS: HTTPS{Listen: "1990", Key: "./conf/server.key", Cert: "./conf/server.crt"}},
		Exporter: Exporter{Listen: "9972"},
		Vhosts: []*Vhost{{
			Name: "v", Enabled: true, ChunkSize: 60000,
			HTTPRemux:  HTTPRemux{Mounts: []string{"[vhost]/[app]/[stream].flv"}, DropIfNotMatch: true, HasAudio: true, HasVideo: true, GuessHasAV: true, Grace: 5 * time.Second},
			Play:       Play{GopCache: true, GopCacheMaxFrames: 2500, QueueLength: 30 * time.Second, TimeJitter: "full", MwLatency: 350 * time.Millisecond, MwMsgs: 8},
			Publish:    Publish{FirstPktTimeout: 20 * time.Second, NormalTimeout: 5 * time.Second},
			Cluster:    Cluster{Mode: "local", Vhost: "[vhost]", Protocol: "rtmp"},
			HTTPStatic: HTTPStatic{Mount: "[vhost]/", Dir: "./objs/nginx/html"},
			HLS:        defaultHLS,
			HTTPHooks:  defaultHTTPHooks,
			SecureLink: defaultSecureLink,
		}},
	}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got  %+v\nwant %+v\nvhost got  %+v\nvhost want %+v", c, want, *c.Vhosts[0], *want.Vhosts[0])
	}
	if c.Resolve("other.com") != nil {
		t.Fatal("Resolve must not invent a default vhost")
	}
}

func TestDefaultConfig(t *testing.T) {
	c := Default()
	if !reflect.DeepEqual(c.Listen, []string{"1935"}) || !c.HTTPServer.Enabled || c.HTTPServer.Listen != "8080" {
		t.Fatalf("Default() = %+v", c)
	}
	v := c.Resolve("any.host")
	if v == nil || v.Name != DefaultVhost {
		t.Fatalf("Resolve falls back to %v", v)
	}
	wantMounts := []string{"[vhost]/[app]/[stream].flv", "[vhost]/[app]/[stream].ts", "[vhost]/[app]/[stream].mp3", "[vhost]/[app]/[stream].aac"}
	if !v.HTTPRemux.Enabled || !reflect.DeepEqual(v.HTTPRemux.Mounts, wantMounts) || v.HTTPRemux.FastCache != 10*time.Second || !v.Play.GopCache {
		t.Fatalf("default vhost = %+v", *v)
	}
	root, _ := ParseString(DefaultText(), "default.conf")
	if _, w, err := FromDirective(root, nil); err != nil || len(w) != 0 {
		t.Fatalf("default.conf: %v, warnings %v", err, w)
	}
}

func TestMinLatency(t *testing.T) {
	c := mustLoad(t, "listen 1935;\nvhost a { min_latency on; }\nvhost b { min_latency on; play { mw_msgs 4; mw_latency 100; } }\nvhost c { play { mw_msgs 1000; } }\n", nil)
	if p := c.Vhost("a").Play; p.MwMsgs != 0 || p.MwLatency != 350*time.Millisecond {
		t.Errorf("min_latency on: %+v, want mw_msgs 0 and mw_latency unchanged (SRS getters)", p)
	}
	if p := c.Vhost("b").Play; p.MwMsgs != 4 || p.MwLatency != 100*time.Millisecond {
		t.Errorf("explicit: %+v", p)
	}
	if p := c.Vhost("c").Play; p.MwMsgs != 128 {
		t.Errorf("mw_msgs must be capped at 128: %+v", p)
	}
}

func TestBooleans(t *testing.T) {
	cases := []struct {
		value         string
		defOff, defOn bool // http_remux.enabled (default off), play.gop_cache (default on)
		wantWarning   bool
	}{
		{"on", true, true, false},
		{"off", false, false, false},
		{"yes", false, true, true},
		{"true", false, true, true},
		{"On", false, true, true},
		{"1", false, true, true},
		{"", false, true, false}, // quoted empty: dropped, so no argument: default
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			text := "listen 1935;\nvhost v {\n http_remux { enabled \"" + tc.value + "\"; }\n play { gop_cache \"" + tc.value + "\"; }\n}\n"
			c, w, err := load(t, text, nil)
			if err != nil {
				t.Fatal(err)
			}
			v := c.Vhost("v")
			if v.HTTPRemux.Enabled != tc.defOff || v.Play.GopCache != tc.defOn {
				t.Fatalf("enabled=%v gop_cache=%v, want %v %v", v.HTTPRemux.Enabled, v.Play.GopCache, tc.defOff, tc.defOn)
			}
			if (len(w) > 0) != tc.wantWarning {
				t.Fatalf("warnings %v", w)
			}
		})
	}
}

func TestFirstDuplicateWins(t *testing.T) {
	c, w, err := load(t, `listen 1935;
listen 1936;
max_connections 10;
max_connections 20;
vhost v { chunk_size 4096; chunk_size 8192; play { queue_length 5; } play { queue_length 6; } }
vhost v { chunk_size 1024; }
vhost w { enabled off; }
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Listen, []string{"1935"}) || c.MaxConnections != 10 {
		t.Errorf("listen %v max_connections %d", c.Listen, c.MaxConnections)
	}
	v := c.Vhost("v")
	if v.ChunkSize != 4096 || v.Play.QueueLength != 5*time.Second || len(c.Vhosts) != 2 || c.Vhost("w").Enabled {
		t.Errorf("vhosts %+v %+v", *v, c.Vhosts)
	}
	if !hasWarning(w, "duplicate vhost v") {
		t.Errorf("warnings %v", w)
	}
}

func hasWarning(ws []Warning, sub string) bool {
	for _, w := range ws {
		if strings.Contains(w.String(), sub) {
			return true
		}
	}
	return false
}

func TestWarnings(t *testing.T) {
	_, w, err := load(t, `listen 1935;
daemon off;
pid ./objs/srs.pid;
heartbeat { enabled on; }
work_dir ./;
http_api { enabled on; raw_api { enabled on; } }
vhost a { hls { enabled on; } play { atc on; } publish { mr on; } }
vhost b { hls { enabled off; } dvr { enabled off; } }
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range w {
		got = append(got, x.String())
	}
	want := []string{
		"t.conf:4: heartbeat is not implemented by picosrs; ignored",
		"t.conf:5: work_dir is not implemented by picosrs; ignored",
		"t.conf:6: http_api.raw_api is not implemented by picosrs; ignored",
		"t.conf:7: vhost.play.atc is not implemented by picosrs; ignored",
		"t.conf:7: vhost.publish.mr is not implemented by picosrs; ignored",
		"t.conf:8: vhost.dvr is not implemented by picosrs; ignored",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRefused(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"illegalRoot", "listens 1935;", "t.conf:1: illegal directive listens"},
		{"noListen", "chunk_size 4096;", "conf: listen: no RTMP listen address (a config fragment?)"},
		{"empty", "", "conf: listen: no RTMP listen address (a config fragment?)"},
		{"listen0", "listen 0;", "t.conf:1: rtmp.listen=0 is invalid"},
		{"listenNegative", "listen -1935;", "t.conf:1: rtmp.listen=-1935 is invalid"},
		{"illegalPid", "listen 1935;\npids ./objs/srs.pid;", "t.conf:2: illegal directive pids"},
		{"illegalHTTPAPI", "listen 1935;\nhttp_api { listens 1985; }", "t.conf:2: illegal http_api.listens"},
		{"illegalRawAPI", "listen 1935;\nhttp_api { raw_api { allow x; } }", "t.conf:2: illegal http_api.raw_api.allow"},
		{"illegalHTTPServer", "listen 1935;\nhttp_stream {\n enableds on;\n}", "t.conf:3: illegal http_server.enableds"},
		{"illegalVhost", "listen 1935;\nvhost v { gop_caches on; }", "t.conf:2: illegal vhost.gop_caches of v"},
		{"illegalRemux", "listen 1935;\nvhost v {\n http_remux {\n  hstrs on;\n  fast on;\n }\n}", "t.conf:5: illegal vhost.http_remux.fast of v"},
		{"illegalPlay", "listen 1935;\nvhost v { play { gop on; } }", "t.conf:2: illegal vhost.play.gop of v"},
		{"illegalCluster", "listen 1935;\nvhost v { cluster { origins x; } }", "t.conf:2: illegal vhost.cluster.origins of v"},
		{"illegalEngine", "listen 1935;\nvhost v { transcode { engine e { x 1; } } }", "t.conf:2: illegal vhost.transcode.engine.x of v"},
		{"maxConnections", "listen 1935;\nmax_connections 0;", "conf: max_connections must be > 0, got 0"},
		{"twoRemux", "listen 1935;\nvhost v {\n http_remux {}\n http_remux {}\n}", "t.conf:4: vhost.http_remux only one but count=2 of v"},
		{"ingestID", "listen 1935;\nvhost v {\n ingest a {}\n ingest a {}\n}", "t.conf:4: ingest id=a exists for v"},
		{"asprocess", "listen 1935;\nasprocess on;", "t.conf:2: daemon conflicts with asprocess"},
		{"forwardKickoff", "listen 1935;\nvhost v { forward { enabled on; } publish { kickoff_for_idle 10; } }", "t.conf:2: vhost.forward conflicts with vhost.publish.kickoff_for_idle of v"},
		{"heartbeat", "listen 1935;\nheartbeat { interval 0; }", "t.conf:2: invalid heartbeat.interval=0"},
		{"stats", "listen 1935;\nstats { network -1; }", "t.conf:2: invalid stats.network=-1"},
		{"httpListen", "listen 1935;\nhttp_server { listen x; }", "t.conf:2: http_server.listen=x is invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := load(t, tc.in, nil)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	// asprocess is fine with daemon off.
	if _, _, err := load(t, "listen 1935;\nasprocess on;\ndaemon off;", nil); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(c *Config)
		want   string
	}{
		{"queueLength", func(c *Config) { c.Vhosts[0].Play.QueueLength = 0 }, "conf: vhost __defaultVhost__: play.queue_length must be > 0"},
		{"chunkSize", func(c *Config) { c.ChunkSize = 100 }, "conf: chunk_size must be in [128, 65536], got 100"},
		{"vhostChunkSize", func(c *Config) { c.Vhosts[0].ChunkSize = 70000 }, "conf: vhost __defaultVhost__: chunk_size must be in [128, 65536], got 70000"},
		{"mount", func(c *Config) { c.Vhosts[0].HTTPRemux.Mounts = []string{"[vhost]/[app]/[stream].m3u8"} },
			`conf: vhost __defaultVhost__: http_remux.mount "[vhost]/[app]/[stream].m3u8": unsupported extension, want .flv, .ts, .mp3 or .aac`},
		{"edgeWithoutOrigin", func(c *Config) { c.Vhosts[0].Cluster.Mode = "remote" }, "conf: vhost __defaultVhost__: cluster.origin is required with cluster.mode remote"},
		{"timeout", func(c *Config) { c.Vhosts[0].Publish.NormalTimeout = 0 }, "conf: vhost __defaultVhost__: publish.normal_timeout must be > 0"},
		{"jitter", func(c *Config) { c.Vhosts[0].Play.TimeJitter = "half" }, `conf: vhost __defaultVhost__: play.time_jitter must be full, zero or off, got "half"`},
		{"security", func(c *Config) {
			c.Vhosts[0].Security.Rules = []SecurityRule{{Allow: false, Action: "play", Target: "10.0.0.0/33"}}
		}, `conf: vhost __defaultVhost__: security.deny play: target must be all, an IP or a CIDR, got "10.0.0.0/33"`},
		{"two", func(c *Config) { c.MaxConnections = -1; c.Vhosts[0].Play.MwLatency = -1 },
			"conf: max_connections must be > 0, got -1\nconf: vhost __defaultVhost__: play.mw_latency must be >= 0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(c)
			err := c.Validate()
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
		})
	}
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestSecurityRules(t *testing.T) {
	c := mustLoad(t, "listen 1935;\nvhost v { security { enabled on; deny publish 10.0.0.0/8; allow publish all; allow play 127.0.0.1; } }", nil)
	want := Security{Enabled: true, Rules: []SecurityRule{
		{Allow: false, Action: "publish", Target: "10.0.0.0/8"},
		{Allow: true, Action: "publish", Target: "all"},
		{Allow: true, Action: "play", Target: "127.0.0.1"},
	}}
	if !reflect.DeepEqual(c.Vhost("v").Security, want) {
		t.Fatalf("got %+v", c.Vhost("v").Security)
	}
}

func TestEnvOverrides(t *testing.T) {
	conf := "listen 1935;\nhttp_server { enabled on; listen 8080; }\nvhost a { http_remux { enabled on; } play { gop_cache off; } }\nvhost b { min_latency on; }\n"
	cases := []struct {
		env   []string
		check func(c *Config) bool
	}{
		{[]string{"SRS_LISTEN", "1936 127.0.0.1:1937"}, func(c *Config) bool { return reflect.DeepEqual(c.Listen, []string{"1936", "127.0.0.1:1937"}) }},
		{[]string{"SRS_LISTEN", ""}, func(c *Config) bool { return reflect.DeepEqual(c.Listen, []string{"1935"}) }}, // empty = unset, as SRS
		{[]string{"SRS_MAX_CONNECTIONS", "50"}, func(c *Config) bool { return c.MaxConnections == 50 }},
		{[]string{"SRS_VHOST_CHUNK_SIZE", "4096"}, func(c *Config) bool { return c.ChunkSize == 4096 && c.Vhost("a").ChunkSize == 4096 }},
		{[]string{"SRS_CHUNK_SIZE", "8192"}, func(c *Config) bool { return c.ChunkSize == 8192 && c.Vhost("a").ChunkSize == 8192 }},
		{[]string{"SRS_SRS_LOG_LEVEL", "warn", "SRS_LOG_LEVEL", "info"}, func(c *Config) bool { return c.LogLevel == "warn" }},
		{[]string{"SRS_LOG_LEVEL", "info", "SRS_LOG_TANK", "file", "SRS_LOG_FILE", "x.log"}, func(c *Config) bool {
			return c.LogLevel == "info" && c.LogTank == "file" && c.LogFile == "x.log"
		}},
		{[]string{"SRS_HTTP_SERVER_ENABLED", "off", "SRS_HTTP_SERVER_LISTEN", "9090", "SRS_HTTP_SERVER_DIR", "/www", "SRS_HTTP_SERVER_CROSSDOMAIN", "off"}, func(c *Config) bool {
			return c.HTTPServer == HTTPServer{Enabled: false, Listen: "9090", Dir: "/www", Crossdomain: false,
				HTTPS:    HTTPS{Listen: "8088", Key: "./conf/server.key", Cert: "./conf/server.crt"},
				MpegtsJS: DefaultMpegtsJS, HLSJS: DefaultHLSJS}
		}},
		{[]string{"SRS_HTTP_API_ENABLED", "on", "SRS_HTTP_API_LISTEN", "1986", "SRS_HTTP_API_CROSSDOMAIN", "no", "SRS_HTTP_API_AUTH_ENABLED", "on", "SRS_HTTP_API_AUTH_USERNAME", "u", "SRS_HTTP_API_AUTH_PASSWORD", "p"}, func(c *Config) bool {
			return c.HTTPAPI == HTTPAPI{Enabled: true, Listen: "1986", Crossdomain: true, Auth: HTTPAPIAuth{Enabled: true, Username: "u", Password: "p"},
				HTTPS: HTTPS{Listen: "1990", Key: "./conf/server.key", Cert: "./conf/server.crt"}}
		}},
		{[]string{"SRS_EXPORTER_ENABLED", "on", "SRS_EXPORTER_LISTEN", "9973", "SRS_EXPORTER_LABEL", "l", "SRS_EXPORTER_TAG", "t"}, func(c *Config) bool {
			return c.Exporter == Exporter{Enabled: true, Listen: "9973", Label: "l", Tag: "t"}
		}},
		{[]string{"SRS_VHOST_HTTP_REMUX_ENABLED", "off"}, func(c *Config) bool { return !c.Vhost("a").HTTPRemux.Enabled && !c.Vhost("b").HTTPRemux.Enabled }},
		{[]string{"SRS_VHOST_HTTP_REMUX_ENABLED", "on"}, func(c *Config) bool { return c.Vhost("a").HTTPRemux.Enabled && c.Vhost("b").HTTPRemux.Enabled }},
		{[]string{"SRS_VHOST_HTTP_REMUX_MOUNT", "[vhost]/[app]/[stream].ts [vhost]/[app]/[stream].aac"}, func(c *Config) bool {
			return reflect.DeepEqual(c.Vhost("b").HTTPRemux.Mounts, []string{"[vhost]/[app]/[stream].ts", "[vhost]/[app]/[stream].aac"})
		}},
		{[]string{"SRS_VHOST_HTTP_REMUX_FAST_CACHE", "2.5", "SRS_VHOST_HTTP_REMUX_GRACE", "0"}, func(c *Config) bool {
			r := c.Vhost("a").HTTPRemux
			return r.FastCache == 2500*time.Millisecond && r.Grace == 0
		}},
		{[]string{"SRS_VHOST_HTTP_REMUX_DROP_IF_NOT_MATCH", "off", "SRS_VHOST_HTTP_REMUX_HAS_AUDIO", "off", "SRS_VHOST_HTTP_REMUX_HAS_VIDEO", "x", "SRS_VHOST_HTTP_REMUX_GUESS_HAS_AV", "off"}, func(c *Config) bool {
			r := c.Vhost("a").HTTPRemux
			return !r.DropIfNotMatch && !r.HasAudio && r.HasVideo && !r.GuessHasAV
		}},
		{[]string{"SRS_VHOST_PLAY_GOP_CACHE", "on"}, func(c *Config) bool { return c.Vhost("a").Play.GopCache }},
		{[]string{"SRS_VHOST_PLAY_GOP_CACHE", "off"}, func(c *Config) bool { return !c.Vhost("b").Play.GopCache }},
		{[]string{"SRS_VHOST_PLAY_MW_LATENCY", "0", "SRS_VHOST_PLAY_MW_MSGS", "300", "SRS_VHOST_PLAY_QUEUE_LENGTH", "5", "SRS_VHOST_PLAY_TIME_JITTER", "zero", "SRS_VHOST_PLAY_GOP_CACHE_MAX_FRAMES", "100"}, func(c *Config) bool {
			p := c.Vhost("a").Play
			return p.MwLatency == 0 && p.MwMsgs == 128 && p.QueueLength == 5*time.Second && p.TimeJitter == "zero" && p.GopCacheMaxFrames == 100
		}},
		{[]string{"SRS_VHOST_MIN_LATENCY", "on", "SRS_VHOST_TCP_NODELAY", "on"}, func(c *Config) bool {
			a := c.Vhost("a")
			return a.MinLatency && a.TCPNodelay && a.Play.MwMsgs == 0
		}},
		{[]string{"SRS_VHOST_MIN_LATENCY", "off"}, func(c *Config) bool { return !c.Vhost("b").MinLatency && c.Vhost("b").Play.MwMsgs == 8 }},
		{[]string{"SRS_VHOST_PUBLISH_FIRSTPKT_TIMEOUT", "1000", "SRS_VHOST_PUBLISH_NORMAL_TIMEOUT", "2000"}, func(c *Config) bool {
			return c.Vhost("a").Publish == Publish{FirstPktTimeout: time.Second, NormalTimeout: 2 * time.Second}
		}},
		{[]string{"SRS_VHOST_FORWARD_ENABLED", "on"}, func(c *Config) bool { return c.Vhost("a").Forward.Enabled }},
		{[]string{"SRS_VHOST_HTTP_STATIC_ENABLED", "on", "SRS_VHOST_HTTP_STATIC_MOUNT", "[vhost]/s/", "SRS_VHOST_HTTP_STATIC_DIR", "/d"}, func(c *Config) bool {
			return c.Vhost("b").HTTPStatic == HTTPStatic{Enabled: true, Mount: "[vhost]/s/", Dir: "/d"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.env[0], func(t *testing.T) {
			c := mustLoad(t, conf, envMap(tc.env...))
			if !tc.check(c) {
				t.Fatalf("env %v not applied: %+v a=%+v b=%+v", tc.env, c, *c.Vhost("a"), *c.Vhost("b"))
			}
		})
	}
}

func TestEnvInvalidListen(t *testing.T) {
	_, _, err := load(t, "listen 1935;", envMap("SRS_LISTEN", "abc"))
	if err == nil || !strings.Contains(err.Error(), "SRS_LISTEN") {
		t.Fatalf("got %v", err)
	}
}

func TestEnvOnly(t *testing.T) {
	for _, env := range []func(string) (string, bool){
		envMap("SRS_VHOST_HTTP_REMUX_ENABLED", "on", "SRS_HTTP_SERVER_ENABLED", "on"),
		envMap("SRS_ENV_ONLY", "1", "SRS_VHOST_HTTP_REMUX_ENABLED", "on", "SRS_HTTP_SERVER_ENABLED", "on"),
	} {
		var c *Config
		var err error
		if _, ok := env("SRS_ENV_ONLY"); ok {
			c, _, err = Load("/no/such/file.conf", env)
		} else {
			c, _, err = LoadEnvOnly(env)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(c.Listen, []string{"1935"}) || !c.HTTPServer.Enabled || len(c.Vhosts) != 1 {
			t.Fatalf("env-only config %+v", c)
		}
		v := c.Vhost(DefaultVhost)
		if v == nil || !v.HTTPRemux.Enabled || !v.Play.GopCache {
			t.Fatalf("default vhost %+v", v)
		}
	}
	c, _, err := LoadEnvOnly(envMap("SRS_LISTEN", "19350"))
	if err != nil || !reflect.DeepEqual(c.Listen, []string{"19350"}) {
		t.Fatalf("%v %+v", err, c)
	}
}

func TestLoadConfigFileEnv(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.conf")
	if err := os.WriteFile(good, []byte("listen 1940;\nvhost v {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _, err := Load(filepath.Join(dir, "missing.conf"), envMap("SRS_CONFIG_FILE", good))
	if err != nil || c.Listen[0] != "1940" {
		t.Fatalf("SRS_CONFIG_FILE not honoured: %v", err)
	}
	_, _, err = Load(filepath.Join(dir, "missing.conf"), nil)
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

func TestNumbers(t *testing.T) {
	c, w, err := load(t, "listen 1935;\nvhost v { play { queue_length 10.9; mw_latency 12abc; } http_remux { fast_cache 1.5; } }", nil)
	if err != nil {
		t.Fatal(err)
	}
	v := c.Vhost("v")
	if v.Play.QueueLength != 10*time.Second || v.Play.MwLatency != 12*time.Millisecond || v.HTTPRemux.FastCache != 1500*time.Millisecond {
		t.Fatalf("atoi/atof: %+v %+v", v.Play, v.HTTPRemux)
	}
	if !hasWarning(w, "queue_length") || !hasWarning(w, "mw_latency") || hasWarning(w, "fast_cache") {
		t.Fatalf("warnings %v", w)
	}
	for in, want := range map[string]int{"12": 12, " -3x": -3, "x": 0, "+7": 7, "99999999999": 2147483647} {
		if got := atoi(in); got != want {
			t.Errorf("atoi(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]float64{"1.5": 1.5, ".5": 0.5, "2e3": 2000, "1e": 1, "abc": 0, "1e999": 0, "-0.25s": -0.25} {
		if got := atof(in); got != want {
			t.Errorf("atof(%q) = %g, want %g", in, got, want)
		}
	}
}

func TestFullConf(t *testing.T) {
	c, w, err := Load("testdata/full.conf", nil)
	if err != nil || len(w) != 0 {
		t.Fatalf("testdata/full.conf: %v, warnings %v", err, w)
	}
	v := c.Vhost(DefaultVhost)
	if v.HTTPRemux.Grace != 5*time.Second || len(v.Security.Rules) != 3 ||
		!reflect.DeepEqual(v.Cluster.Origins, []string{"127.0.0.1:19350", "127.0.0.1:1935"}) {
		t.Fatalf("%+v", *v)
	}
	// The documented values are the defaults.
	def := mustLoad(t, "listen 1935;\nvhost v {}\n", nil)
	if c.WriteTimeout != def.WriteTimeout || c.MemoryLimit != def.MemoryLimit ||
		c.HTTPServer.HTTPS != def.HTTPServer.HTTPS || c.HTTPAPI.HTTPS != def.HTTPAPI.HTTPS ||
		c.HTTPServer.MpegtsJS != def.HTTPServer.MpegtsJS || c.HTTPServer.HLSJS != def.HTTPServer.HLSJS {
		t.Errorf("root: %+v", c)
	}
	hls := defaultHLS
	hls.EntryPrefix = "http://your-server"
	if !reflect.DeepEqual(v.HLS, hls) {
		t.Errorf("hls: %+v", v.HLS)
	}
	if h := v.HTTPHooks; h.Enabled || h.Timeout != 30*time.Second || len(h.OnPublish) != 2 || len(h.OnStop) != 1 {
		t.Errorf("http_hooks: %+v", h)
	}
	if s := v.SecureLink; s.Enabled || !s.Publish || !s.Play || s.BindIP || len(s.Secret) < 16 {
		t.Errorf("secure_link: %+v", s)
	}
	if cl := v.Cluster; cl.Protocol != "rtmp" || cl.FollowClient || cl.OriginCluster || len(cl.Coworkers) != 2 {
		t.Errorf("cluster: %+v", cl)
	}
}

// TestExamplesLoad: every configuration shipped in conf/examples loads
// without an error or a warning.
func TestExamplesLoad(t *testing.T) {
	files, err := filepath.Glob("examples/*.conf")
	if err != nil || len(files) < 3 {
		t.Fatalf("examples: %v %v", files, err)
	}
	for _, f := range files {
		cfg, warnings, err := Load(f, func(string) (string, bool) { return "", false })
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(warnings) > 0 {
			t.Errorf("%s: warnings %v", f, warnings)
		}
		if f == filepath.Join("examples", "api.conf") && (!cfg.HTTPAPI.Enabled || !cfg.Exporter.Enabled || !cfg.HTTPAPI.Auth.Enabled) {
			t.Errorf("%s: the API, its auth and the exporter must be on", f)
		}
	}
}
