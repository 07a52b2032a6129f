package main

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/mpegts"
)

func TestHistogram(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	cases := []struct {
		q    float64
		want float64 // ms
	}{{0.5, 500}, {0.99, 990}, {0, 1}}
	for _, c := range cases {
		if got := h.quantile(c.q); got < c.want*0.98 || got > c.want*1.02 {
			t.Errorf("quantile(%v) = %v ms, want %v ± 2 %%", c.q, got, c.want)
		}
	}
	if got := h.max.Load(); got != 1000000 {
		t.Errorf("max = %d µs, want 1000000", got)
	}
	// Every bucket's middle maps back to the bucket.
	for i := range histBuckets - 1 {
		if j := histIndex(uint64(histValue(i))); j != i {
			t.Fatalf("histIndex(histValue(%d)) = %d", i, j)
		}
	}
}

func TestParseStat(t *testing.T) {
	// The command name may contain spaces and parentheses.
	s := "1234 (pico srs) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100 0 0"
	got, err := parseStat(s)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 * time.Second; got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
	if _, err := parseStat("1 (x) S 1"); err == nil {
		t.Fatal("short stat: no error")
	}
}

func TestParseStatus(t *testing.T) {
	s := "Name:\tpicosrs\nVmPeak:\t  999 kB\nVmHWM:\t   20480 kB\nVmRSS:\t   10240 kB\n"
	hwm, rss, err := parseStatus(bufio.NewScanner(strings.NewReader(s)))
	if err != nil {
		t.Fatal(err)
	}
	if hwm != 20<<20 || rss != 10<<20 {
		t.Fatalf("got hwm %d rss %d", hwm, rss)
	}
}

func TestSendTable(t *testing.T) {
	st := &sendTable{epoch: time.Now()}
	at := st.epoch.Add(1500 * time.Microsecond)
	st.put(trackVideo, 40, 7, at)
	us, seq, ok := st.get(trackVideo, 40)
	if !ok || us != 1500 || seq != 7 {
		t.Fatalf("get = %d, %d, %v", us, seq, ok)
	}
	if _, _, ok := st.get(trackAudio, 40); ok {
		t.Fatal("audio track matched a video tag")
	}
	// A timestamp one window later reuses the slot and replaces the old tag.
	st.put(trackVideo, 40+tableSlots, 8, at)
	if _, _, ok := st.get(trackVideo, 40); ok {
		t.Fatal("stale tag matched")
	}
}

// TestReadTS feeds a TS stream from our own muxer to a TS viewer and checks
// that it finds the PIDs and matches every audio frame by its PTS.
func TestReadTS(t *testing.T) {
	w := mpegts.NewWriter()
	w.SetAudio(mpegts.AudioAAC)
	w.SetAACConfig([]byte{0x12, 0x10}) // AAC-LC, 44.1 kHz, stereo
	ts := w.AppendPATPMT(nil)
	r := &runner{epoch: time.Now()}
	r.steady = r.epoch
	r.end = r.epoch.Add(time.Hour)
	pub := &publisher{table: &sendTable{epoch: r.epoch}}
	for i := range 10 {
		ms := uint32(i * 23)
		pub.table.put(trackAudio, ms, uint64(i), r.epoch)
		var err error
		ts, err = w.AppendAudio(ts, int64(ms)*90, bytes.Repeat([]byte{byte(i)}, 300))
		if err != nil {
			t.Fatal(err)
		}
	}
	v := &viewer{r: r, pub: pub, ttff: -1, start: r.epoch}
	v.synced = true // audio only: no keyframe to wait for
	err := v.readTS(bufio.NewReaderSize(bytes.NewReader(ts), bodyBuffer))
	if err != io.EOF {
		t.Fatalf("readTS: %v", err)
	}
	if v.got != 10 || v.unmatched != 0 || v.missing() != 0 {
		t.Fatalf("got %d, unmatched %d, missing %d", v.got, v.unmatched, v.missing())
	}
	if n := r.lat.n.Load(); n != 10 {
		t.Fatalf("latency samples %d, want 10", n)
	}
}

func TestPESTime(t *testing.T) {
	// PTS only (flags 10) of 90*1234, then PTS+DTS (flags 11) with DTS 90*1000.
	put := func(b []byte, marker byte, v int64) {
		b[0] = marker<<4 | byte(v>>29)&0x0e | 1
		b[1] = byte(v >> 22)
		b[2] = byte(v>>14) | 1
		b[3] = byte(v >> 7)
		b[4] = byte(v<<1) | 1
	}
	p := []byte{0, 0, 1, 0xc0, 0, 0, 0x80, 0x80, 5, 0, 0, 0, 0, 0}
	put(p[9:], 2, 90*1234)
	if ms, ok := pesTime(p); !ok || ms != 1234 {
		t.Fatalf("PTS: %d %v", ms, ok)
	}
	p = []byte{0, 0, 1, 0xe0, 0, 0, 0x80, 0xc0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	put(p[9:], 3, 90*1040)
	put(p[14:], 1, 90*1000)
	if ms, ok := pesTime(p); !ok || ms != 1000 {
		t.Fatalf("DTS: %d %v", ms, ok)
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, c := range []struct {
		addr string
		ok   bool
	}{{"127.0.0.1:1935", true}, {"[::1]:8080", true}, {"localhost:1", true}, {"10.0.0.1:1935", false}, {"example.com:80", false}} {
		if err := checkLoopback(c.addr); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.addr, err)
		}
	}
}

// TestReportAndPlot: -report and -plot read the same JSON lines; the table
// has a row per run, the plot a point per HTTP-FLV run (baselines apart)
// and skips what is not on the HTTP-FLV trade-off.
func TestReportAndPlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	lines := `building picosrs
{"label":"mw0","proto":"flv","viewers":1000,"publishers":1,"server_cpu_pct":63.6,"latency_p99_ms":25.5,"target":"≤48 %"}
{"label":"base0","proto":"flv","viewers":1000,"publishers":1,"server_cpu_pct":58,"latency_p99_ms":22.9,"compare_to":"mw0"}
{"label":"rtmp","proto":"rtmp","viewers":1000,"publishers":1,"server_cpu_pct":11.5,"latency_p99_ms":383}
`
	if err := os.WriteFile(path, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	var report, plot, errs bytes.Buffer
	if code := run([]string{"-report", path}, &report, &errs); code != 0 {
		t.Fatalf("-report: exit %d: %s", code, errs.String())
	}
	if rows := strings.Count(report.String(), "\n| "); rows != 3 {
		t.Fatalf("-report: %d rows, want 3:\n%s", rows, report.String())
	}
	if !strings.Contains(report.String(), "| mw0 | 1000 flv |") {
		t.Fatalf("-report lacks the mw0 row:\n%s", report.String())
	}
	if want := "mw0 (1000 flv) over base0 (1000 flv): CPU 63.6 / 58.0 % = 1.10x, latency p99 25.5 / 22.9 ms = 1.11x"; !strings.Contains(report.String(), want) {
		t.Fatalf("-report lacks the paired line %q:\n%s", want, report.String())
	}
	if code := run([]string{"-plot", path}, &plot, &errs); code != 0 {
		t.Fatalf("-plot: exit %d: %s", code, errs.String())
	}
	svg := plot.String()
	if !strings.HasPrefix(svg, "<svg") || !strings.HasSuffix(svg, "</svg>\n") {
		t.Fatal("-plot did not write one SVG document")
	}
	for _, want := range []string{">mw0 (1000)<", ">base0 (1000)<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("plot lacks %q", want)
		}
	}
	if strings.Contains(svg, "rtmp (1000)") {
		t.Error("plot shows the RTMP run, which is not on the HTTP-FLV trade-off")
	}
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	os.WriteFile(bad, []byte("{not json\n"), 0o644)
	if code := run([]string{"-plot", bad}, &plot, &errs); code == 0 {
		t.Error("-plot of a broken file exited 0")
	}
}
