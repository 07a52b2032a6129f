// Command picosrs-load measures a live-streaming server on loopback: it
// publishes an FLV fixture over RTMP, paced in real time and looping, opens N
// viewers (HTTP-FLV, HTTP-TS or RTMP) ramped up over a second after a
// warm-up, parses what they receive, and reports viewers connected, time to
// first frame, end-to-end latency per tag (from the publisher starting to
// write a tag to a viewer finishing reading it, matched by timestamp), tags
// missing per viewer, bytes/s per viewer, and the server's CPU time and peak
// RSS from /proc. HTTP-FLV viewers are read by one epoll loop per core
// (poller_linux.go), which also reports the arrival latency: to the kernel's
// receive time of a tag's last bytes, so that the tool's own delay in
// reading a thousand sockets is left out.
//
// Usage:
//
//	picosrs-load [flags]              one run: a JSON line on stdout, a table on stderr
//	picosrs-load -report results.json the table of a file of JSON lines (make bench)
//	picosrs-load -plot results.json   an SVG of CPU against latency p99 (plot.go)
//	picosrs-load -baseline            the floor to compare against (baseline.go)
//
// It runs the publishers and the viewers in one process, so each viewer looks
// up the send time of the tags it reads in its publisher's table.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// options are the command-line flags.
type options struct {
	rtmpAddr, httpAddr string
	httpsAddr          string
	app, stream        string
	file               string
	proto              string
	viewers            int
	publishers         int
	slow               int
	warmup, ramp       time.Duration
	duration           time.Duration
	settle             time.Duration
	pid                int
	serverCmd          string
	serverLog          string
	label, target      string
	report             string
	plot               string
	compareTo          string
	baseline           bool
	baselineMerge      time.Duration
	hls                int // HLS players beside the viewers (hls.go)
	goroutineReaders   bool
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("picosrs-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.rtmpAddr, "rtmp", "127.0.0.1:1935", "RTMP `address` of the server (loopback only)")
	fs.StringVar(&o.httpAddr, "http", "127.0.0.1:8080", "HTTP `address` of the server (loopback only)")
	fs.StringVar(&o.httpsAddr, "https", "127.0.0.1:8088", "HTTPS `address` of the server (loopback only)")
	fs.StringVar(&o.app, "app", "live", "application name")
	fs.StringVar(&o.stream, "stream", "bench", "stream name (with -publishers > 1: name0, name1, ...)")
	fs.StringVar(&o.file, "file", "tests/testdata/h264_aac_720p_2mbps.flv", "FLV `fixture` to publish, looping")
	fs.StringVar(&o.proto, "proto", "flv", "viewer protocol: flv (HTTP-FLV), ts (HTTP-TS), rtmp, ws-flv, wss-flv or https-flv")
	fs.IntVar(&o.viewers, "viewers", 100, "number of viewers (spread over the publishers)")
	fs.IntVar(&o.publishers, "publishers", 1, "number of publishers, each to its own stream")
	fs.IntVar(&o.slow, "slow", 0, "extra viewers that read at a quarter of the stream rate (not in the figures)")
	fs.DurationVar(&o.warmup, "warmup", 3*time.Second, "publishing time before the first viewer")
	fs.DurationVar(&o.ramp, "ramp", time.Second, "time over which the viewers arrive")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "length of the run after the warm-up")
	fs.DurationVar(&o.settle, "settle", time.Second, "time after the ramp before latency and CPU are measured")
	fs.IntVar(&o.pid, "pid", 0, "`PID` of the server, for CPU and RSS from /proc")
	fs.StringVar(&o.serverCmd, "server-cmd", "", "shell `command` that starts the server (its PID is measured; it is stopped at the end)")
	fs.StringVar(&o.serverLog, "server-log", "", "`file` for the output of -server-cmd (default: discarded)")
	fs.StringVar(&o.label, "label", "", "name of the run, copied to the JSON")
	fs.StringVar(&o.target, "target", "", "target of the run, copied to the JSON (for -report)")
	fs.StringVar(&o.compareTo, "compare-to", "", "`label` of the run this one is paired with: -report prints that run's CPU and latency over this one's (a floor run, a one-core run)")
	fs.StringVar(&o.report, "report", "", "print the table of a `file` of JSON lines and exit")
	fs.StringVar(&o.plot, "plot", "", "print an SVG plot of CPU against latency for a `file` of JSON lines and exit")
	fs.BoolVar(&o.baseline, "baseline", false, "be the baseline server on -rtmp and -http instead (see baseline.go) until SIGTERM")
	fs.DurationVar(&o.baselineMerge, "baseline-merge", 0, "with -baseline: write at most once per `interval`")
	fs.BoolVar(&o.goroutineReaders, "goroutine-readers", false, "read each HTTP-FLV viewer with a goroutine of its own, as the tool did before 2026-12-01, instead of one epoll loop per core (poller_linux.go)")
	fs.IntVar(&o.hls, "hls", 0, "HLS players of the first stream's /app/stream.m3u8, beside the viewers")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if o.baseline {
		return runBaseline(o.rtmpAddr, o.httpAddr, o.baselineMerge, stderr)
	}
	if o.plot != "" {
		if err := plotFile(stdout, o.plot); err != nil {
			fmt.Fprintln(stderr, "picosrs-load:", err)
			return 1
		}
		return 0
	}
	if o.report != "" {
		if err := printReport(stdout, o.report); err != nil {
			fmt.Fprintln(stderr, "picosrs-load:", err)
			return 1
		}
		return 0
	}
	res, err := runLoad(o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "picosrs-load:", err)
		return 1
	}
	line, _ := json.Marshal(res)
	fmt.Fprintf(stdout, "%s\n", line)
	printResult(stderr, res)
	return 0
}

// runner holds what the viewers of one run share.
type runner struct {
	proto  string
	epoch  time.Time // send times are µs since here
	steady time.Time // latency is measured for tags sent from here
	end    time.Time // every viewer stops reading here
	rate   float64   // fixture bytes per second, for slow viewers
	lat    histogram // read latency: until the tool has read a tag's last byte
	// arrival latency: until the kernel received it, the tool's own delay
	// in reading left out (polled viewers only; poller_linux.go)
	arrival histogram

	pollers []*poller // HTTP-FLV viewers' readers; none: a goroutine each
}

// pollerFor returns the poller that reads the i-th viewer, or nil when it
// reads with a goroutine of its own (other protocols, slow viewers,
// -goroutine-readers).
func (r *runner) pollerFor(i int, slow bool) *poller {
	if len(r.pollers) == 0 || slow || r.proto != "flv" {
		return nil
	}
	return r.pollers[i%len(r.pollers)]
}

// Result is one run's report, printed as a JSON line.
type Result struct {
	Label           string  `json:"label,omitempty"`
	Target          string  `json:"target,omitempty"`
	Proto           string  `json:"proto"`
	Publishers      int     `json:"publishers"`
	Viewers         int     `json:"viewers"`
	Connected       int     `json:"connected"`
	Failed          int     `json:"failed"`
	FirstError      string  `json:"first_error,omitempty"`
	TTFFP50         float64 `json:"ttff_p50_ms"`
	TTFFP99         float64 `json:"ttff_p99_ms"`
	NoFrame         int     `json:"viewers_without_frame"`
	LatP50          float64 `json:"latency_p50_ms"`
	LatP99          float64 `json:"latency_p99_ms"`
	LatMax          float64 `json:"latency_max_ms"`
	LatSamples      uint64  `json:"latency_samples"`
	ArrivalP50      float64 `json:"arrival_latency_p50_ms,omitempty"`
	ArrivalP99      float64 `json:"arrival_latency_p99_ms,omitempty"`
	ArrivalStamped  float64 `json:"arrival_stamped_pct,omitempty"` // reads that had the kernel's receive time
	Missing         uint64  `json:"tags_missing"`
	MissingMax      uint64  `json:"tags_missing_max_per_viewer"`
	LossyViewers    int     `json:"viewers_with_loss"`
	Unmatched       uint64  `json:"tags_unmatched"`
	BytesPerSec     float64 `json:"bytes_per_sec_per_viewer"`
	PublishedTags   uint64  `json:"tags_published"`
	SlowViewers     int     `json:"slow_viewers,omitempty"`
	SlowBytesPerSec float64 `json:"slow_bytes_per_sec,omitempty"`
	Window          float64 `json:"window_s"`
	CPUSeconds      float64 `json:"server_cpu_s"`
	CPUPercent      float64 `json:"server_cpu_pct"`
	PeakRSSMB       float64 `json:"server_peak_rss_mb"`
	RSSMB           float64 `json:"server_rss_mb"` // once every viewer is connected and settled
	RSSPerViewerKB  float64 `json:"server_rss_per_viewer_kb"`
	PID             int     `json:"server_pid,omitempty"`
	HLSPlayers      int     `json:"hls_players,omitempty"`
	HLSConnected    int     `json:"hls_connected,omitempty"`
	HLSSegments     int64   `json:"hls_segments,omitempty"`
	HLSPlaylists    int64   `json:"hls_playlists,omitempty"`
	HLSErrors       int64   `json:"hls_errors,omitempty"`
	HLSBytesPerSec  float64 `json:"hls_bytes_per_sec_per_player,omitempty"`
	HLSFirstSegP99  float64 `json:"hls_first_segment_p99_ms,omitempty"`
	ToolCPUPercent  float64 `json:"tool_cpu_pct"`         // the load tool's own, in the same window
	CompareTo       string  `json:"compare_to,omitempty"` // -report prints the ratio of that run to this one
}

func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%s: %w", addr, errNotLoopback)
	}
	return nil
}

// httpURL is the part of an HTTP URL a viewer needs.
type httpURL struct{ host, path string }

func parseHTTP(raw string) (httpURL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return httpURL{}, err
	}
	return httpURL{host: u.Host, path: u.RequestURI()}, nil
}

// runLoad performs one run.
func runLoad(o options, log io.Writer) (*Result, error) {
	if err := checkLoopback(o.rtmpAddr); err != nil {
		return nil, err
	}
	if err := checkLoopback(o.httpAddr); err != nil {
		return nil, err
	}
	if err := checkLoopback(o.httpsAddr); err != nil {
		return nil, err
	}
	switch o.proto {
	case "flv", "ts", "rtmp", "ws-flv", "wss-flv", "https-flv":
	default:
		return nil, fmt.Errorf("unknown -proto %q", o.proto)
	}
	if o.publishers < 1 || o.viewers < 0 || o.slow < 0 {
		return nil, errors.New("-publishers must be ≥ 1, -viewers and -slow ≥ 0")
	}
	fx, err := loadFixture(o.file)
	if err != nil {
		return nil, err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()

	pid := o.pid
	if o.serverCmd != "" {
		srv, err := startServer(ctx, o.serverCmd, o.serverLog, o.rtmpAddr)
		if err != nil {
			return nil, err
		}
		defer srv.stop()
		pid = srv.cmd.Process.Pid
	}

	now := time.Now()
	r := &runner{proto: o.proto, epoch: now}
	r.end = now.Add(o.warmup + o.duration)
	r.steady = now.Add(o.warmup + o.ramp + o.settle)
	if r.steady.After(r.end) {
		r.steady = r.end
	}
	last := fx.frames[len(fx.frames)-1].Timestamp - fx.frames[0].Timestamp
	r.rate = float64(fx.bytes) / max(float64(last)/1000, 0.001)

	runCtx, stopRun := context.WithDeadline(ctx, r.end)
	defer stopRun()
	var pollWG sync.WaitGroup
	if o.proto == "flv" && !o.goroutineReaders {
		r.pollers = startPollers(runCtx, r.end, runtime.GOMAXPROCS(0), &pollWG)
	}

	// Publishers.
	pubs := make([]*publisher, o.publishers)
	var pwg sync.WaitGroup
	for i := range pubs {
		name := o.stream
		if o.publishers > 1 {
			name = fmt.Sprintf("%s%d", o.stream, i)
		}
		p := &publisher{url: "rtmp://" + o.rtmpAddr + "/" + o.app + "/" + name, fx: fx, table: &sendTable{epoch: r.epoch}}
		pubs[i] = p
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			if err := p.run(runCtx); err != nil && !isEnd(err) {
				p.err = err
				fmt.Fprintf(log, "publisher %s: %v\n", p.url, err)
			}
		}()
	}
	streamName := func(i int) string {
		if o.publishers > 1 {
			return fmt.Sprintf("%s%d", o.stream, i%o.publishers)
		}
		return o.stream
	}
	viewURL := func(i int) string {
		if u := extraURL(o.proto, o.httpAddr, o.httpsAddr, "/"+o.app+"/"+streamName(i)); u != "" {
			return u
		}
		switch o.proto {
		case "rtmp":
			return "rtmp://" + o.rtmpAddr + "/" + o.app + "/" + streamName(i)
		case "ts":
			return "http://" + o.httpAddr + "/" + o.app + "/" + streamName(i) + ".ts"
		}
		return "http://" + o.httpAddr + "/" + o.app + "/" + streamName(i) + ".flv"
	}

	// Sleep through the warm-up, then note the server's memory before viewers.
	if !sleepCtx(runCtx, o.warmup) {
		return nil, fmt.Errorf("interrupted during the warm-up")
	}
	var rssBefore int64
	if pid > 0 {
		_, rssBefore, _ = procMem(pid)
	}
	for _, p := range pubs {
		if p.sent.Load() == 0 {
			return nil, fmt.Errorf("publisher %s sent nothing during the warm-up (%v)", p.url, p.err)
		}
	}

	// Viewers, ramped up.
	total := o.viewers + o.slow
	vs := make([]*viewer, total)
	var vwg sync.WaitGroup
	rampStart := time.Now()
	for i := range vs {
		v := &viewer{r: r, pub: pubs[i%o.publishers], slow: i >= o.viewers}
		v.poller = r.pollerFor(i, v.slow)
		vs[i] = v
		if total > 1 {
			at := rampStart.Add(o.ramp * time.Duration(i) / time.Duration(total))
			if !sleepCtx(runCtx, time.Until(at)) {
				break
			}
		}
		u := viewURL(i)
		vwg.Add(1)
		go func() { defer vwg.Done(); v.run(runCtx, u) }()
	}

	hlsPlayers, hlsWG := startHLS(runCtx, o.hls, "http://"+o.httpAddr+"/"+o.app+"/"+streamName(0)+".m3u8", o.ramp)

	// The measurement window: CPU from the steady point to the end.
	var cpu0, cpu1 time.Duration
	var t0, t1 time.Time
	var rssSteady int64
	var self0, self1 time.Duration
	if sleepCtx(runCtx, time.Until(r.steady)) && pid > 0 {
		cpu0, _ = procCPU(pid)
		self0, _ = procCPU(os.Getpid())
		t0 = time.Now()
	}
	<-runCtx.Done()
	if pid > 0 && !t0.IsZero() {
		cpu1, _ = procCPU(pid)
		self1, _ = procCPU(os.Getpid())
		t1 = time.Now()
		_, rssSteady, _ = procMem(pid)
	}
	vwg.Wait()
	pollWG.Wait()
	hlsWG.Wait()
	pwg.Wait()

	res := &Result{Label: o.label, Target: o.target, CompareTo: o.compareTo, Proto: o.proto, Publishers: o.publishers, Viewers: o.viewers, PID: pid}
	var ttff []time.Duration
	var bps, slowBps float64
	for _, v := range vs {
		if v == nil {
			continue
		}
		secs := v.readEnd.Sub(v.start).Seconds()
		if v.slow {
			res.SlowViewers++
			if secs > 0 {
				slowBps += float64(v.bytes) / secs
			}
			continue
		}
		if v.err != nil {
			res.Failed++
			if res.FirstError == "" {
				res.FirstError = v.err.Error()
			}
		}
		if !v.connected {
			continue
		}
		res.Connected++
		if v.ttff >= 0 {
			ttff = append(ttff, v.ttff)
		} else {
			res.NoFrame++
		}
		if secs > 0 {
			bps += float64(v.bytes) / secs
		}
		m := v.missing()
		res.Missing += m
		res.MissingMax = max(res.MissingMax, m)
		if m > 0 {
			res.LossyViewers++
		}
		res.Unmatched += v.unmatched
	}
	for _, p := range pubs {
		res.PublishedTags += p.sent.Load()
	}
	res.HLSPlayers = len(hlsPlayers)
	hlsResult(res, hlsPlayers)
	if res.Connected > 0 {
		res.BytesPerSec = bps / float64(res.Connected)
	}
	if res.SlowViewers > 0 {
		res.SlowBytesPerSec = slowBps / float64(res.SlowViewers)
	}
	res.TTFFP50 = percentile(ttff, 0.50)
	res.TTFFP99 = percentile(ttff, 0.99)
	res.LatP50 = r.lat.quantile(0.50)
	res.LatP99 = r.lat.quantile(0.99)
	res.LatMax = float64(r.lat.max.Load()) / 1000
	res.LatSamples = r.lat.n.Load()
	res.ArrivalP50 = r.arrival.quantile(0.50)
	res.ArrivalP99 = r.arrival.quantile(0.99)
	var stamped, unstamped int64
	for _, p := range r.pollers {
		stamped, unstamped = stamped+p.stamped, unstamped+p.unstamped
	}
	if stamped > 0 {
		res.ArrivalStamped = 100 * float64(stamped) / float64(stamped+unstamped)
	}
	if pid > 0 && !t0.IsZero() {
		res.Window = t1.Sub(t0).Seconds()
		res.CPUSeconds = (cpu1 - cpu0).Seconds()
		if res.Window > 0 {
			res.CPUPercent = 100 * res.CPUSeconds / res.Window
			res.ToolCPUPercent = 100 * (self1 - self0).Seconds() / res.Window
		}
		hwm, _, err := procMem(pid)
		if err == nil {
			res.PeakRSSMB = float64(hwm) / (1 << 20)
		}
		res.RSSMB = float64(rssSteady) / (1 << 20)
		if n := res.Connected + res.SlowViewers; n > 0 && rssSteady > rssBefore {
			res.RSSPerViewerKB = float64(rssSteady-rssBefore) / 1024 / float64(n)
		}
	}
	if ctx.Err() != nil {
		return res, fmt.Errorf("interrupted")
	}
	return res, nil
}

// sleepCtx sleeps for d; it reports false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// server is a server process started by -server-cmd.
type server struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startServer runs command through sh (exec'd, so the measured PID is the
// server's) and waits until its RTMP port accepts connections.
func startServer(ctx context.Context, command, logFile, rtmpAddr string) (*server, error) {
	cmd := exec.Command("sh", "-c", "exec "+command)
	if logFile != "" {
		f, err := os.Create(logFile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", rtmpAddr, time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		select {
		case <-s.done:
			return nil, fmt.Errorf("server %q exited: %v", command, cmd.ProcessState)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server %q: %s does not accept connections", command, rtmpAddr)
		}
	}
}

// stop ends the server: SIGTERM, then SIGKILL after 5 s.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// printResult writes one run as a small human table.
func printResult(w io.Writer, r *Result) {
	name := r.Label
	if name == "" {
		name = r.Proto
	}
	fmt.Fprintf(w, "run %s: %d publisher(s), %s viewers\n", name, r.Publishers, r.Proto)
	rows := [][2]string{
		{"viewers connected", fmt.Sprintf("%d / %d (%d failed, %d without a frame)", r.Connected, r.Viewers, r.Failed, r.NoFrame)},
		{"first frame p50 / p99", fmt.Sprintf("%.0f / %.0f ms", r.TTFFP50, r.TTFFP99)},
		{"latency p50 / p99 / max", fmt.Sprintf("%.1f / %.1f / %.1f ms (%d samples)", r.LatP50, r.LatP99, r.LatMax, r.LatSamples)},
		{"arrival p50 / p99", arrivalCell(r)},
		{"tags missing", fmt.Sprintf("%d in all, at most %d per viewer, %d viewers with loss", r.Missing, r.MissingMax, r.LossyViewers)},
		{"per viewer", fmt.Sprintf("%.0f kB/s", r.BytesPerSec/1000)},
	}
	if r.SlowViewers > 0 {
		rows = append(rows, [2]string{"slow viewers", fmt.Sprintf("%d at %.0f kB/s", r.SlowViewers, r.SlowBytesPerSec/1000)})
	}
	if r.HLSPlayers > 0 {
		rows = append(rows, [2]string{"HLS players", fmt.Sprintf("%d / %d with segments, %d segments and %d playlists read, %d errors, %.0f kB/s per player, first segment p99 %.0f ms",
			r.HLSConnected, r.HLSPlayers, r.HLSSegments, r.HLSPlaylists, r.HLSErrors, r.HLSBytesPerSec/1000, r.HLSFirstSegP99)})
	}
	if r.PID > 0 {
		rows = append(rows,
			[2]string{"server CPU", fmt.Sprintf("%.2f s in %.1f s = %.1f %% of one core", r.CPUSeconds, r.Window, r.CPUPercent)},
			[2]string{"load tool CPU", fmt.Sprintf("%.1f %% of one core", r.ToolCPUPercent)},
			[2]string{"server peak RSS", fmt.Sprintf("%.1f MB (%.1f kB per viewer)", r.PeakRSSMB, r.RSSPerViewerKB)})
	}
	if r.FirstError != "" {
		rows = append(rows, [2]string{"first error", r.FirstError})
	}
	for _, row := range rows {
		fmt.Fprintf(w, "  %-24s %s\n", row[0], row[1])
	}
}

// arrivalCell is the arrival latency of a run, or why there is none.
func arrivalCell(r *Result) string {
	if r.ArrivalP99 == 0 {
		return "not measured (goroutine readers, or not HTTP-FLV)"
	}
	return fmt.Sprintf("%.1f / %.1f ms (the kernel's receive time in %.1f %% of reads, the tool's delay in reading left out)", r.ArrivalP50, r.ArrivalP99, r.ArrivalStamped)
}

// readResults reads a file of JSON lines (one Result per run) as -report
// and -plot take it; lines that are not JSON objects are skipped.
func readResults(path string) ([]Result, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var rs []Result
	for line := range strings.Lines(string(b)) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] != '{' {
			continue
		}
		var r Result
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// printReport prints a markdown table of a file of JSON lines, one row per
// run, with each run's target beside it.
func printReport(w io.Writer, path string) error {
	rs, err := readResults(path)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "| setting | viewers | connected | CPU % of a core | peak RSS MB | latency p50 / p99 / max ms | arrival p99 ms | first frame p99 ms | tags lost | kB/s per viewer | load tool CPU % | target |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rs {
		viewers := fmt.Sprintf("%d %s", r.Viewers, r.Proto)
		if r.Publishers > 1 {
			viewers = fmt.Sprintf("%d pub × 1 %s", r.Publishers, r.Proto)
		}
		if r.HLSPlayers > 0 {
			viewers += fmt.Sprintf(" + %d hls", r.HLSPlayers)
		}
		arrival := "-"
		if r.ArrivalP99 > 0 {
			arrival = fmt.Sprintf("%.1f", r.ArrivalP99)
		}
		fmt.Fprintf(w, "| %s | %s | %d | %.1f | %.1f | %.1f / %.1f / %.1f | %s | %.0f | %d | %.0f | %.0f | %s |\n",
			r.Label, viewers, r.Connected, r.CPUPercent, r.PeakRSSMB, r.LatP50, r.LatP99, r.LatMax, arrival, r.TTFFP99, r.Missing, r.BytesPerSec/1000, r.ToolCPUPercent, r.Target)
	}
	printPairs(w, rs)
	return nil
}

// printPairs prints, for each run made with -compare-to, the ratio of the
// run it names (the nearest before it, else after it) to itself: a setting
// over the floor program run beside it, two cores over one.
func printPairs(w io.Writer, rs []Result) {
	first := true
	for i, r := range rs {
		if r.CompareTo == "" {
			continue
		}
		j := -1
		for k := i - 1; k >= 0 && j < 0; k-- {
			if rs[k].Label == r.CompareTo {
				j = k
			}
		}
		for k := i + 1; k < len(rs) && j < 0; k++ {
			if rs[k].Label == r.CompareTo {
				j = k
			}
		}
		if first {
			fmt.Fprintln(w, "\nPaired runs (the first over the second, measured one after the other):")
			first = false
		}
		if j < 0 || r.CPUPercent == 0 || r.LatP99 == 0 {
			fmt.Fprintf(w, "  %s over %s: no run of %s to compare\n", r.CompareTo, r.Label, r.CompareTo)
			continue
		}
		o := rs[j]
		arrival := ""
		if o.ArrivalP99 > 0 && r.ArrivalP99 > 0 {
			arrival = fmt.Sprintf(" (arrival %.1f / %.1f ms = %.2fx)", o.ArrivalP99, r.ArrivalP99, o.ArrivalP99/r.ArrivalP99)
		}
		fmt.Fprintf(w, "  %s (%d %s) over %s (%d %s): CPU %.1f / %.1f %% = %.2fx, latency p99 %.1f / %.1f ms = %.2fx%s, tags lost %d and %d\n",
			o.Label, o.Viewers, o.Proto, r.Label, r.Viewers, r.Proto, o.CPUPercent, r.CPUPercent, o.CPUPercent/r.CPUPercent,
			o.LatP99, r.LatP99, o.LatP99/r.LatP99, arrival, o.Missing, r.Missing)
	}
}
