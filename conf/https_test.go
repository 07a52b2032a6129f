package conf

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeKeyPair writes a throwaway self-signed ECDSA P-256 certificate and
// its key as PEM files.
func writeKeyPair(t *testing.T, keyFile, certFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "picosrs test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, keyFile, "EC PRIVATE KEY", kder)
	writePEM(t, certFile, "CERTIFICATE", der)
}

func writePEM(t *testing.T, name, typ string, der []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestHTTPSDefaults(t *testing.T) {
	c := mustLoad(t, "listen 1935;\nvhost v {}\n", nil)
	want := HTTPS{Listen: "8088", Key: "./conf/server.key", Cert: "./conf/server.crt"}
	if c.HTTPServer.HTTPS != want {
		t.Errorf("http_server.https = %+v, want %+v", c.HTTPServer.HTTPS, want)
	}
	want.Listen = "1990"
	if c.HTTPAPI.HTTPS != want {
		t.Errorf("http_api.https = %+v, want %+v", c.HTTPAPI.HTTPS, want)
	}
}

func TestHTTPSListenSharedPort(t *testing.T) {
	cases := []struct {
		name, conf string
		env        []string
		want       string // http_api.https.listen
		warn       bool   // the explicit 1991 is overridden, with a warning
	}{
		// SRS get_https_api_listens: the API on the HTTP server's port
		// takes the HTTPS server's port, whatever http_api.https says.
		{"shared", "http_server { listen 8080; https { listen 8443; } }\nhttp_api { listen 8080; https { listen 1991; } }", nil, "8443", true},
		{"sharedDefault", "http_server { listen 1985; }\nhttp_api { https { listen 1991; } }", nil, "8088", true},
		{"own", "http_server { listen 8080; }\nhttp_api { listen 1985; https { listen 1991; } }", nil, "1991", false},
		{"env", "http_server { listen 8080; }\nhttp_api { listen 8080; https { listen 1991; } }", []string{"SRS_HTTP_API_HTTPS_LISTEN", "1992"}, "1992", false},
		{"sharedByEnv", "http_server { listen 8080; }", []string{"SRS_HTTP_API_LISTEN", "8080", "SRS_HTTP_SERVER_HTTPS_LISTEN", "9443"}, "9443", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, w, err := load(t, "listen 1935;\n"+tc.conf+"\n", envMap(tc.env...))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.HTTPAPI.HTTPS.Listen; got != tc.want {
				t.Fatalf("http_api.https.listen = %q, want %q", got, tc.want)
			}
			// An explicit listen that the rule overrides is not silently dropped.
			if hasWarning(w, "http_api.https.listen 1991 ignored") != tc.warn {
				t.Fatalf("warnings %v", w)
			}
		})
	}
}

func TestHTTPSFIFO(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := mkfifo(fifo); err != nil {
		t.Skip("no FIFO:", err)
	}
	h := HTTPS{Key: fifo, Cert: fifo}
	done := make(chan error, 1)
	go func() { _, err := h.LoadCertificate(); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("got %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("LoadCertificate blocked on a FIFO")
	}
}

func TestHTTPSEnv(t *testing.T) {
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem")
	writeKeyPair(t, key, cert)
	for _, block := range []string{"HTTP_SERVER", "HTTP_API"} {
		t.Run(block, func(t *testing.T) {
			env := envMap("SRS_"+block+"_HTTPS_ENABLED", "on", "SRS_"+block+"_HTTPS_LISTEN", "9443",
				"SRS_"+block+"_HTTPS_KEY", key, "SRS_"+block+"_HTTPS_CERT", cert)
			c := mustLoad(t, "listen 1935;\n", env)
			h := c.HTTPServer.HTTPS
			if block == "HTTP_API" {
				h = c.HTTPAPI.HTTPS
			}
			if !h.Enabled || h.Listen != "9443" || h.Key != key || h.Cert != cert || h.Certificate == nil {
				t.Fatalf("%+v", h)
			}
		})
	}
}

func TestHTTPSKeyPair(t *testing.T) {
	dir := t.TempDir()
	good := func(name string) string { return filepath.Join(dir, name) }
	writeKeyPair(t, good("a.key"), good("a.crt"))
	writeKeyPair(t, good("b.key"), good("b.crt"))
	if err := os.WriteFile(good("garbage.crt"), []byte("not PEM"), 0o600); err != nil {
		t.Fatal(err)
	}
	block := func(key, cert string) string {
		return "listen 1935;\nhttp_server {\n    https {\n        enabled on;\n        key " + key + ";\n        cert " + cert + ";\n    }\n}\n"
	}
	cases := []struct {
		name string
		conf string
		env  []string
		want string // error text, "" for success
	}{
		{"good", block(good("a.key"), good("a.crt")), nil, ""},
		{"missingKey", block(good("none.key"), good("a.crt")), nil,
			"t.conf:5: http_server.https.key " + good("none.key") + ": no such file or directory"},
		{"missingCert", block(good("a.key"), good("none.crt")), nil,
			"t.conf:6: http_server.https.cert " + good("none.crt") + ": no such file or directory"},
		{"mismatch", block(good("a.key"), good("b.crt")), nil,
			"t.conf:6: http_server.https: key " + good("a.key") + " and cert " + good("b.crt") +
				" are not a usable pair: tls: private key does not match public key"},
		{"notPEM", block(good("a.key"), good("garbage.crt")), nil,
			"t.conf:6: http_server.https: key " + good("a.key") + " and cert " + good("garbage.crt") +
				" are not a usable pair: tls: failed to find any PEM data in certificate input"},
		{"directory", block(dir, good("a.crt")), nil,
			"t.conf:5: http_server.https.key " + dir + ": not a regular file"},
		// Defaults: ./conf/server.key relative to the working directory;
		// the error points at the https block's enabled.
		{"defaultFiles", "listen 1935;\nhttp_api {\n    https {\n        enabled on;\n    }\n}\n", nil,
			"t.conf:4: http_api.https.key ./conf/server.key: no such file or directory"},
		{"envKey", block(good("a.key"), good("a.crt")), []string{"SRS_HTTP_SERVER_HTTPS_KEY", good("none.key")},
			"conf: http_server.https.key " + good("none.key") + ": no such file or directory (from SRS_HTTP_SERVER_HTTPS_KEY)"},
		{"envEnabled", "listen 1935;\n", []string{"SRS_HTTP_SERVER_HTTPS_ENABLED", "on"},
			"conf: http_server.https.key ./conf/server.key: no such file or directory (from SRS_HTTP_SERVER_HTTPS_ENABLED)"},
		{"listen", "listen 1935;\nhttp_server { https { enabled on; listen 0; key " + good("a.key") + "; cert " + good("a.crt") + "; } }\n", nil,
			`t.conf:2: http_server.https.listen: invalid address "0", want [ip:]port`},
		{"disabledMissing", "listen 1935;\nhttp_server { https { enabled off; key /nonexistent; } }\n", nil, ""},
	}
	t.Chdir(dir) // ./conf/server.key does not exist here
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, _, err := load(t, tc.conf, envMap(tc.env...))
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				h := c.HTTPServer.HTTPS
				if h.Enabled && (h.Certificate == nil || len(h.Certificate.Certificate) != 1) {
					t.Fatalf("no certificate loaded: %+v", h)
				}
				if !h.Enabled && h.Certificate != nil {
					t.Fatal("certificate loaded for a disabled block")
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestHTTPSLoadCertificate(t *testing.T) {
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem")
	writeKeyPair(t, key, cert)
	h := HTTPS{Enabled: true, Key: key, Cert: cert}
	if c, err := h.LoadCertificate(); err != nil || c == nil {
		t.Fatalf("%v %v", c, err)
	}
	// A renewed pair is picked up: the reload path reads the files again.
	writeKeyPair(t, key, cert)
	if _, err := h.LoadCertificate(); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	_, err := h.LoadCertificate()
	if want := "conf: https.key " + key + ": no such file or directory"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	// Validate loads the pair into Certificate, or refuses as Load does.
	cfg := Default()
	cfg.HTTPServer.HTTPS = HTTPS{Enabled: true, Listen: "8088", Key: key, Cert: cert}
	err = cfg.Validate()
	if want := "conf: http_server.https.key " + key + ": no such file or directory"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	writePEM(t, key, "EC PRIVATE KEY", nil)
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "not a usable pair") {
		t.Fatalf("empty key: %v", err)
	}
}

func TestHTTPSLargeFile(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.pem")
	if err := os.WriteFile(big, make([]byte, maxPEMFile+1), 0o600); err != nil {
		t.Fatal(err)
	}
	h := HTTPS{Key: big, Cert: big}
	if _, err := h.LoadCertificate(); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("got %v", err)
	}
}

// TestSRSHTTPSWithoutFiles: SRS itself refuses to start when an enabled
// https block's files are missing, and so does picosrs, with the file and
// the line.
func TestSRSHTTPSWithoutFiles(t *testing.T) {
	abs, err := filepath.Abs("testdata/srs")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(abs, filepath.Join(dir, "conf")); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	_, _, err = Load("conf/https.flv.live.conf", nil)
	want := "conf/https.flv.live.conf:16: http_server.https.key ./conf/server.key: no such file or directory"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}
