package conf

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// HTTPS is the `https` block of http_server (HTTPS streaming) or http_api
// (HTTPS API), SRS grammar and defaults. Environment overrides are
// SRS_HTTP_SERVER_HTTPS_* and SRS_HTTP_API_HTTPS_* respectively.
type HTTPS struct {
	// Enabled is `enabled`, default off; env SRS_HTTP_SERVER_HTTPS_ENABLED
	// or SRS_HTTP_API_HTTPS_ENABLED.
	Enabled bool
	// Listen is `listen` (the first address), "[ip:]port". Default "8088"
	// for http_server and "1990" for http_api; env
	// SRS_HTTP_SERVER_HTTPS_LISTEN or SRS_HTTP_API_HTTPS_LISTEN. As in SRS,
	// when http_api listens on the same addresses as http_server (the API
	// shares the HTTP port), http_api's HTTPS listen is http_server's HTTPS
	// listen unless SRS_HTTP_API_HTTPS_LISTEN is set: the directive is then
	// ignored.
	Listen string
	// Key is `key`, the PEM private key file, default "./conf/server.key"
	// (relative to the working directory, as in SRS); env
	// SRS_HTTP_SERVER_HTTPS_KEY or SRS_HTTP_API_HTTPS_KEY.
	Key string
	// Cert is `cert`, the PEM certificate (chain) file, default
	// "./conf/server.crt"; env SRS_HTTP_SERVER_HTTPS_CERT or
	// SRS_HTTP_API_HTTPS_CERT.
	Cert string
	// Certificate is the key pair read from Key and Cert when Enabled, set
	// by Load and Validate (which refuse a missing or unreadable file or a
	// key that does not match the certificate); nil when disabled. Put it
	// in tls.Config.Certificates. To pick up renewed files on SIGHUP, run
	// Load again: the new Config carries the pair read then, and a bad pair
	// fails the reload with the same error `picosrs -t` gives.
	Certificate *tls.Certificate
}

// maxPEMFile bounds each key or certificate file read, so that a
// misconfigured path (a device, a huge file) cannot exhaust a router.
const maxPEMFile = 1 << 20

// LoadCertificate reads Key and Cert as a pair (as crypto/tls
// LoadX509KeyPair does, from regular files of at most 1 MiB) and returns it.
// It is what Load runs for an enabled block; the error names the file.
func (h *HTTPS) LoadCertificate() (*tls.Certificate, error) {
	cert, which, err := h.loadPair()
	if err != nil {
		if which == "" {
			return nil, fmt.Errorf("conf: https: %w", err)
		}
		return nil, fmt.Errorf("conf: https.%s %w", which, err)
	}
	return cert, nil
}

// loadPair returns the pair, or the error and which directive it is about:
// "key" or "cert" for a file that cannot be read, "" for a pair that does
// not match or does not parse.
func (h *HTTPS) loadPair() (*tls.Certificate, string, error) {
	keyPEM, err := readPEMFile(h.Key)
	if err != nil {
		return nil, "key", err
	}
	certPEM, err := readPEMFile(h.Cert)
	if err != nil {
		return nil, "cert", err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, "", fmt.Errorf("key %s and cert %s are not a usable pair: %w", h.Key, h.Cert, err)
	}
	return &pair, "", nil
}

// readPEMFile reads a regular file of at most maxPEMFile bytes (a device or
// a FIFO is refused). Its error reads "NAME: reason".
func readPEMFile(name string) ([]byte, error) {
	if name == "" {
		return nil, errors.New(`"": no file given`)
	}
	// Stat first: opening a FIFO for reading would block until a writer
	// comes.
	st, err := os.Stat(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, pathErr(err))
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, pathErr(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, pathErr(err))
	}
	if len(b) > maxPEMFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", name, maxPEMFile)
	}
	return b, nil
}

// pathErr drops the operation and path of an *fs.PathError, which the
// caller already names.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// https reads an https block. block is "http_server.https" or
// "http_api.https", d the block (nil when absent).
func (b *builder) https(block string, d *Directive, defListen string) HTTPS {
	b.noteBlock(block, d)
	h := HTTPS{
		Enabled: b.boolean(block+".enabled", d.Get("enabled"), false),
		Listen:  first(b.list(block+".listen", d.Get("listen"), nil), defListen),
		Key:     b.str(block+".key", d.Get("key"), "./conf/server.key"),
		Cert:    b.str(block+".cert", d.Get("cert"), "./conf/server.crt"),
	}
	for _, p := range []string{".listen", ".key", ".cert"} {
		b.noteDefault(block+p, block+".enabled", block)
	}
	return h
}

// validate checks an enabled block and loads its pair into h.Certificate.
func (h *HTTPS) validate(v *validator, block string) {
	h.Certificate = nil
	if !h.Enabled {
		return
	}
	if !validEndpoint(h.Listen) {
		v.at("", block+".listen", "%s.listen: invalid address %q, want [ip:]port", block, h.Listen)
	}
	cert, which, err := h.loadPair()
	switch {
	case err == nil:
		h.Certificate = cert
	case which == "":
		v.at("", block+".cert", "%s: %v", block, err)
	default:
		v.at("", block+"."+which, "%s.%s %v", block, which, err)
	}
}
