package access

import (
	"strconv"
	"time"
	"unicode/utf8"
)

// Event is one of SRS's http_hooks events.
type Event int

// The events picosrs calls, in SRS's order.
const (
	OnConnect   Event = iota // an RTMP client connected (admits it or not)
	OnClose                  // an RTMP client's connection ended
	OnPublish                // a publish starts (admits it or not)
	OnUnpublish              // a publish ended
	OnPlay                   // a player of any transport starts (admits it or not)
	OnStop                   // a player left
)

var eventNames = [...]string{"on_connect", "on_close", "on_publish", "on_unpublish", "on_play", "on_stop"}

// String is the event's SRS name, which is also its "action" field.
func (e Event) String() string {
	if e < 0 || int(e) >= len(eventNames) {
		return "on_unknown"
	}
	return eventNames[e]
}

// Admits reports whether the hook service's answer decides if the client
// gets in (on_connect, on_publish, on_play). The answers to the other events
// are only logged.
func (e Event) Admits() bool { return e == OnConnect || e == OnPublish || e == OnPlay }

// Hooks is a vhost's http_hooks block: the URLs of each event, called in
// order, and how long one call may take.
type Hooks struct {
	Enabled     bool
	OnConnect   []string
	OnClose     []string
	OnPublish   []string
	OnUnpublish []string
	OnPlay      []string
	OnStop      []string
	Timeout     time.Duration // one call: connect, request and answer; 0 means DefaultHookTimeout
}

// DefaultHookTimeout is SRS's HTTP client timeout (SRS_HTTP_CLIENT_TIMEOUT).
const DefaultHookTimeout = 30 * time.Second

// URLs returns the URLs of event e, or nil when the block is off (or h is
// nil). The slice is the configuration's: do not modify it.
func (h *Hooks) URLs(e Event) []string {
	if h == nil || !h.Enabled {
		return nil
	}
	switch e {
	case OnConnect:
		return h.OnConnect
	case OnClose:
		return h.OnClose
	case OnPublish:
		return h.OnPublish
	case OnUnpublish:
		return h.OnUnpublish
	case OnPlay:
		return h.OnPlay
	case OnStop:
		return h.OnStop
	}
	return nil
}

// CallTimeout is how long one call may take.
func (h *Hooks) CallTimeout() time.Duration {
	if h == nil || h.Timeout <= 0 {
		return DefaultHookTimeout
	}
	return h.Timeout
}

// HookRequest is what a hook body says about a client: the fields of SRS's
// SrsRequest that its hooks send.
type HookRequest struct {
	ServerID  string // the server's id, as the HTTP API's "server"
	ServiceID string // this process's id, as the HTTP API's "service"
	ClientID  string // the client's id, as the HTTP API's client "id"
	IP        string // the client's address, without port
	Vhost     string // the configured vhost that serves it
	App       string
	Stream    string
	Param     string // "?query" of the stream name (RTMP) or the URL (HTTP), or ""
	TcURL     string // the RTMP tcUrl; for HTTP players rtmp://host/app, as SRS builds it
	PageURL   string // RTMP connect's pageUrl; for HTTP players the Referer
	StreamID  string // the HTTP API's id of the stream, "" for none
	SendBytes uint64 // on_close: bytes sent to the client
	RecvBytes uint64 // on_close: bytes received from it
}

// StreamURL is SRS's stream_url: /app/stream on the default vhost,
// vhost/app/stream on another.
func StreamURL(vhost, app, stream string) string {
	u := "/" + app + "/" + stream
	if vhost != "__defaultVhost__" {
		u = vhost + u
	}
	return u
}

// hook body fields, in the order SRS's SrsHttpHooks writes them
// (trunk/src/app/srs_app_http_hooks.cpp).
const (
	fServerID = iota
	fServiceID
	fAction
	fClientID
	fIP
	fVhost
	fApp
	fStream
	fParam
	fTcURL
	fPageURL
	fStreamURL
	fStreamID
	fSendBytes
	fRecvBytes
)

var fieldNames = [...]string{"server_id", "service_id", "action", "client_id", "ip", "vhost", "app",
	"stream", "param", "tcUrl", "pageUrl", "stream_url", "stream_id", "send_bytes", "recv_bytes"}

// bodyFields lists each event's fields in SRS's order. stream_id goes out
// only when the stream has one, as in SRS.
var bodyFields = [...][]int{
	OnConnect:   {fServerID, fServiceID, fAction, fClientID, fIP, fVhost, fApp, fStream, fParam, fTcURL, fPageURL},
	OnClose:     {fServerID, fServiceID, fAction, fClientID, fIP, fVhost, fApp, fSendBytes, fRecvBytes},
	OnPublish:   {fServerID, fServiceID, fAction, fClientID, fIP, fVhost, fApp, fTcURL, fStream, fParam, fStreamURL, fStreamID},
	OnUnpublish: {fServerID, fServiceID, fAction, fClientID, fIP, fVhost, fApp, fTcURL, fStream, fParam, fStreamURL, fStreamID},
	OnPlay:      {fServerID, fServiceID, fAction, fClientID, fIP, fVhost, fApp, fStream, fTcURL, fParam, fPageURL, fStreamURL, fStreamID},
	OnStop:      {fServerID, fServiceID, fAction, fClientID, fIP, fVhost, fApp, fTcURL, fStream, fParam, fStreamURL, fStreamID},
}

// Fields returns the names of the fields of e's body, in order, with
// stream_id (which SRS sends only for a stream it knows) included.
func (e Event) Fields() []string {
	if e < 0 || int(e) >= len(bodyFields) {
		return nil
	}
	out := make([]string, 0, len(bodyFields[e]))
	for _, f := range bodyFields[e] {
		out = append(out, fieldNames[f])
	}
	return out
}

// Body returns the JSON object SRS posts for event e about r: the same
// fields, in the same order, with client_id a string and the byte counts
// integers, as SRS 5 and later send them. The result is a new slice.
func (e Event) Body(r *HookRequest) []byte {
	if e < 0 || int(e) >= len(bodyFields) {
		return []byte("{}")
	}
	// The string fields' values, by field (the byte counts are numbers).
	str := [...]string{
		fServerID: r.ServerID, fServiceID: r.ServiceID, fAction: e.String(), fClientID: r.ClientID,
		fIP: r.IP, fVhost: r.Vhost, fApp: r.App, fStream: r.Stream, fParam: r.Param, fTcURL: r.TcURL,
		fPageURL: r.PageURL, fStreamURL: StreamURL(r.Vhost, r.App, r.Stream), fStreamID: r.StreamID,
	}
	b := make([]byte, 0, 512)
	b = append(b, '{')
	for _, f := range bodyFields[e] {
		if f == fStreamID && r.StreamID == "" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, fieldNames[f])
		b = append(b, ':')
		switch f {
		case fSendBytes:
			b = strconv.AppendUint(b, r.SendBytes, 10)
		case fRecvBytes:
			b = strconv.AppendUint(b, r.RecvBytes, 10)
		default:
			b = appendJSONString(b, str[f])
		}
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 replaced by U+FFFD, the rest
// (HTML characters included) as it is.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
