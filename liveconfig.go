package main

import (
	"strings"

	"github.com/picosrs/picosrs/access"
	"github.com/picosrs/picosrs/api"
	"github.com/picosrs/picosrs/conf"
	"github.com/picosrs/picosrs/hls"
	"github.com/picosrs/picosrs/httpd"
	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/live"
)

// liveConfig maps the parsed SRS configuration onto the stream core's plain
// configuration: live never reads configuration files itself.
func liveConfig(c *conf.Config, log *textlog.Logger) *live.Config {
	lc := &live.Config{
		ChunkSize:    c.ChunkSize,
		WriteTimeout: c.WriteTimeout,
		Logger:       log,
	}
	for _, v := range c.Vhosts {
		lv := live.NewVhostConfig(v.Name)
		lv.Enabled = v.Enabled
		lv.ChunkSize = v.ChunkSize
		lv.MinLatency = v.MinLatency
		lv.TCPNodelay = v.TCPNodelay
		lv.Remux = live.RemuxConfig{
			FastCache:      v.HTTPRemux.FastCache,
			DropIfNotMatch: v.HTTPRemux.DropIfNotMatch,
			HasAudio:       v.HTTPRemux.HasAudio,
			HasVideo:       v.HTTPRemux.HasVideo,
			GuessHasAV:     v.HTTPRemux.GuessHasAV,
			Grace:          v.HTTPRemux.Grace,
		}
		lv.GopCache = v.Play.GopCache
		lv.GopCacheMaxFrames = v.Play.GopCacheMaxFrames
		lv.QueueLength = v.Play.QueueLength
		switch v.Play.TimeJitter {
		case "zero":
			lv.TimeJitter = live.JitterZero
		case "off":
			lv.TimeJitter = live.JitterOff
		default:
			lv.TimeJitter = live.JitterFull
		}
		lv.MwLatency = v.Play.MwLatency
		lv.FirstPktTimeout = v.Publish.FirstPktTimeout
		lv.NormalTimeout = v.Publish.NormalTimeout
		if v.Cluster.Mode == "remote" {
			lv.Origins = v.Cluster.Origins
			lv.HTTPOrigins, lv.HTTPSOrigins = v.Cluster.HTTPOrigins, v.Cluster.HTTPSOrigins
		}
		lv.EdgeProtocol, lv.FollowClient = v.Cluster.Protocol, v.Cluster.FollowClient
		lv.OriginCluster, lv.Coworkers = v.Cluster.OriginCluster, v.Cluster.Coworkers
		lv.EdgeVhost = v.Cluster.Vhost
		lv.TokenTraverse = v.Cluster.TokenTraverse
		if v.Forward.Enabled {
			lv.Forward = v.Forward.Destinations
		}
		lv.Security.Enabled = v.Security.Enabled
		if v.Security.Enabled {
			for _, r := range v.Security.Rules {
				a := access.Publish
				if strings.EqualFold(r.Action, "play") {
					a = access.Play
				}
				lv.Security.List = append(lv.Security.List, access.Rule{Allow: r.Allow, Action: a, Target: r.Target})
			}
		}
		h := v.HTTPHooks
		lv.Hooks = access.Hooks{Enabled: h.Enabled, OnConnect: h.OnConnect, OnClose: h.OnClose,
			OnPublish: h.OnPublish, OnUnpublish: h.OnUnpublish, OnPlay: h.OnPlay, OnStop: h.OnStop, Timeout: h.Timeout}
		lv.SecureLink = secureLink(v.SecureLink)
		lv.HLS = hlsConfig(&v.HLS)
		lc.Vhosts = append(lc.Vhosts, lv)
	}
	return lc
}

// secureLink maps a vhost's secure_link block.
func secureLink(l conf.SecureLink) access.SecureLink {
	return access.SecureLink{Enabled: l.Enabled, Secret: l.Secret, Publish: l.Publish, Play: l.Play, BindIP: l.BindIP}
}

// hlsConfig maps a vhost's hls block; nil when it is off.
func hlsConfig(h *conf.HLS) *live.HLSConfig {
	if !h.Enabled {
		return nil
	}
	return &live.HLSConfig{
		Config: hls.Config{
			Fragment: h.Fragment, TDRatio: h.TDRatio, AOFRatio: h.AOFRatio, Window: h.Window, MaxBytes: h.MaxSize,
			WaitKeyframe: h.WaitKeyframe, Dispose: h.Dispose, EntryPrefix: h.EntryPrefix, TSFloor: h.TSFloor,
			Memory: h.InMemory(), Disk: h.OnDisk(), Dir: h.Path, Cleanup: h.Cleanup,
		},
		M3U8File: h.M3U8File, TSFile: h.TSFile, ACodec: h.ACodec, VCodec: h.VCodec, OnError: h.OnError,
	}
}

// httpConfig maps the parsed SRS configuration onto the HTTP room's plain
// configuration.
func httpConfig(c *conf.Config, log *textlog.Logger) *httpd.Config {
	hc := &httpd.Config{
		Crossdomain:  c.HTTPServer.Crossdomain,
		Dir:          c.HTTPServer.Dir,
		WriteTimeout: c.WriteTimeout,
		Version:      version,
		MpegtsJS:     c.HTTPServer.MpegtsJS,
		Logger:       log,
	}
	for _, v := range c.Vhosts {
		hc.Vhosts = append(hc.Vhosts, &httpd.Vhost{
			Name: v.Name, Enabled: v.Enabled,
			Remux: v.HTTPRemux.Enabled, Mounts: v.HTTPRemux.Mounts,
			Static: httpd.Static{Enabled: v.HTTPStatic.Enabled, Mount: v.HTTPStatic.Mount, Dir: v.HTTPStatic.Dir},
		})
		if hv := hc.Vhosts[len(hc.Vhosts)-1]; v.HLS.Enabled {
			hv.HLS, hv.HLSSegment, hv.HLSMemory = v.HLS.M3U8File, v.HLS.TSFile, v.HLS.InMemory()
		}
	}
	return hc
}

// apiConfig maps the parsed SRS configuration onto the API's plain
// configuration.
func apiConfig(c *conf.Config, log *textlog.Logger) *api.Config {
	ac := &api.Config{
		Version:     version,
		Crossdomain: c.HTTPAPI.Crossdomain,
		Auth:        api.Auth{Enabled: c.HTTPAPI.Auth.Enabled, Username: c.HTTPAPI.Auth.Username, Password: c.HTTPAPI.Auth.Password},
		Label:       c.Exporter.Label,
		Tag:         c.Exporter.Tag,
		Logger:      log,
		APIListen:   c.HTTPAPI.Listen,
	}
	if len(c.Listen) > 0 {
		ac.RTMPListen = c.Listen[0]
	}
	if c.HTTPServer.Enabled {
		ac.HTTPListen = c.HTTPServer.Listen
	}
	for _, v := range c.Vhosts {
		ac.Vhosts = append(ac.Vhosts, api.Vhost{Name: v.Name, Enabled: v.Enabled, HLS: v.HLS.Enabled})
	}
	return ac
}
