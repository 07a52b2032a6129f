package access

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

const testSecret = "0123456789abcdef-secret"

var (
	now    = time.Unix(1_800_000_000, 0)
	client = &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 50000}
)

func signed(t *testing.T, l *SecureLink, vhost, app, stream string, exp time.Time, ip string) string {
	t.Helper()
	tok, err := l.Sign(vhost, app, stream, exp, ip)
	if err != nil {
		t.Fatal(err)
	}
	return "?" + tok.Query()
}

// TestSignedURL: a valid token passes; an expired one, one for another
// stream, app or vhost, another secret, another client IP (with bind_ip)
// and a token with any byte of its signature changed do not.
func TestSignedURL(t *testing.T) {
	l := &SecureLink{Enabled: true, Secret: testSecret, Publish: true, Play: true}
	const v, app, s = "__defaultVhost__", "live", "cam"
	good := signed(t, l, v, app, s, now.Add(time.Hour), "")
	if err := l.Check(Play, v, app, s, good, client, now); err != nil {
		t.Fatalf("valid token: %v", err)
	}
	if err := l.Check(Publish, v, app, s, "?x=1&"+good[1:]+"&vhost=a", client, now); err != nil {
		t.Fatalf("valid token among other parameters: %v", err)
	}
	// Exactly at the expiry second it still works; one second later it does not.
	exp := now.Add(time.Minute)
	tok := signed(t, l, v, app, s, exp, "")
	if err := l.Check(Play, v, app, s, tok, client, exp); err != nil {
		t.Errorf("at the expiry: %v", err)
	}
	if err := l.Check(Play, v, app, s, tok, client, exp.Add(time.Second)); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("expired: %v", err)
	}
	other := &SecureLink{Enabled: true, Secret: testSecret + "x", Play: true}
	for _, c := range []struct {
		name               string
		l                  *SecureLink
		vhost, app, stream string
		param              string
		want               error
	}{
		{"wrong stream", l, v, app, "cam2", good, ErrTokenInvalid},
		{"wrong app", l, v, "live2", s, good, ErrTokenInvalid},
		{"other vhost", l, "v.example", app, s, good, ErrTokenInvalid},
		{"other secret", other, v, app, s, good, ErrTokenInvalid},
		{"missing", l, v, app, s, "", ErrTokenMissing},
		{"missing among others", l, v, app, s, "?a=1&b=2", ErrTokenMissing},
		{"no sign", l, v, app, s, "?expires=1900000000", ErrTokenMalformed},
		{"expires moved", l, v, app, s, strings.Replace(good, "expires=18", "expires=19", 1), ErrTokenInvalid},
		{"upper case", l, v, app, s, strings.ToUpper(good), ErrTokenMissing},
	} {
		if err := c.l.Check(Play, c.vhost, c.app, c.stream, c.param, client, now); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Every byte of the signature, changed to another hex digit, fails.
	i := strings.Index(good, "sign=") + len("sign=")
	for j := i; j < len(good); j++ {
		b := []byte(good)
		b[j] = "0123456789abcdef"[(strings.IndexByte("0123456789abcdef", b[j])+1)%16]
		if err := l.Check(Play, v, app, s, string(b), client, now); !errors.Is(err, ErrTokenInvalid) {
			t.Fatalf("signature byte %d changed: %v", j-i, err)
		}
	}
	// Off for this action, or off: no signature needed.
	pubOnly := &SecureLink{Enabled: true, Secret: testSecret, Publish: true}
	if pubOnly.Check(Play, v, app, s, "", client, now) != nil || (&SecureLink{Secret: testSecret, Play: true}).Check(Play, v, app, s, "", client, now) != nil {
		t.Error("a signature was asked for an action the block does not cover")
	}
	if !errors.Is(pubOnly.Check(Publish, v, app, s, "", client, now), ErrTokenMissing) {
		t.Error("publish without a signature passed")
	}
}

// TestSignedURLBindIP: with bind_ip the token works from its address only,
// whether the client is seen as IPv4 or IPv4-mapped IPv6.
func TestSignedURLBindIP(t *testing.T) {
	l := &SecureLink{Enabled: true, Secret: testSecret, Play: true, BindIP: true}
	tok := signed(t, l, "v", "live", "s", now.Add(time.Hour), "192.0.2.7")
	if err := l.Check(Play, "v", "live", "s", tok, client, now); err != nil {
		t.Fatal(err)
	}
	mapped := &net.TCPAddr{IP: net.ParseIP("::ffff:192.0.2.7"), Port: 1}
	if err := l.Check(Play, "v", "live", "s", tok, mapped, now); err != nil {
		t.Errorf("mapped address: %v", err)
	}
	elsewhere := &net.TCPAddr{IP: net.ParseIP("192.0.2.8"), Port: 1}
	if err := l.Check(Play, "v", "live", "s", tok, elsewhere, now); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("another address: %v", err)
	}
	if err := l.Check(Play, "v", "live", "s", tok, nil, now); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("no address: %v", err)
	}
	if _, err := l.Sign("v", "live", "s", now, "not-an-ip"); !errors.Is(err, ErrUnsignable) {
		t.Errorf("sign for a bad IP: %v", err)
	}
}

// TestMessage: the signed text is documented (README) so that any web
// application can sign: check it against an HMAC computed here, and the
// names that would make two streams share a message are refused.
func TestMessage(t *testing.T) {
	l := &SecureLink{Enabled: true, Secret: testSecret, Play: true, BindIP: true}
	tok, err := l.Sign("__defaultVhost__", "live/sub", "cam", time.Unix(1900000000, 0), "::ffff:10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	h := hmac.New(sha256.New, []byte(testSecret))
	h.Write([]byte("__defaultVhost__/live/sub/cam\n1900000000\n10.0.0.1"))
	if got, want := hex.EncodeToString(tok.MAC[:]), hex.EncodeToString(h.Sum(nil)); got != want {
		t.Errorf("MAC %s, want %s", got, want)
	}
	if tok.Query() != "expires=1900000000&sign="+hex.EncodeToString(h.Sum(nil)) {
		t.Errorf("query %s", tok.Query())
	}
	for _, bad := range [][3]string{{"a/b", "live", "s"}, {"v", "live", "s/t"}, {"v", "li\nve", "s"}, {"v", "live", "s\x00"}, {"v\x7f", "live", "s"}} {
		if _, err := Message(bad[0], bad[1], bad[2], 1, ""); !errors.Is(err, ErrUnsignable) {
			t.Errorf("Message%q: %v", bad, err)
		}
	}
}

// tokenCases seed FuzzParseToken; valid ones parse to the token given.
var tokenCases = []struct {
	param string
	ok    bool
}{
	{"?expires=1900000000&sign=" + strings.Repeat("ab", 32), true},
	{"expires=0&sign=" + strings.Repeat("00", 32), true},
	{"?vhost=x&sign=" + strings.Repeat("0f", 32) + "&expires=9223372036854775807&b", true},
	{"", false},
	{"?", false},
	{"?expires=1&expires=2&sign=" + strings.Repeat("00", 32), false},
	{"?expires=01&sign=" + strings.Repeat("00", 32), false},
	{"?expires=-1&sign=" + strings.Repeat("00", 32), false},
	{"?expires=+1&sign=" + strings.Repeat("00", 32), false},
	{"?expires=9223372036854775808&sign=" + strings.Repeat("00", 32), false},
	{"?expires=1&sign=" + strings.Repeat("00", 31), false},
	{"?expires=1&sign=" + strings.Repeat("0G", 32), false},
	{"?expires=1&sign=" + strings.Repeat("AB", 32), false},
	{"?expires=1&sign=" + strings.Repeat("00", 32) + "&sign=" + strings.Repeat("00", 32), false},
	{"?expires&sign", false},
}

func TestParseToken(t *testing.T) {
	for _, c := range tokenCases {
		tok, err := ParseToken(c.param)
		if (err == nil) != c.ok {
			t.Errorf("ParseToken(%q) = %v, want ok=%v", c.param, err, c.ok)
		}
		if err == nil {
			if back, err := ParseToken(tok.Query()); err != nil || back != tok {
				t.Errorf("%q: round trip %v %v", c.param, back, err)
			}
		}
	}
	if n := testing.AllocsPerRun(100, func() { ParseToken(tokenCases[0].param) }); n != 0 {
		t.Errorf("ParseToken allocates %v times", n)
	}
}

// FuzzParseToken: for any param, ParseToken returns a sentinel error or a
// token whose Query parses back to it, that the param holds exactly once
// (expires and sign each appear once, canonical); it allocates nothing on
// success, so a param's size cannot grow the server's memory. Any token
// made from the fuzzer's numbers round-trips too.
func FuzzParseToken(f *testing.F) {
	for _, c := range tokenCases {
		f.Add(c.param, int64(0), []byte{})
	}
	f.Add("?expires=5&sign=00", int64(1900000000), []byte("0123456789abcdef0123456789abcdef"))
	f.Fuzz(func(t *testing.T, param string, exp int64, macBytes []byte) {
		tok, err := ParseToken(param)
		if err != nil {
			if !errors.Is(err, ErrTokenMissing) && !errors.Is(err, ErrTokenMalformed) {
				t.Fatalf("%q: error %v is no sentinel", param, err)
			}
		} else {
			q := tok.Query()
			back, err := ParseToken(q)
			if err != nil || back != tok {
				t.Fatalf("%q: Query %q parses to %v %v", param, q, back, err)
			}
			if tok.Expires < 0 {
				t.Fatalf("%q: negative expiry %d", param, tok.Expires)
			}
			// The canonical parameters are in the param as given.
			for _, kv := range strings.Split(q, "&") {
				if !strings.Contains("&"+strings.TrimPrefix(param, "?")+"&", "&"+kv+"&") {
					t.Fatalf("%q parsed to %q, which it does not hold", param, kv)
				}
			}
		}
		if exp >= 0 {
			var made Token
			made.Expires = exp
			copy(made.MAC[:], macBytes)
			if back, err := ParseToken("?a=b&" + made.Query()); err != nil || back != made {
				t.Fatalf("token %v: parsed back %v %v", made, back, err)
			}
		}
	})
}
