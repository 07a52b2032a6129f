package tests

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/fixture"
	"github.com/picosrs/picosrs/internal/testtool"
)

// httpsConfig serves live mounts, files and the API over HTTP and HTTPS
// ({HTTPS}, {KEY}, {CERT} and {DIR} are filled by startHTTPS).
const httpsConfig = `
listen {RTMP};
daemon off;
srs_log_tank console;
write_timeout 3;
http_server {
    enabled on;
    listen {HTTP};
    dir {DIR};
    https {
        enabled on;
        listen {HTTPS};
        key {KEY};
        cert {CERT};
    }
}
http_api {
    enabled on;
    listen {HTTP};
    https {
        enabled on;
        key {KEY};
        cert {CERT};
    }
}
vhost __defaultVhost__ {
    http_remux {
        enabled on;
        mount [vhost]/[app]/[stream].flv [vhost]/[app]/[stream].ts [vhost]/[app]/[stream].mp3 [vhost]/[app]/[stream].aac;
        fast_cache 5;
    }
    play {
        gop_cache on;
        mw_latency 100;
    }
}
`

// tlsServer is a picosrs with HTTPS on, and what a client needs to trust it.
type tlsServer struct {
	*server
	HTTPS      int
	dir        string
	cert, key  string
	clientConf *tls.Config
}

func (s *tlsServer) httpsURL(path string) string {
	return fmt.Sprintf("https://127.0.0.1:%d/%s", s.HTTPS, path)
}

// client returns an HTTPS client that trusts the test certificate.
func (s *tlsServer) client() *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: s.clientConf.Clone()}}
}

// startHTTPS writes a test CA certificate and key (fixture.WriteCert: a
// self-signed CA for localhost and 127.0.0.1) and starts picosrs on
// httpsConfig with them.
func startHTTPS(t *testing.T, config string) *tlsServer {
	t.Helper()
	dir := t.TempDir()
	cert, key := fixture.WriteCert(t, dir, "server.crt", "server.key")
	s := &tlsServer{HTTPS: freePort(t), dir: dir, cert: cert, key: key}
	config = strings.NewReplacer("{HTTPS}", fmt.Sprint(s.HTTPS), "{KEY}", key, "{CERT}", cert, "{DIR}", dir).Replace(config)
	s.server = startServer(t, config)
	waitPort(t, s.HTTPS, s.exited)
	s.clientConf = &tls.Config{RootCAs: certPool(t, cert), ServerName: "127.0.0.1"}
	return s
}

func certPool(t testing.TB, file string) *x509.CertPool {
	t.Helper()
	pem, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pem) {
		t.Fatalf("%s: no certificate", file)
	}
	return p
}

// TestHTTPSEveryMount: ffprobe and ffmpeg, trusting the test CA, read every
// live mount over HTTPS (FLV, TS, AAC, MP3), a static file, an FLV file from
// a keyframe offset (?start=) and the API, as over plain HTTP.
func TestHTTPSEveryMount(t *testing.T) {
	t.Parallel()
	s := startHTTPS(t, httpsConfig)
	ca := []string{"-ca_file", s.cert, "-tls_verify", "1"}
	publish(t, "h264_aac.flv", s.rtmpURL("live/a"), 1, true)
	publish(t, "h264_mp3.flv", s.rtmpURL("live/m"), 1, true)
	s.waitLive(t, "live/a.flv")
	s.waitLive(t, "live/m.flv")
	for _, c := range []struct {
		path string
		want []string
	}{
		{"live/a.flv", []string{"h264", "aac"}},
		{"live/a.ts", []string{"h264", "aac"}},
		{"live/a.aac", []string{"aac"}},
		{"live/m.mp3", []string{"mp3"}},
	} {
		if got := ffprobe(t, s.httpsURL(c.path), ca...).codecs(); !sameSet(got, c.want) {
			t.Errorf("https %s: codecs %v, want %v", c.path, got, c.want)
		}
	}
	decodeTLS(t, s, "live/a.flv", 3)
	decodeTLS(t, s, "live/a.ts", 3)

	// A file, an FLV file from a keyframe, the API.
	if err := os.WriteFile(filepath.Join(s.dir, "hello.txt"), []byte("hello over tls\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hc := s.client()
	resp, err := hc.Get(s.httpsURL("hello.txt"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello over tls\n" || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Errorf("static file over https: %d %q %+v", resp.StatusCode, body, resp.TLS)
	}
	_, keys := vodFixture(t, s.dir)
	if got := ffprobe(t, s.httpsURL(fmt.Sprintf("vod/a/fixture.flv?start=%d", keys[0])), ca...).codecs(); !sameSet(got, []string{"h264", "aac"}) {
		t.Errorf("https vod: codecs %v", got)
	}
	resp, err = hc.Get(s.httpsURL("api/v1/clients"))
	if err != nil {
		t.Fatal(err)
	}
	var clients struct {
		Code    int `json:"code"`
		Clients []struct {
			Type string `json:"type"`
		} `json:"clients"`
	}
	err = json.NewDecoder(resp.Body).Decode(&clients)
	resp.Body.Close()
	if err != nil || clients.Code != 0 || len(clients.Clients) < 2 {
		t.Errorf("api over https: %v %+v", err, clients)
	}
	// TLS 1.1 is refused.
	old := s.clientConf.Clone()
	old.MaxVersion = tls.VersionTLS11
	if c, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.HTTPS), old); err == nil {
		c.Close()
		t.Error("a TLS 1.1 handshake succeeded")
	}
}

// decodeTLS plays an HTTPS URL with ffmpeg -xerror for the given seconds,
// trusting the test CA.
func decodeTLS(t *testing.T, s *tlsServer, path string, seconds int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds+30)*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, testtool.Need(t, "ffmpeg"), "-hide_banner", "-nostdin", "-v", "error", "-xerror", "-rw_timeout", "15000000",
		"-ca_file", s.cert, "-tls_verify", "1", "-i", s.httpsURL(path), "-t", fmt.Sprint(seconds), "-f", "null", "-").CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) != 0 {
		t.Fatalf("ffmpeg decode %s: %v\n%s", s.httpsURL(path), err, out)
	}
}

// tlsFLVViewer reads an HTTPS-FLV stream and counts its tags until the
// test ends.
func tlsFLVViewer(t *testing.T, s *tlsServer, path string) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	resp, err := s.client().Get(s.httpsURL(path))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %v %v", path, err, resp)
	}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		r := flv.NewReader(bufio.NewReader(resp.Body))
		if _, err := r.ReadHeader(); err != nil {
			return
		}
		for {
			if _, err := r.ReadTag(); err != nil {
				return
			}
			n.Add(1)
		}
	}()
	return &n
}

// serial returns the serial number of the certificate a new handshake gets.
func (s *tlsServer) serial(t *testing.T) string {
	t.Helper()
	c, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", s.HTTPS), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

// TestHTTPSReload: SIGHUP with a renewed key pair serves it to new
// handshakes while a viewer that came before keeps receiving; a pair that
// does not load is refused with its file:line and the old one stays.
func TestHTTPSReload(t *testing.T) {
	t.Parallel()
	s := startHTTPS(t, httpsConfig)
	publish(t, "h264_aac.flv", s.rtmpURL("live/r"), 1, true)
	s.waitLive(t, "live/r.flv")
	v := tlsFLVViewer(t, s, "live/r.flv")
	first := s.serial(t)

	fixture.WriteCert(t, s.dir, "server.crt", "server.key") // renewed in place
	s.hup(t, "reload done")
	second := s.serial(t)
	if second == first {
		t.Fatalf("serial %s still served after the reload", first)
	}
	before := v.Load()
	time.Sleep(2 * time.Second)
	if after := v.Load(); after <= before || before == 0 {
		t.Fatalf("the viewer from before the reload got %d then %d tags", before, after)
	}

	if err := os.WriteFile(s.cert, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s.hup(t, "reload refused")
	line := s.Log()[strings.LastIndex(s.Log(), "reload refused"):]
	line = line[:strings.IndexByte(line, '\n')]
	if !strings.Contains(line, s.configFile()+":") || !strings.Contains(line, "https") {
		t.Errorf("refusal does not name the file:line and the https block: %s", line)
	}
	if got := s.serial(t); got != second {
		t.Errorf("after a refused reload the serial is %s, want %s", got, second)
	}
	before = v.Load()
	time.Sleep(time.Second)
	if v.Load() <= before {
		t.Error("the viewer stopped after the refused reload")
	}
}
