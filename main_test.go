package main

import (
	"reflect"
	"testing"

	"github.com/picosrs/picosrs/conf"
)

// TestHTTPPorts: http_server, http_api and the exporter get one HTTP server
// per distinct address, each serving what listens there; the API may share
// http_server's port, as SRS allows.
func TestHTTPPorts(t *testing.T) {
	cfg := conf.Default()
	cfg.HTTPServer.Enabled = true
	cfg.HTTPAPI.Enabled = true
	cfg.Exporter.Enabled = true
	cfg.HTTPAPI.Listen = cfg.HTTPServer.Listen
	got := httpPorts(cfg)
	want := []httpPort{
		{addr: hostPort(cfg.HTTPServer.Listen), streams: true, api: true},
		{addr: hostPort(cfg.Exporter.Listen), metrics: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("shared API port: %+v, want %+v", got, want)
	}
	cfg.HTTPAPI.Listen = "127.0.0.1:1985"
	cfg.Exporter.Listen = "1985"
	cfg.HTTPServer.Enabled = false
	got = httpPorts(cfg)
	want = []httpPort{{addr: "127.0.0.1:1985", api: true}, {addr: ":1985", metrics: true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("separate ports: %+v, want %+v", got, want)
	}
}
