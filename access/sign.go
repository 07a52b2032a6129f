package access

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Errors of a signed URL.
var (
	ErrTokenMissing   = errors.New("access: the URL is not signed (no expires= and sign=)")
	ErrTokenMalformed = errors.New("access: malformed signature")
	ErrTokenExpired   = errors.New("access: the signature has expired")
	ErrTokenInvalid   = errors.New("access: wrong signature")
	// ErrUnsignable: a name that cannot be signed unambiguously (a vhost or
	// stream holding '/', a control character in any name), or a bad IP.
	ErrUnsignable = errors.New("access: cannot sign this name")
)

// The query parameters of a signed URL: ?expires=UNIX&sign=HEX.
const (
	ParamExpires = "expires"
	ParamSign    = "sign"
)

// SecureLink is a vhost's secure_link block, a picosrs extension: publish
// and play URLs carry an expiry and an HMAC-SHA256, made with a secret the
// server and whoever hands out URLs share, so no auth service is needed.
type SecureLink struct {
	Enabled bool
	Secret  string
	Publish bool // publishing needs a signature
	Play    bool // playing (RTMP and every HTTP format) needs a signature
	BindIP  bool // the signature covers the client's IP address
}

// Token is what a signed URL carries: when it expires and the MAC.
type Token struct {
	Expires int64 // Unix seconds; the URL is good up to and including this second
	MAC     [sha256.Size]byte
}

// Query is the token as query parameters: "expires=UNIX&sign=HEX" (lower
// case hex), which ParseToken reads back.
func (t Token) Query() string {
	return ParamExpires + "=" + strconv.FormatInt(t.Expires, 10) + "&" + ParamSign + "=" + hex.EncodeToString(t.MAC[:])
}

// ParseToken finds the token in a stream's param ("?a=b&expires=...&sign=...",
// with or without the leading '?'). Other parameters are ignored; each of
// expires and sign must appear exactly once, expires as a decimal number of
// seconds without sign or leading zero, sign as 64 lower-case hex digits.
// Keys are matched as they are, not percent-decoded. It allocates nothing.
func ParseToken(param string) (Token, error) {
	var t Token
	var exp, sig string
	var haveExp, haveSig bool
	for kv := range strings.SplitSeq(strings.TrimPrefix(param, "?"), "&") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case ParamExpires:
			if haveExp {
				return Token{}, fmt.Errorf("%w: %s twice", ErrTokenMalformed, ParamExpires)
			}
			exp, haveExp = v, true
		case ParamSign:
			if haveSig {
				return Token{}, fmt.Errorf("%w: %s twice", ErrTokenMalformed, ParamSign)
			}
			sig, haveSig = v, true
		}
	}
	if !haveExp && !haveSig {
		return Token{}, ErrTokenMissing
	}
	if !haveExp || !haveSig {
		return Token{}, fmt.Errorf("%w: want both %s= and %s=", ErrTokenMalformed, ParamExpires, ParamSign)
	}
	if !decimal(exp) {
		return Token{}, fmt.Errorf("%w: %s is not a number of seconds", ErrTokenMalformed, ParamExpires)
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil {
		return Token{}, fmt.Errorf("%w: %s out of range", ErrTokenMalformed, ParamExpires)
	}
	t.Expires = n
	if len(sig) != 2*sha256.Size || !lowerHex(sig) {
		return Token{}, fmt.Errorf("%w: %s is not %d lower-case hex digits", ErrTokenMalformed, ParamSign, 2*sha256.Size)
	}
	for i := range t.MAC {
		t.MAC[i] = nibble(sig[2*i])<<4 | nibble(sig[2*i+1])
	}
	return t, nil
}

// decimal reports whether s is a canonical unsigned decimal: digits, no
// leading zero (but "0" itself).
func decimal(s string) bool {
	if s == "" || len(s) > 19 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// nibble is the value of a lower-case hex digit.
func nibble(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Message is the text a signature covers:
//
//	vhost "/" app "/" stream "\n" expires [ "\n" ip ]
//
// with the configured vhost's name (__defaultVhost__ for the default one),
// expires in decimal Unix seconds and, with bind_ip, the client's address as
// Go prints it (192.0.2.7, 2001:db8::1). A vhost or stream holding '/', or a
// control character in any name, is refused (ErrUnsignable) so that no two
// streams share a message.
func Message(vhost, app, stream string, expires int64, ip string) (string, error) {
	if strings.Contains(vhost, "/") || strings.Contains(stream, "/") {
		return "", fmt.Errorf("%w: '/' in the vhost or stream name", ErrUnsignable)
	}
	for _, s := range []string{vhost, app, stream, ip} {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] == 0x7f {
				return "", fmt.Errorf("%w: control character in a name", ErrUnsignable)
			}
		}
	}
	m := vhost + "/" + app + "/" + stream + "\n" + strconv.FormatInt(expires, 10)
	if ip != "" {
		m += "\n" + ip
	}
	return m, nil
}

// Sign returns the token for a stream that expires at expires; ip is the
// client's address when the block binds signatures to it, else ignored.
func (l *SecureLink) Sign(vhost, app, stream string, expires time.Time, ip string) (Token, error) {
	bound := ""
	if l.BindIP {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return Token{}, fmt.Errorf("%w: bind_ip is on and %q is not an IP address", ErrUnsignable, ip)
		}
		bound = a.Unmap().WithZone("").String()
	}
	t := Token{Expires: expires.Unix()}
	m, err := Message(vhost, app, stream, t.Expires, bound)
	if err != nil {
		return Token{}, err
	}
	t.MAC = mac(l.Secret, m)
	return t, nil
}

// Needed reports whether action a needs a signature under this block.
func (l *SecureLink) Needed(a Action) bool {
	if l == nil || !l.Enabled {
		return false
	}
	if a == Publish {
		return l.Publish
	}
	return l.Play
}

// Check verifies the signed URL of a client that asks to do a on
// vhost/app/stream with param (its query): nil when the block does not ask
// for a signature for a, or when param carries a token for exactly this
// stream (and, with bind_ip, this client's address) that has not expired at
// now. The MAC is compared in constant time; the clocks of the signer and
// the server need only agree within the expiry.
func (l *SecureLink) Check(a Action, vhost, app, stream, param string, remote net.Addr, now time.Time) error {
	if !l.Needed(a) {
		return nil
	}
	t, err := ParseToken(param)
	if err != nil {
		return err
	}
	ip := ""
	if l.BindIP {
		addr := addrIP(remote)
		if !addr.IsValid() {
			return fmt.Errorf("%w: bind_ip is on and the client has no IP address", ErrTokenInvalid)
		}
		ip = addr.String()
	}
	m, err := Message(vhost, app, stream, t.Expires, ip)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrTokenInvalid, err)
	}
	want := mac(l.Secret, m)
	if !hmac.Equal(want[:], t.MAC[:]) {
		return ErrTokenInvalid
	}
	if now.Unix() > t.Expires {
		return fmt.Errorf("%w at %s", ErrTokenExpired, time.Unix(t.Expires, 0).UTC().Format(time.RFC3339))
	}
	return nil
}

func mac(secret, message string) [sha256.Size]byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(message))
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}
