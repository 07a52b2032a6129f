// Package api is SRS's HTTP API (/api/v1/versions, summaries, vhosts,
// streams, clients, with kicks; clusters, which an origin cluster's
// coworkers ask: clusters.go) and its Prometheus exporter (/metrics),
// answered with SRS's JSON shapes and metric names so that tools written for
// SRS read picosrs unchanged.
//
// It sits beside the stream core, never in its flow: it reads live.Server
// through the five-method Source interface when asked, and a sampler
// (sampler.go) reads the clients' byte counters once a second for kbps and
// for totals that outlive a connection, so nothing is added per viewer per
// tag. main.go swaps its plain Config on SIGHUP.
package api
