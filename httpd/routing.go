package httpd

import "github.com/picosrs/picosrs/live"

// route finds the live stream a request names, as SRS's HTTP stream mux
// does. SRS mounts each stream's URLs when it is published (or when a
// player waits for it): a mount whose template names a host ([vhost] of a
// named vhost) answers for that host alone, any other for every host; a
// host that has mounts of its own reaches only those. So the mounts of
// streams that exist are matched first, and only a well-formed URL that
// names none of them waits for a publisher, on the vhost the host resolves
// to (SRS's hijack: the extension and depth of one of that vhost's
// templates). ok is false when the URL is no live stream's (a static file).
func (s *Server) route(cfg *Config, host, path string) (key live.StreamKey, m *mount, ok bool) {
	own := false
	for _, m := range cfg.mounts {
		if m.host != "" && m.host == host {
			own = true
			break
		}
	}
	// Streams that exist, on the mounts this host reaches. Two vhosts may
	// serve the same path for any host: the one the host resolves to wins,
	// then the first in the configuration.
	var found *mount
	preferred := ""
	if v := cfg.resolveVhost(host); v != nil {
		preferred = v.Name
	}
	for _, c := range cfg.mounts {
		if own != (c.host != "") || (own && c.host != host) {
			continue
		}
		app, name, ok := c.match(path)
		if !ok {
			continue
		}
		k := live.StreamKey{Vhost: c.vhost, App: app, Name: name}
		if s.streams.Stream(k) == nil {
			continue
		}
		if found == nil || (c.vhost == preferred && found.vhost != preferred) {
			key, found = k, c
		}
	}
	if found != nil {
		return key, found, true
	}
	// A player that comes before its publisher waits on the host's vhost.
	v := cfg.resolveVhost(host)
	if v == nil || !v.Enabled || !v.Remux {
		return key, nil, false
	}
	for _, c := range cfg.mounts {
		if c.vhost != v.Name {
			continue
		}
		if app, name, ok := c.match(path); ok {
			return live.StreamKey{Vhost: v.Name, App: app, Name: name}, c, true
		}
	}
	return key, nil, false
}
