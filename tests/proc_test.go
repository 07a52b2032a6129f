package tests

// What /proc tells about a running server: open files, threads, memory, the
// TCP connections it holds, and (through the API, when the server has one)
// its goroutines. picosrs has no pprof endpoint, so these stand in for the
// heap and the goroutine dump.

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// procStat is a snapshot of the server process.
type procStat struct {
	fds, threads, rssKB int
	goroutines          int // -1 when the server has no API to ask
}

func (p procStat) String() string {
	return fmt.Sprintf("fds=%d threads=%d goroutines=%d rss=%dKiB", p.fds, p.threads, p.goroutines, p.rssKB)
}

// stat reads the server's open files, threads and resident memory from
// /proc, and its goroutines from /api/v1/summaries when it has an API.
func (s *server) stat(t testing.TB) procStat {
	t.Helper()
	pid := s.cmd.Process.Pid
	ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		t.Fatalf("no /proc for the server: %v", err)
	}
	st := procStat{fds: len(ents), goroutines: -1}
	status := procStatus(t, pid)
	st.threads, st.rssKB = status.threads, int(status.rss>>10)
	if s.apiOn {
		st.goroutines = s.goroutines(t)
	}
	return st
}

// goroutines asks the server's API (/api/v1/summaries, self.goroutines) how
// many goroutines it runs; the answer counts the one serving the request.
func (s *server) goroutines(t testing.TB) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.apiURL("/api/v1/summaries"), nil)
	if s.apiUser != "" {
		req.SetBasicAuth(s.apiUser, s.apiPass)
	}
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("summaries: %v", err)
	}
	defer resp.Body.Close()
	var m struct {
		Data struct {
			Self struct {
				Goroutines int `json:"goroutines"`
			} `json:"self"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || resp.StatusCode != 200 {
		t.Fatalf("summaries: %s %v", resp.Status, err)
	}
	return m.Data.Self.Goroutines
}

// tcpSock is one line of /proc/net/tcp or tcp6.
type tcpSock struct {
	localPort, remotePort int
	listen                bool
	inode                 string
}

// tcpSockets lists the TCP sockets of this network namespace.
func tcpSockets(t testing.TB) []tcpSock {
	t.Helper()
	var out []tcpSock
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			if name == "/proc/net/tcp6" {
				continue // no IPv6
			}
			t.Fatalf("no /proc/net: %v", err)
		}
		sc := bufio.NewScanner(f)
		sc.Scan() // the header
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 10 {
				continue
			}
			out = append(out, tcpSock{localPort: hexPort(f[1]), remotePort: hexPort(f[2]), listen: f[3] == "0A", inode: f[9]})
		}
		if err := sc.Err(); err != nil {
			t.Fatalf("reading %s: %v", name, err) // a partial table would miscount
		}
		f.Close()
	}
	return out
}

// hexPort is the port of a /proc/net/tcp address ("0100007F:1F90").
func hexPort(addr string) int {
	_, p, _ := strings.Cut(addr, ":")
	b, err := hex.DecodeString(p)
	if err != nil || len(b) != 2 {
		return -1
	}
	return int(b[0])<<8 | int(b[1])
}

// socketInodes returns the inodes of the sockets the server has open.
func (s *server) socketInodes(t testing.TB) map[string]bool {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", s.cmd.Process.Pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("no /proc for the server: %v", err)
	}
	inodes := map[string]bool{}
	for _, e := range ents {
		l, err := os.Readlink(dir + "/" + e.Name())
		if err == nil && strings.HasPrefix(l, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(l, "socket:["), "]")] = true
		}
	}
	return inodes
}

// conns counts the TCP connections the server holds open (its sockets that
// are not listening): what a client can make it keep.
func (s *server) conns(t testing.TB) int {
	t.Helper()
	inodes := s.socketInodes(t)
	n := 0
	for _, sk := range tcpSockets(t) {
		if inodes[sk.inode] && !sk.listen {
			n++
		}
	}
	return n
}

// held reports, for each of cs (our ends of connections to the server),
// whether the server still holds its end open. It looks at the server's
// file descriptors, not at our socket: a client that never reads may never
// see the FIN of a server that has closed.
func (s *server) held(t testing.TB, cs []net.Conn) []bool {
	t.Helper()
	inodes := s.socketInodes(t)
	byPeer := map[[2]int]string{}
	for _, sk := range tcpSockets(t) {
		byPeer[[2]int{sk.localPort, sk.remotePort}] = sk.inode
	}
	out := make([]bool, len(cs))
	for i, c := range cs {
		l, r := c.LocalAddr().(*net.TCPAddr), c.RemoteAddr().(*net.TCPAddr)
		ino, ok := byPeer[[2]int{r.Port, l.Port}]
		out[i] = ok && inodes[ino]
	}
	return out
}

// countTrue counts the true values of bs.
func countTrue(bs []bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// waitReleased waits until the server holds none of cs, for at most d, and
// returns how long that took; ok is false when some were still held at d.
func (s *server) waitReleased(t testing.TB, cs []net.Conn, d time.Duration) (took time.Duration, left int) {
	t.Helper()
	start := time.Now()
	for {
		left = countTrue(s.held(t, cs))
		if left == 0 || time.Since(start) > d {
			return time.Since(start), left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitConns waits until the server holds exactly want connections, for at
// most d (an event to wait for instead of a fixed sleep); it fails the test
// at d.
func (s *server) waitConns(t testing.TB, want int, d time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		n := s.conns(t)
		if n == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the server holds %d connections after %v, want %d", what, n, d, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// memWatch samples a server's memory every few milliseconds from the moment
// it starts and keeps the peak, and kills the server when its resident
// memory passes a ceiling, so that an attack that makes it allocate
// gigabytes fails the test instead of taking the machine down.
//
// Resident memory alone misses an allocation the server never touches (a
// buffer sized from a length on the wire and filled no further: fresh pages
// from the OS are zero and cost no RSS until written, and whether they are
// fresh depends on the runtime's state), so the watch also follows VmData,
// the writable memory mapped: the Go heap maps every allocation it cannot
// place in memory it already has, in steps of up to 4 MiB, and never
// unmaps. The growth it reports is the larger of the two.
type memWatch struct {
	s        *server
	ceilKB   int
	dataKB   int64 // VmData at the start
	peakKB   atomic.Int64
	peakData atomic.Int64
	killed   atomic.Bool
	stopped  chan struct{}
	once     sync.Once
}

// watchMemory starts a memWatch with the given RSS ceiling (KiB). It also
// resets the kernel's peak (VmHWM, through clear_refs) so peak() sees the
// attack, not the warm-up.
func (s *server) watchMemory(t testing.TB, ceilKB int) *memWatch {
	t.Helper()
	os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0) // best effort: sampling covers the rest
	m := &memWatch{s: s, ceilKB: ceilKB, stopped: make(chan struct{})}
	st, err := readStatus(s.cmd.Process.Pid)
	if err != nil {
		t.Fatalf("no /proc for the server: %v", err)
	}
	m.dataKB = st.data >> 10
	m.sample()
	go func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-m.stopped:
				return
			case <-s.exited:
				return
			case <-tick.C:
			}
			if kb := m.sample(); kb > ceilKB && !m.killed.Load() {
				m.killed.Store(true)
				s.cmd.Process.Kill()
			}
		}
	}()
	t.Cleanup(m.stop)
	return m
}

// sample records the current memory in the peaks and returns the RSS (KiB).
func (m *memWatch) sample() int {
	st, err := readStatus(m.s.cmd.Process.Pid)
	if err != nil {
		return 0
	}
	kb := max(st.rss, st.hwm) >> 10
	if kb > m.peakKB.Load() {
		m.peakKB.Store(kb)
	}
	if d := st.data >> 10; d > m.peakData.Load() {
		m.peakData.Store(d)
	}
	return int(st.rss >> 10)
}

func (m *memWatch) stop() { m.once.Do(func() { close(m.stopped) }) }

// check fails the test when the server's memory grew by more than boundKB
// during the watch (RSS over base's, or VmData over the watch's start), or
// the watch had to kill it.
func (m *memWatch) check(t testing.TB, base procStat, boundKB int, what string) {
	t.Helper()
	m.sample()
	if m.killed.Load() {
		t.Errorf("%s: server RSS passed %d MiB and was killed to protect the machine (baseline %d KiB)", what, m.ceilKB>>10, base.rssKB)
		return
	}
	rss, data := int(m.peakKB.Load())-base.rssKB, int(m.peakData.Load()-m.dataKB)
	if rss > boundKB || data > boundKB {
		t.Errorf("%s: memory grew by %d KiB resident, %d KiB mapped (VmData), over the %d KiB bound (baseline RSS %d KiB)", what, rss, data, boundKB, base.rssKB)
	} else {
		t.Logf("%s: memory grew by %d KiB resident, %d KiB mapped (bound %d KiB)", what, rss, data, boundKB)
	}
}

// readStatus is procStatus without a testing.TB, for goroutines.
func readStatus(pid int) (status, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return status{}, err
	}
	var st status
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			st.rss = n << 10
		case "VmHWM":
			st.hwm = n << 10
		case "VmData":
			st.data = n << 10
		case "Threads":
			st.threads = int(n)
		}
	}
	return st, nil
}
