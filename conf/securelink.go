package conf

// SecureLink is the vhost `secure_link` block, a picosrs extension (SRS
// has no such directive): publish and play URLs signed with a shared secret,
// checked without an auth server or HTTP hook. Environment overrides apply
// to all vhosts.
type SecureLink struct {
	// Enabled is `enabled`, default off; env SRS_VHOST_SECURE_LINK_ENABLED.
	Enabled bool
	// Secret is `secret`, the shared signing key, default ""; env
	// SRS_VHOST_SECURE_LINK_SECRET. Required, and at least 16 bytes, when
	// Enabled.
	Secret string
	// Publish is `publish`, default on: publishing needs a signature. Env
	// SRS_VHOST_SECURE_LINK_PUBLISH.
	Publish bool
	// Play is `play`, default on: playing (RTMP and HTTP) needs a
	// signature. Env SRS_VHOST_SECURE_LINK_PLAY.
	Play bool
	// BindIP is `bind_ip`, default off: the signature also covers the
	// client's IP address. Env SRS_VHOST_SECURE_LINK_BIND_IP.
	BindIP bool
}

// minSecureLinkSecret is the shortest secret accepted, in bytes.
const minSecureLinkSecret = 16

func (b *builder) secureLink(d *Directive) SecureLink {
	b.noteBlock("vhost.secure_link", d)
	s := SecureLink{
		Enabled: b.boolean("vhost.secure_link.enabled", d.Get("enabled"), false),
		Secret:  b.str("vhost.secure_link.secret", d.Get("secret"), ""),
		Publish: b.boolean("vhost.secure_link.publish", d.Get("publish"), true),
		Play:    b.boolean("vhost.secure_link.play", d.Get("play"), true),
		BindIP:  b.boolean("vhost.secure_link.bind_ip", d.Get("bind_ip"), false),
	}
	b.noteDefault("vhost.secure_link.secret", "vhost.secure_link.enabled", "vhost.secure_link")
	return s
}

func (s *SecureLink) validate(v *validator, vhost string) {
	if !s.Enabled {
		return
	}
	switch {
	case s.Secret == "":
		v.at(vhost, "secure_link.secret", "secure_link.secret is required when secure_link is enabled")
	case len(s.Secret) < minSecureLinkSecret:
		v.at(vhost, "secure_link.secret", "secure_link.secret must be at least %d bytes, got %d", minSecureLinkSecret, len(s.Secret))
	}
}
