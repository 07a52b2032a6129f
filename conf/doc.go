// Package conf reads SRS configuration files for picosrs, in two stages as
// SRS does.
//
// Stage 1, grammar: Parse turns text into a *Directive tree, matching SRS's
// SrsConfDirective::parse_conf/read_token (a port of ngx_conf_parse) exactly:
// `name args... ;` or `name args... { ... }`, one directive per line, quotes
// without escapes, '#' comments only at the start of a word, and `include`
// spliced in place. Every directive keeps its file and line, and errors read
// "FILE:LINE: message" (*ParseError). Print writes a tree back in the same
// grammar.
//
// Stage 2, meaning: FromDirective (and Load, LoadEnvOnly) rewrites legacy
// spellings (Transform, SRS's srs_config_transform_vhost), refuses what SRS's
// whitelist refuses, warns once about each directive SRS knows but picosrs
// ignores, reads typed values the way SRS's getters do (strict on/off
// booleans, atoi/atof numbers, first duplicate wins), applies SRS_*
// environment overrides, and validates the resulting *Config.
//
//	text --Parse--> *Directive --Transform+check--> *Directive --build+env--> *Config --Validate
//
// Validation errors name the directive, and the vhost inside one
// ("vhost v: hls.hls_fragment must be > 0"). For the directives added with
// write_timeout, memory_limit, https, mpegts_js, hls_js, hls, http_hooks,
// secure_link and cluster.protocol, the builder remembers where each value
// came from, so the error is a *ParseError at the directive's FILE:LINE, or
// ends "(from SRS_...)" when an environment variable set it. An enabled
// https block's key pair is read at load time: a bad pair fails Load (and
// `picosrs -t`) like a syntax error.
//
// picosrs extensions (directives SRS does not have, accepted here on top of
// SRS's whitelist and marked in Config's docs and testdata/full.conf):
// write_timeout, memory_limit, http_server.mpegts_js and .hls_js,
// vhost.secure_link, http_remux.grace, http_hooks.timeout, and
// hls.hls_max_size, .hls_low_latency and .hls_part_duration; hls.hls_storage
// is SRS 2's directive with a meaning of our own.
//
// The package never logs: warnings are returned as []Warning values. The
// environment is read only through the injected lookup function.
package conf
