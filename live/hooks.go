package live

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/picosrs/picosrs/access"
)

// Errors for clients the vhost's http_hooks or secure_link refused; they
// wrap the access error that says why (errors.As finds an
// *access.HookError behind ErrHookDenied).
var (
	ErrHookDenied = errors.New("live: refused by the vhost's http_hooks")
	ErrSecureLink = errors.New("live: refused by the vhost's secure_link")
)

// HookIDs is how the hook bodies name this server and its streams: the
// same ids as the HTTP API's (server, service, a stream's id), so that a
// hook service can look them up there.
type HookIDs struct {
	ServerID, ServiceID string
	StreamID            func(vhost, app, stream string) string // nil: no stream_id
}

// SetHookIDs sets the ids the hook bodies carry (main takes them from the
// HTTP API).
func (s *Server) SetHookIDs(ids HookIDs) { s.hookIDs.Store(&ids) }

// hookRequest is what the hook bodies say of client id on key.
func (s *Server) hookRequest(id uint64, ip string, key StreamKey, param, tcURL, pageURL string) *access.HookRequest {
	r := &access.HookRequest{ClientID: strconv.FormatUint(id, 10), IP: ip, Vhost: key.Vhost, App: key.App,
		Stream: key.Name, Param: param, TcURL: tcURL, PageURL: pageURL}
	if ids := s.hookIDs.Load(); ids != nil {
		r.ServerID, r.ServiceID = ids.ServerID, ids.ServiceID
		if ids.StreamID != nil {
			r.StreamID = ids.StreamID(key.Vhost, key.App, key.Name)
		}
	}
	return r
}

// admit asks the vhost's hook service whether a client may do e (connect,
// publish, play): every URL of the event in order, each within the hook
// timeout, on the caller's goroutine, which holds no lock: a slow service
// delays only the client it is asked about. A shutdown ends the wait. The
// error wraps ErrHookDenied and the *access.HookError of the URL that
// refused.
func (s *Server) admit(vh *VhostConfig, e access.Event, r *access.HookRequest) error {
	urls := vh.Hooks.URLs(e)
	if len(urls) == 0 {
		return nil
	}
	ctx, cancel := s.withClosing(context.Background())
	defer cancel()
	if err := s.hooks.Admit(ctx, e, urls, vh.Hooks.CallTimeout(), e.Body(r)); err != nil {
		return fmt.Errorf("%w: %w", ErrHookDenied, err)
	}
	return nil
}

// notify tells the hook service that a client ended (on_close, on_unpublish,
// on_stop): every URL in order, whatever each answers; failures are logged,
// one line each, never fatal. It runs on the client's own goroutine after
// the client is detached, and is not cut short by a shutdown (which waits
// for the client's goroutine within its own bound). The vhost's hooks are
// those in force now; fallback when the vhost was removed by a reload.
func (s *Server) notify(vhost string, fallback *VhostConfig, e access.Event, r *access.HookRequest) {
	vh := s.cfg.Load().Vhost(vhost)
	if vh == nil {
		vh = fallback
	}
	urls := vh.Hooks.URLs(e)
	if len(urls) == 0 {
		return
	}
	for _, err := range s.hooks.Notify(context.Background(), e, urls, vh.Hooks.CallTimeout(), e.Body(r)) {
		s.log.Warn("http hook failed, ignored", append([]any{"client", r.ClientID,
			"stream", StreamKey{r.Vhost, r.App, r.Stream}.String()}, HookAttrs(err)...)...)
	}
}

// HookAttrs are the log attributes of a refusal: for a hook, the event, the
// URL, the status and the start of the answer; for a signed URL, why.
func HookAttrs(err error) []any {
	var he *access.HookError
	if errors.As(err, &he) {
		return []any{"hook", he.Event.String(), "url", he.URL, "hook_status", he.Status, "body", he.Body, "err", he.Err}
	}
	return []any{"err", err}
}
