package conf

import (
	"strings"
	"time"
)

// HTTPHooks is the vhost `http_hooks` block, SRS grammar: each event takes
// one or more http:// or https:// URLs on one line, called in order (SRS
// POSTs a JSON body and expects HTTP 200 with "0" or {"code":0}). Every
// environment override applies to all vhosts; the URL lists are split on
// spaces. Events default to no URL.
type HTTPHooks struct {
	// Enabled is `enabled`, default off; env SRS_VHOST_HTTP_HOOKS_ENABLED.
	Enabled bool
	// OnConnect is `on_connect` (RTMP connect); env SRS_VHOST_HTTP_HOOKS_ON_CONNECT.
	OnConnect []string
	// OnClose is `on_close` (RTMP connection closed); env SRS_VHOST_HTTP_HOOKS_ON_CLOSE.
	OnClose []string
	// OnPublish is `on_publish` (a publish starts; a refusal refuses the
	// publisher); env SRS_VHOST_HTTP_HOOKS_ON_PUBLISH.
	OnPublish []string
	// OnUnpublish is `on_unpublish`; env SRS_VHOST_HTTP_HOOKS_ON_UNPUBLISH.
	OnUnpublish []string
	// OnPlay is `on_play` (a player starts, RTMP or HTTP; a refusal refuses
	// the player); env SRS_VHOST_HTTP_HOOKS_ON_PLAY.
	OnPlay []string
	// OnStop is `on_stop` (a player leaves); env SRS_VHOST_HTTP_HOOKS_ON_STOP.
	OnStop []string
	// OnDVR is `on_dvr`, parsed and kept but never called: picosrs does
	// not record (loading warns). Env SRS_VHOST_HTTP_HOOKS_ON_DVR.
	OnDVR []string
	// OnHLS is `on_hls` (SRS: after each HLS segment is written), parsed
	// and kept; loading warns that picosrs does not call it yet. Env
	// SRS_VHOST_HTTP_HOOKS_ON_HLS.
	OnHLS []string
	// OnHLSNotify is `on_hls_notify` (SRS: a GET to one URL picked at
	// random per segment, with [server_id] [app] [stream] [ts_url] [param]
	// replaced), parsed and kept; loading warns that picosrs does not call
	// it yet. Env SRS_VHOST_HTTP_HOOKS_ON_HLS_NOTIFY.
	OnHLSNotify []string
	// Timeout is the picosrs extension `timeout`, float seconds, default
	// 30s: how long one hook call (connect, request and response) may take.
	// SRS has no directive for it and uses its HTTP client's fixed 30s
	// (SRS_HTTP_CLIENT_TIMEOUT). Env SRS_VHOST_HTTP_HOOKS_TIMEOUT. Must be > 0.
	Timeout time.Duration
}

// hookEvents names the URL-list directives of http_hooks, in SRS's order.
var hookEvents = []string{"on_connect", "on_close", "on_publish", "on_unpublish", "on_play",
	"on_stop", "on_dvr", "on_hls", "on_hls_notify"}

// urls returns the list of the event named by an SRS directive name.
func (h *HTTPHooks) urls(event string) *[]string {
	switch event {
	case "on_connect":
		return &h.OnConnect
	case "on_close":
		return &h.OnClose
	case "on_publish":
		return &h.OnPublish
	case "on_unpublish":
		return &h.OnUnpublish
	case "on_play":
		return &h.OnPlay
	case "on_stop":
		return &h.OnStop
	case "on_dvr":
		return &h.OnDVR
	case "on_hls":
		return &h.OnHLS
	case "on_hls_notify":
		return &h.OnHLSNotify
	}
	return nil
}

func (b *builder) httpHooks(d *Directive) HTTPHooks {
	h := HTTPHooks{
		Enabled: b.boolean("vhost.http_hooks.enabled", d.Get("enabled"), false),
		Timeout: seconds(b.float("vhost.http_hooks.timeout", d.Get("timeout"), 30)),
	}
	for _, ev := range hookEvents {
		*h.urls(ev) = b.list("vhost.http_hooks."+ev, d.Get(ev), nil)
	}
	return h
}

func (h *HTTPHooks) validate(v *validator, vhost string) {
	for _, ev := range hookEvents {
		for _, u := range *h.urls(ev) {
			if !hookURL(u) {
				v.at(vhost, "http_hooks."+ev, "http_hooks.%s %q: want an http:// or https:// URL", ev, u)
			}
		}
	}
	if h.Timeout <= 0 {
		v.at(vhost, "http_hooks.timeout", "http_hooks.timeout must be > 0")
	}
}

// hookURL reports whether u is http:// or https:// (any case) with a host.
// It is not parsed further: on_hls_notify URLs hold [variables].
func hookURL(u string) bool {
	l := strings.ToLower(u)
	for _, scheme := range []string{"http://", "https://"} {
		if strings.HasPrefix(l, scheme) {
			rest := u[len(scheme):]
			return rest != "" && rest[0] != '/' && !strings.ContainsAny(u, " \t\r\n")
		}
	}
	return false
}
