package rtmp

import (
	"errors"
	"fmt"
)

// Limits on what a client can make the server hold before it is known who
// it is. Until ReadRequest returns, no security rule, hook or token has been
// checked, so a stranger gets a small fixed budget; exceeding any part of it
// fails ReadRequest with ErrRequestTooLarge.
//
// Sizes, per connection: the chunk layer holds at most two unfinished
// messages (2 * MaxCommandSize) plus the 256-byte read buffer, about
// 33 KiB, so a thousand idle strangers (SRS's default max_connections) cost
// about 33 MiB; decoding one command transiently costs at most 20 bytes per byte
// (see flv.UnmarshalAMF0), 320 KiB.
const (
	// MaxCommandSize bounds a command message, and any message that is not
	// audio, video, data or aggregate, in every phase; before publish or
	// play it bounds every message. A real connect is under 2 KiB; one at
	// the name limits below with a long pageUrl and tokens stays under
	// 12 KiB.
	MaxCommandSize = 16 << 10
	// MaxRequestBytes bounds the bytes read between the handshake and
	// publish or play, chunk headers and protocol control included, and
	// the message bodies allocated meanwhile. A real request takes 2 to
	// 6 KiB (ffmpeg: about 1 KiB).
	MaxRequestBytes = 64 << 10
	// MaxRequestMessages bounds the messages of every kind (commands,
	// pings, acknowledgements, Set Chunk Size, ...) read before publish or
	// play. ffmpeg sends 7, OBS and Flash players about 10.
	MaxRequestMessages = 64
	// MaxRequestReplyBytes bounds what the server writes before publish or
	// play: its answers, acknowledgements and ping responses. The answer to
	// connect is about 400 bytes, the others 20 to 60; the bound is what
	// stops a connect or ping flood from using the server as an amplifier
	// (about 7 to 1 for connect).
	MaxRequestReplyBytes = 8 << 10
)

// Limits on names, in bytes, checked before publish or play is granted; a
// request over them is refused with an onStatus (or a connect _error) that
// says which limit, and ReadRequest returns ErrNameTooLong. Stream keys are
// a few dozen bytes, app names shorter; parameters carry tokens (a JWT is
// about 1 KiB), and a tcUrl may carry the same parameters.
const (
	MaxAppLength        = 256
	MaxStreamNameLength = 256
	MaxTcURLLength      = 4096
	MaxParamLength      = 4096
)

// Errors of the request phase.
var (
	ErrRequestTooLarge = errors.New("rtmp: request too large")
	ErrNameTooLong     = errors.New("rtmp: name too long")
)

// requestBudget is the state of ReadRequest's budget (serverSetup.budget);
// active outside it false. Its fields are written and read under Conn.wmu.
type requestBudget struct {
	active bool
	out0   uint64 // bytesOut when the phase began
	msgs0  uint64 // ChunkReader.messages when the phase began
}

// beginRequest starts the request phase's budget (see the limits above).
// c.setup must be set.
func (c *Conn) beginRequest() (restore func()) {
	st := c.setup
	in0 := c.bytesIn.Load() - uint64(c.br.Buffered())
	st.readLimit = in0 + MaxRequestBytes
	maxMessage := c.cr.maxMessage
	c.cr.maxMessage = min(maxMessage, MaxCommandSize)
	c.cr.allocLimit = c.cr.allocated + MaxRequestBytes
	c.wmu.Lock()
	st.budget = requestBudget{active: true, out0: c.bytesOut.Load(), msgs0: c.cr.messages}
	c.wmu.Unlock()
	return func() {
		st.readLimit = 0
		c.cr.maxMessage = maxMessage
		c.cr.allocLimit = 0
		c.wmu.Lock()
		st.budget = requestBudget{}
		c.wmu.Unlock()
	}
}

// errRequestBytes is what the connection's reader returns once the request
// phase has read MaxRequestBytes.
var errRequestBytes = fmt.Errorf("%w: over %d bytes before publish or play", ErrRequestTooLarge, MaxRequestBytes)

// checkRequestMessages fails once the request phase has read more than
// MaxRequestMessages messages; only the reading goroutine calls it.
func (c *Conn) checkRequestMessages() error {
	st := c.setup
	if st == nil || st.readLimit == 0 {
		return nil
	}
	if n := c.cr.messages - st.budget.msgs0; n > MaxRequestMessages {
		return fmt.Errorf("%w: over %d messages before publish or play", ErrRequestTooLarge, MaxRequestMessages)
	}
	return nil
}

// checkRequestReplyLocked fails a write that would take the request phase's
// answers over MaxRequestReplyBytes; c.wmu must be held.
func (c *Conn) checkRequestReplyLocked() error {
	st := c.setup
	if st == nil || !st.budget.active {
		return nil
	}
	if n := c.bytesOut.Load() - st.budget.out0 + uint64(c.cw.queuedBytes()); n > MaxRequestReplyBytes {
		c.cw.reset()
		return fmt.Errorf("%w: over %d bytes of answers before publish or play", ErrRequestTooLarge, MaxRequestReplyBytes)
	}
	return nil
}

// nameTooLong returns why a request's names are over the limits, or "".
func nameTooLong(r *Request) string {
	for _, f := range []struct {
		what string
		n    int
		max  int
	}{
		{"tcUrl", len(r.TcURL), MaxTcURLLength},
		{"app name", len(r.App), MaxAppLength},
		{"stream name", len(r.Stream), MaxStreamNameLength},
		{"stream parameters", len(r.Param), MaxParamLength},
	} {
		if f.n > f.max {
			return fmt.Sprintf("%s of %d bytes is longer than %d", f.what, f.n, f.max)
		}
	}
	return ""
}
