package main

import (
	"bufio"
	"fmt"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// histogram counts durations in µs in log-linear buckets (64 per power of
// two, so within 1.6 %), safe for concurrent use without locks.
type histogram struct {
	b   [histBuckets]atomic.Uint64
	n   atomic.Uint64
	max atomic.Int64 // µs
}

const (
	histLinear  = 128 // µs below which buckets are 1 µs wide
	histSub     = 64  // buckets per power of two above
	histBuckets = histLinear + 40*histSub
)

func histIndex(us uint64) int {
	if us < histLinear {
		return int(us)
	}
	e := bits.Len64(us) - 7 // us>>e is in [64, 128)
	i := histLinear + (e-1)*histSub + int(us>>e) - histSub
	return min(i, histBuckets-1)
}

// histValue is the middle of bucket i, in µs.
func histValue(i int) float64 {
	if i < histLinear {
		return float64(i)
	}
	e := (i-histLinear)/histSub + 1
	lo := uint64((i-histLinear)%histSub+histSub) << e
	return float64(lo) + float64(uint64(1)<<e)/2
}

func (h *histogram) add(d time.Duration) {
	us := d.Microseconds()
	if us < 0 {
		us = 0
	}
	h.b[histIndex(uint64(us))].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if us <= m || h.max.CompareAndSwap(m, us) {
			break
		}
	}
}

// quantile returns the q-quantile (0..1) in ms, or 0 when empty.
func (h *histogram) quantile(q float64) float64 {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(q*float64(n-1)) + 1
	var c uint64
	for i := range h.b {
		c += h.b[i].Load()
		if c >= rank {
			return histValue(i) / 1000
		}
	}
	return float64(h.max.Load()) / 1000
}

// percentile returns the q-quantile (0..1) of ds in ms, or 0 when empty.
func percentile(ds []time.Duration, q float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q * float64(len(s)-1))
	return float64(s[i]) / float64(time.Millisecond)
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// procCPU returns the CPU time (user+system) of process pid.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStat(string(b))
}

// parseStat reads utime and stime (fields 14 and 15) of /proc/PID/stat. The
// command name (field 2) may hold spaces, so fields count from its ')'.
func parseStat(s string) (time.Duration, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc stat: no command name")
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state): utime is f[11], stime f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: %d fields", len(f))
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("proc stat: bad utime/stime %q %q", f[11], f[12])
	}
	return time.Duration(u+st) * time.Second / clockTicks, nil
}

// procMem returns VmHWM (peak RSS) and VmRSS of process pid, in bytes.
func procMem(pid int) (hwm, rss int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	return parseStatus(bufio.NewScanner(f))
}

func parseStatus(sc *bufio.Scanner) (hwm, rss int64, err error) {
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmHWM" && k != "VmRSS") {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("proc status %s: %w", k, err)
		}
		if k == "VmHWM" {
			hwm = n << 10
		} else {
			rss = n << 10
		}
	}
	return hwm, rss, sc.Err()
}
