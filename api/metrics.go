package api

import (
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
)

// serveMetrics writes the Prometheus text exposition format (version 0.0.4)
// with SRS's metric names, for what picosrs has. exporter.label and
// exporter.tag are labels of srs_build_info, as in SRS.
func (a *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	cfg := a.cfg.Load()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	in, out, seen := a.stats.totals()
	selfCPU, _ := a.stats.cpuPercent()
	nstreams := len(a.src.Streams())
	nclients := len(a.src.Clients())

	var b strings.Builder
	metric := func(name, typ, help string, labels [][2]string, value string) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n%s", name, help, name, typ, name)
		if len(labels) > 0 {
			b.WriteByte('{')
			for i, l := range labels {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(l[0] + `="` + labelEscape(l[1]) + `"`)
			}
			b.WriteByte('}')
		}
		b.WriteString(" " + value + "\n")
	}
	if sys := procString("/proc/sys/kernel/ostype"); sys != "" {
		metric("srs_node_uname_info", "gauge", "Labeled system information as provided by the uname system call.", [][2]string{
			{"sysname", sys},
			{"nodename", procString("/proc/sys/kernel/hostname")},
			{"release", procString("/proc/sys/kernel/osrelease")},
			{"version", procString("/proc/sys/kernel/version")},
			{"machine", runtime.GOARCH},
		}, "1")
	}
	build := [][2]string{
		{"server", a.serverID}, {"service", a.serviceID}, {"pid", a.pid},
		{"build_date", ""}, {"major", strconv.Itoa(apiMajor)}, {"version", cfg.Version}, {"code", "picosrs"},
	}
	if l := cfg.Label; l != "" {
		build = append(build, [2]string{"label", l})
	}
	if t := cfg.Tag; t != "" {
		build = append(build, [2]string{"tag", t})
	}
	metric("srs_build_info", "gauge", "A metric with a constant '1' value labeled by build_date, version from which SRS was built.", build, "1")
	metric("srs_cpu_percent", "gauge", "SRS cpu used percent.", nil, strconv.FormatFloat(selfCPU, 'f', -1, 64))
	metric("srs_memory", "gauge", "SRS memory used (KiB resident).", nil, strconv.FormatUint(rssKB(), 10))
	metric("srs_send_bytes_total", "counter", "SRS total sent bytes.", nil, strconv.FormatUint(out, 10))
	metric("srs_receive_bytes_total", "counter", "SRS total received bytes.", nil, strconv.FormatUint(in, 10))
	metric("srs_streams", "gauge", "The number of SRS concurrent streams.", nil, strconv.Itoa(nstreams))
	metric("srs_clients", "gauge", "The number of SRS concurrent clients.", nil, strconv.Itoa(nclients))
	total, errs := a.src.ClientTotals()
	metric("srs_clients_total", "counter", "The total counts of SRS clients.", nil, strconv.FormatUint(max(total, seen), 10))
	metric("srs_clients_errs_total", "counter", "The total errors of SRS clients.", nil, strconv.FormatUint(errs, 10))

	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write([]byte(b.String()))
	}
}

// labelEscape escapes a Prometheus label value: backslash, quote, newline.
func labelEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}
