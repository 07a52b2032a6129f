package conf

// This file holds SRS's legacy rewrites (srs_config_transform_vhost in
// trunk/src/app/srs_app_config.cpp), re-implemented on Directive trees. They
// let v1/v2/v4 spellings and SRS 7's rtmp{} block load unchanged.

// getOrCreate returns the first child named name, appending a new one (at
// the position of at) when there is none.
func (d *Directive) getOrCreate(name string, at *Directive) *Directive {
	if c := d.Get(name); c != nil {
		return c
	}
	c := &Directive{Name: name, File: at.File, Line: at.Line}
	d.Children = append(d.Children, c)
	return c
}

func (d *Directive) remove(c *Directive) {
	for i, x := range d.Children {
		if x == c {
			d.Children = append(d.Children[:i:i], d.Children[i+1:]...)
			return
		}
	}
}

func copyArgs(a []string) []string {
	if len(a) == 0 {
		return nil
	}
	return append([]string(nil), a...)
}

// Transform rewrites legacy spellings in place, as SRS does after parsing:
//
//   - root listen/chunk_size -> rtmp { listen; chunk_size; } (SRS 7);
//   - root http_stream{} -> http_server{};
//   - rtc_server perf_stat/queue_length removed; srt_server tlpkdrop ->
//     tlpktdrop; stream_caster GB28181 leftovers removed, host -> sip.candidate;
//   - vhost http{} -> http_static{}; http_remux.hstrs removed;
//   - vhost refer/refer_play/refer_publish -> refer { enabled on; all|play|publish; };
//   - vhost mr { enabled; latency; } -> publish { mr; mr_latency; };
//   - vhost publish_1stpkt_timeout/publish_normal_timeout -> publish { firstpkt_timeout; normal_timeout; };
//   - vhost time_jitter mix_correct atc atc_auto mw_latency gop_cache
//     gop_cache_max_frames queue_length send_min_interval
//     reduce_sequence_header -> play { ... } (overwriting the play value, as SRS);
//   - vhost forward a b; -> forward { enabled on; destination a b; };
//   - vhost mode origin token_traverse vhost debug_srs_upnode -> cluster { ... };
//   - vhost nack{enabled;no_copy} twcc{enabled} -> rtc { nack; nack_no_copy; twcc; }.
//
// Moved and created directives keep the file and line of the directive they
// came from.
func Transform(root *Directive) {
	// SRS 7: the global RTMP directives move into rtmp{}. Walking backwards
	// makes the first of duplicated directives win, as with get().
	var moved []*Directive
	for i := len(root.Children) - 1; i >= 0; i-- {
		d := root.Children[i]
		if d.Name != "listen" && d.Name != "chunk_size" {
			continue
		}
		rtmp := root.getOrCreate("rtmp", d)
		rtmp.getOrCreate(d.Name, d).Args = copyArgs(d.Args)
		moved = append(moved, d)
	}
	for _, d := range moved {
		root.remove(d)
	}

	for _, dir := range root.Children {
		switch dir.Name {
		case "http_stream":
			dir.Name = "http_server"
			continue
		case "rtc_server":
			dir.removeAll("perf_stat", "queue_length")
		case "srt_server":
			for _, c := range dir.Children {
				if c.Name == "tlpkdrop" {
					c.Name = "tlpktdrop"
				}
			}
		case "stream_caster":
			dir.removeAll("tcp_enable", "rtp_port_min", "rtp_port_max", "wait_keyframe",
				"rtp_idle_timeout", "audio_enable", "auto_create_channel")
			if sip := dir.Get("sip"); sip != nil {
				sip.removeAll("serial", "realm", "ack_timeout", "keepalive_timeout",
					"invite_port_fixed", "query_catalog_interval", "auto_play")
			}
			for i := 0; i < len(dir.Children); {
				c := dir.Children[i]
				if c.Name != "host" {
					i++
					continue
				}
				dir.Children = append(dir.Children[:i:i], dir.Children[i+1:]...)
				cp := c.Clone()
				cp.Name = "candidate"
				sip := dir.getOrCreate("sip", c)
				sip.Children = append(sip.Children, cp)
			}
		case "vhost":
			transformVhost(dir)
		}
	}
}

func (d *Directive) removeAll(names ...string) {
	kept := d.Children[:0]
	for _, c := range d.Children {
		drop := false
		for _, n := range names {
			if c.Name == n {
				drop = true
				break
			}
		}
		if !drop {
			kept = append(kept, c)
		}
	}
	for i := len(kept); i < len(d.Children); i++ {
		d.Children[i] = nil
	}
	d.Children = kept
}

func transformVhost(vhost *Directive) {
	for i := 0; i < len(vhost.Children); {
		conf := vhost.Children[i]
		n := conf.Name
		erase := func() {
			vhost.Children = append(vhost.Children[:i:i], vhost.Children[i+1:]...)
		}
		switch {
		case n == "http":
			conf.Name = "http_static"
		case n == "http_remux":
			if h := conf.Get("hstrs"); h != nil {
				conf.remove(h)
			}
		case (n == "refer" && len(conf.Children) == 0) || n == "refer_play" || n == "refer_publish":
			erase()
			refer := vhost.getOrCreate("refer", conf)
			if refer.Get("enabled") == nil {
				refer.Children = append(refer.Children, &Directive{Name: "enabled", Args: []string{"on"}, File: conf.File, Line: conf.Line})
			}
			sub := map[string]string{"refer": "all", "refer_play": "play", "refer_publish": "publish"}[n]
			refer.getOrCreate(sub, conf).Args = copyArgs(conf.Args)
			continue
		case n == "mr":
			erase()
			publish := vhost.getOrCreate("publish", conf)
			if e := conf.Get("enabled"); e != nil {
				publish.getOrCreate("mr", e).Args = copyArgs(e.Args)
			}
			if l := conf.Get("latency"); l != nil {
				publish.getOrCreate("mr_latency", l).Args = copyArgs(l.Args)
			}
			continue
		case n == "publish_1stpkt_timeout" || n == "publish_normal_timeout":
			erase()
			publish := vhost.getOrCreate("publish", conf)
			name := "firstpkt_timeout"
			if n == "publish_normal_timeout" {
				name = "normal_timeout"
			}
			publish.getOrCreate(name, conf).Args = copyArgs(conf.Args)
			continue
		case isOneOf(n, "time_jitter", "mix_correct", "atc", "atc_auto", "mw_latency", "gop_cache",
			"gop_cache_max_frames", "queue_length", "send_min_interval", "reduce_sequence_header"):
			erase()
			play := vhost.getOrCreate("play", conf)
			play.getOrCreate(n, conf).Args = copyArgs(conf.Args)
			continue
		case n == "forward" && len(conf.Children) == 0 && len(conf.Args) > 0:
			conf.Children = append(conf.Children,
				&Directive{Name: "enabled", Args: []string{"on"}, File: conf.File, Line: conf.Line},
				&Directive{Name: "destination", Args: conf.Args, File: conf.File, Line: conf.Line})
			conf.Args = nil
		case isOneOf(n, "mode", "origin", "token_traverse", "vhost", "debug_srs_upnode"):
			erase()
			cluster := vhost.getOrCreate("cluster", conf)
			cluster.getOrCreate(n, conf).Args = copyArgs(conf.Args)
			continue
		case n == "nack" || n == "twcc":
			erase()
			rtc := vhost.getOrCreate("rtc", conf)
			if e := conf.Get("enabled"); e != nil {
				rtc.getOrCreate(n, e).Args = copyArgs(e.Args)
			}
			if n == "nack" {
				if nc := conf.Get("no_copy"); nc != nil {
					rtc.getOrCreate("nack_no_copy", nc).Args = copyArgs(nc.Args)
				}
			}
			continue
		}
		i++
	}
}

func isOneOf(s string, set ...string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}
