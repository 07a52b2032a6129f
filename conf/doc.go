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
// The package never logs: warnings are returned as []Warning values. The
// environment is read only through the injected lookup function.
package conf
