package api

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/picosrs/picosrs/internal/jsonw"
)

// Process and system figures from Linux's /proc, read only when asked (and
// CPU every few seconds by the sampler). Elsewhere they read as zero.

// clockTicks is USER_HZ, 100 on every Linux architecture picosrs targets.
const clockTicks = 100

// cpuSample is one reading of the process's and the system's CPU time.
type cpuSample struct {
	t          time.Time
	self       uint64 // utime + stime of this process, clock ticks
	total      uint64 // all CPU time of the system, clock ticks
	idle       uint64 // idle + iowait, clock ticks
	selfOK, ok bool
}

func readCPU(now time.Time) cpuSample {
	s := cpuSample{t: now}
	if b, err := os.ReadFile("/proc/self/stat"); err == nil {
		// Fields after the ")" that ends comm: state is field 3; utime and
		// stime are fields 14 and 15 (proc(5)).
		if i := bytes.LastIndexByte(b, ')'); i >= 0 {
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 12 {
				u, e1 := strconv.ParseUint(f[11], 10, 64)
				st, e2 := strconv.ParseUint(f[12], 10, 64)
				s.self, s.selfOK = u+st, e1 == nil && e2 == nil
			}
		}
	}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := bytes.Cut(b, []byte{'\n'})
		f := strings.Fields(string(line))
		if len(f) > 5 && f[0] == "cpu" {
			for i, v := range f[1:] {
				n, _ := strconv.ParseUint(v, 10, 64)
				s.total += n
				if i == 3 || i == 4 { // idle, iowait
					s.idle += n
				}
			}
			s.ok = true
		}
	}
	return s
}

// percent returns this process's CPU use in percent of one CPU, and the
// system's busy share in percent, between prev and s.
func (s cpuSample) percent(prev cpuSample) (self, system float64) {
	if prev.t.IsZero() {
		return 0, 0
	}
	if s.selfOK && prev.selfOK && s.self >= prev.self {
		if secs := s.t.Sub(prev.t).Seconds(); secs > 0 {
			self = float64(s.self-prev.self) / clockTicks / secs * 100
		}
	}
	if s.ok && prev.ok && s.total > prev.total && s.idle >= prev.idle {
		d := float64(s.total - prev.total)
		system = (d - float64(s.idle-prev.idle)) / d * 100
	}
	return self, system
}

// procKB reads "Key:   123 kB" lines of a /proc status-style file.
func procKB(path string, keys ...string) map[string]uint64 {
	out := map[string]uint64{}
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, want := range keys {
			if k == want {
				f := strings.Fields(v)
				if len(f) > 0 {
					n, _ := strconv.ParseUint(f[0], 10, 64)
					out[k] = n
				}
			}
		}
	}
	return out
}

// rssKB is the process's resident set size in KiB (VmRSS).
func rssKB() uint64 { return procKB("/proc/self/status", "VmRSS")["VmRSS"] }

// procFloats reads the leading numbers of a one-line /proc file.
func procFloats(path string, n int) []float64 {
	out := make([]float64, n)
	b, err := os.ReadFile(path)
	if err != nil {
		return out
	}
	for i, f := range strings.Fields(string(b)) {
		if i >= n {
			break
		}
		out[i], _ = strconv.ParseFloat(f, 64)
	}
	return out
}

// procString reads a one-line /proc file.
func procString(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

type selfJSON struct {
	Version    string  `json:"version"`
	PID        int     `json:"pid"`
	PPID       int     `json:"ppid"`
	Argv       string  `json:"argv"`
	Cwd        string  `json:"cwd"`
	MemKbyte   uint64  `json:"mem_kbyte"`
	MemPercent float64 `json:"mem_percent"`
	CPUPercent float64 `json:"cpu_percent"`
	SrsUptime  int64   `json:"srs_uptime"`
	Goroutines int     `json:"goroutines"`
	GoVersion  string  `json:"go_version"`
}

type systemJSON struct {
	CPUPercent     float64 `json:"cpu_percent"`
	MemRAMKbyte    uint64  `json:"mem_ram_kbyte"`
	MemRAMPercent  float64 `json:"mem_ram_percent"`
	MemSwapKbyte   uint64  `json:"mem_swap_kbyte"`
	MemSwapPercent float64 `json:"mem_swap_percent"`
	CPUs           int     `json:"cpus"`
	CPUsOnline     int     `json:"cpus_online"`
	Uptime         float64 `json:"uptime"`
	IdleTime       float64 `json:"ilde_time"` // sic: SRS's spelling
	Load1m         float64 `json:"load_1m"`
	Load5m         float64 `json:"load_5m"`
	Load15m        float64 `json:"load_15m"`
	SrsSampleTime  int64   `json:"srs_sample_time"`
	SrsRecvBytes   uint64  `json:"srs_recv_bytes"`
	SrsSendBytes   uint64  `json:"srs_send_bytes"`
	ConnSrs        int64   `json:"conn_srs"`
}

// summariesJSON is /api/v1/summaries.
type summariesJSON struct {
	head
	Data struct {
		OK     bool       `json:"ok"`
		NowMs  int64      `json:"now_ms"`
		Self   selfJSON   `json:"self"`
		System systemJSON `json:"system"`
	} `json:"data"`
}

func (x summariesJSON) encode(j *jsonw.Writer) {
	x.open(j)
	j.Key("data").Object()
	j.Key("ok").Bool(x.Data.OK)
	j.Key("now_ms").Int64(x.Data.NowMs)
	s := x.Data.Self
	j.Key("self").Object()
	j.Key("version").Str(s.Version)
	j.Key("pid").Int(s.PID)
	j.Key("ppid").Int(s.PPID)
	j.Key("argv").Str(s.Argv)
	j.Key("cwd").Str(s.Cwd)
	j.Key("mem_kbyte").Uint64(s.MemKbyte)
	j.Key("mem_percent").Float(s.MemPercent)
	j.Key("cpu_percent").Float(s.CPUPercent)
	j.Key("srs_uptime").Int64(s.SrsUptime)
	j.Key("goroutines").Int(s.Goroutines)
	j.Key("go_version").Str(s.GoVersion)
	j.EndObject()
	y := x.Data.System
	j.Key("system").Object()
	j.Key("cpu_percent").Float(y.CPUPercent)
	j.Key("mem_ram_kbyte").Uint64(y.MemRAMKbyte)
	j.Key("mem_ram_percent").Float(y.MemRAMPercent)
	j.Key("mem_swap_kbyte").Uint64(y.MemSwapKbyte)
	j.Key("mem_swap_percent").Float(y.MemSwapPercent)
	j.Key("cpus").Int(y.CPUs)
	j.Key("cpus_online").Int(y.CPUsOnline)
	j.Key("uptime").Float(y.Uptime)
	j.Key("ilde_time").Float(y.IdleTime)
	j.Key("load_1m").Float(y.Load1m)
	j.Key("load_5m").Float(y.Load5m)
	j.Key("load_15m").Float(y.Load15m)
	j.Key("srs_sample_time").Int64(y.SrsSampleTime)
	j.Key("srs_recv_bytes").Uint64(y.SrsRecvBytes)
	j.Key("srs_send_bytes").Uint64(y.SrsSendBytes)
	j.Key("conn_srs").Int64(y.ConnSrs)
	j.EndObject()
	j.EndObject()
	j.EndObject()
}

// summaries is /api/v1/summaries: the process and, on Linux, the system.
func (a *Server) summaries() answer {
	now := time.Now()
	selfCPU, sysCPU := a.stats.cpuPercent()
	mem := procKB("/proc/meminfo", "MemTotal", "MemAvailable", "SwapTotal", "SwapFree")
	rss := rssKB()
	cwd, _ := os.Getwd()
	self := selfJSON{
		Version: a.cfg.Load().Version, PID: os.Getpid(), PPID: os.Getppid(),
		Argv: strings.Join(os.Args, " "), Cwd: cwd,
		MemKbyte: rss, CPUPercent: selfCPU,
		SrsUptime:  int64(now.Sub(a.start).Seconds()),
		Goroutines: runtime.NumGoroutine(), GoVersion: runtime.Version(),
	}
	sys := systemJSON{CPUPercent: sysCPU, CPUs: runtime.NumCPU(), CPUsOnline: runtime.NumCPU()}
	if t := mem["MemTotal"]; t > 0 {
		self.MemPercent = float64(rss) / float64(t) * 100
		sys.MemRAMKbyte = t
		sys.MemRAMPercent = float64(t-min(t, mem["MemAvailable"])) / float64(t) * 100
	}
	if t := mem["SwapTotal"]; t > 0 {
		sys.MemSwapKbyte = t
		sys.MemSwapPercent = float64(t-min(t, mem["SwapFree"])) / float64(t) * 100
	}
	up := procFloats("/proc/uptime", 2)
	sys.Uptime, sys.IdleTime = up[0], up[1]
	la := procFloats("/proc/loadavg", 3)
	sys.Load1m, sys.Load5m, sys.Load15m = la[0], la[1], la[2]
	in, out, _ := a.stats.totals()
	sys.SrsSampleTime, sys.SrsRecvBytes, sys.SrsSendBytes = now.UnixMilli(), in, out
	sys.ConnSrs = a.conns()
	ans := summariesJSON{head: a.head()}
	ans.Data.OK, ans.Data.NowMs, ans.Data.Self, ans.Data.System = true, now.UnixMilli(), self, sys
	return ans
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
