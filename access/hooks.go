package access

import (
	"strconv"
	"time"
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
	b := make([]byte, 0, 512)
	b = append(b, '{')
	first := true
	for _, f := range bodyFields[e] {
		var s string
		switch f {
		case fServerID:
			s = r.ServerID
		case fServiceID:
			s = r.ServiceID
		case fAction:
			s = e.String()
		case fClientID:
			s = r.ClientID
		case fIP:
			s = r.IP
		case fVhost:
			s = r.Vhost
		case fApp:
			s = r.App
		case fStream:
			s = r.Stream
		case fParam:
			s = r.Param
		case fTcURL:
			s = r.TcURL
		case fPageURL:
			s = r.PageURL
		case fStreamURL:
			s = StreamURL(r.Vhost, r.App, r.Stream)
		case fStreamID:
			if r.StreamID == "" {
				continue
			}
			s = r.StreamID
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, fieldNames[f])
		b = append(b, ':')
		switch f {
		case fSendBytes:
			b = strconv.AppendUint(b, r.SendBytes, 10)
		case fRecvBytes:
			b = strconv.AppendUint(b, r.RecvBytes, 10)
		default:
			b = appendJSONString(b, s)
		}
	}
	return append(b, '}')
}
