package rtmp

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/textlog"
)

// ServerConfig configures Accept. Zero values mean defaults.
type ServerConfig struct {
	ChunkSize        int             // outgoing chunk size, default 60000
	HandshakeTimeout time.Duration   // default 10s
	MaxMessageSize   int             // default 8 MiB, at most 16 MiB-1
	MaxChunkStreams  int             // default 64
	Logger           *textlog.Logger // optional, debug-level protocol detail only
	// WriteTimeout bounds each of the Conn's own writes, the handshake's
	// included (see Conn); default DefaultWriteTimeout. SetWriteTimeout
	// changes it later.
	WriteTimeout time.Duration
}

// Kind is what a client asked for: publish or play.
type Kind int

// Request kinds.
const (
	KindPublish Kind = iota + 1
	KindPlay
)

// String returns "publish" or "play".
func (k Kind) String() string {
	switch k {
	case KindPublish:
		return "publish"
	case KindPlay:
		return "play"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Request is a client's publish or play request, split as SRS does.
type Request struct {
	Kind           Kind
	TcURL          string
	PageURL        string // connect's pageUrl: the page a Flash player ran in, often ""
	SwfURL         string // connect's swfUrl
	App            string // may contain '/'
	Stream         string // stream name without its query
	Param          string // query of the stream name, else of the tcUrl, with leading '?'; or ""
	Host           string // host from tcUrl
	Vhost          string // vhost= or domain= parameter, else Host; "" if none (caller falls back to __defaultVhost__)
	ObjectEncoding float64
	// ConnectArgs are the fields of the client's connect object beyond the
	// standard ones (app, tcUrl, flashVer, ...): tokens and the like, which an
	// edge passes to its origin with token_traverse.
	ConnectArgs flv.Object
}

// standardConnectKeys are the connect object fields every client sends.
var standardConnectKeys = map[string]bool{
	"app": true, "flashVer": true, "flashver": true, "swfUrl": true, "tcUrl": true, "fpad": true,
	"capabilities": true, "audioCodecs": true, "videoCodecs": true, "videoFunction": true,
	"pageUrl": true, "objectEncoding": true, "type": true,
}

// Accept runs the server handshake on nc (simple or complex, see
// ServerHandshake) within cfg.HandshakeTimeout, its write within
// cfg.WriteTimeout too, and returns the connection. On error the caller
// closes nc.
func Accept(nc net.Conn, cfg ServerConfig) (*Conn, error) {
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = 10 * time.Second
	}
	if cfg.ChunkSize <= 0 {
		cfg.ChunkSize = DefaultChunkSize
	}
	c := newServerConn(nc, cfg.MaxMessageSize, cfg.MaxChunkStreams, cfg.Logger)
	c.SetWriteTimeout(cfg.WriteTimeout)
	c.setup.chunkSizeOut = cfg.ChunkSize
	now := time.Now()
	dl := now.Add(cfg.HandshakeTimeout)
	wdl := now.Add(time.Duration(c.writeTimeout.Load()))
	if dl.Before(wdl) {
		wdl = dl
	}
	nc.SetReadDeadline(dl)
	nc.SetWriteDeadline(wdl)
	complex, err := ServerHandshake(c.br, nc)
	nc.SetDeadline(time.Time{})
	c.bytesOut.Add(1 + 2*handshakeSize)
	if err != nil {
		return nil, err
	}
	c.debug("rtmp: handshake done", "complex", complex)
	return c, nil
}

// ReadRequest processes connect, releaseStream, FCPublish, createStream and
// the other commands that precede publishing or playing, answering them as
// SRS does, until a publish or play command arrives, and returns it.
// Specification: spec-rtmp_specification_1.0 sections 7.2.1.1 (connect),
// 7.2.1.3 (createStream), 7.2.2.1 (play), 7.2.2.6 (publish).
//
// The client has a fixed budget meanwhile (see MaxRequestBytes and the other
// limits): beyond it ReadRequest fails with ErrRequestTooLarge. A request
// whose names are over the limits (MaxAppLength, ...) is refused with an
// onStatus error (NetStream.Publish.BadName, NetStream.Play.StreamNotFound;
// NetConnection.Connect.Rejected for connect) saying which limit, and
// ReadRequest returns ErrNameTooLong. The read deadline is the caller's.
func (c *Conn) ReadRequest() (*Request, error) {
	if c.setup == nil {
		return nil, fmt.Errorf("%w: request after play or publish was granted", ErrBadCommand)
	}
	restore := c.beginRequest()
	defer restore()
	r, err := c.readRequest()
	if errors.Is(err, ErrMessageTooLarge) {
		err = fmt.Errorf("%w: %w", ErrRequestTooLarge, err)
	}
	return r, err
}

func (c *Conn) readRequest() (*Request, error) {
	st := c.setup
	for {
		m, err := c.readMessage()
		if err != nil {
			return nil, cleanEOF(err)
		}
		if m.Type != TypeCommandAMF0 && m.Type != TypeCommandAMF3 {
			continue
		}
		cmd, err := parseCommand(m)
		if err != nil {
			return nil, err
		}
		c.debug("rtmp: command", "name", cmd.Name, "txid", cmd.TxID)
		switch cmd.Name {
		case "connect":
			if st.req != nil {
				return nil, fmt.Errorf("%w: second connect", ErrBadCommand)
			}
			if err := c.onConnect(&cmd); err != nil {
				return nil, err
			}
		case "releaseStream", "FCPublish":
			if err := c.writeCommand(csidCommand, 0, "_result", cmd.TxID, nil, undefined); err != nil {
				return nil, err
			}
		case "createStream":
			if err := c.writeCommand(csidCommand, 0, "_result", cmd.TxID, nil, float64(c.streamID)); err != nil {
				return nil, err
			}
		case "getStreamLength":
			if err := c.writeCommand(csidCommand, 0, "_result", cmd.TxID, nil, float64(0)); err != nil {
				return nil, err
			}
		case "publish", "play":
			if st.req == nil {
				return nil, fmt.Errorf("%w: %s before connect", ErrBadCommand, cmd.Name)
			}
			if m.StreamID != 0 {
				c.streamID = m.StreamID
			}
			r := st.req // connect's, completed: ReadRequest returns with it
			r.Kind = KindPublish
			if cmd.Name == "play" {
				r.Kind = KindPlay
			}
			fillRequest(r, st.connectApp, cmd.argString(0))
			if why := nameTooLong(r); why != "" {
				code := "NetStream.Publish.BadName"
				if r.Kind == KindPlay {
					code = "NetStream.Play.StreamNotFound"
				}
				// Best effort: the error is what matters.
				_ = c.writeCommand(csidStream, c.streamID, "onStatus", 0, nil, statusInfo("error", code, why))
				return nil, fmt.Errorf("%w: %s", ErrNameTooLong, why)
			}
			return r, nil
		case "deleteStream", "closeStream", "FCUnpublish":
			// nothing to stop yet
		default:
			if err := c.answerUnknown(&cmd); err != nil {
				return nil, err
			}
		}
	}
}

// onConnect answers connect the way SRS does: Window Acknowledgement Size,
// Set Peer Bandwidth (dynamic), Set Chunk Size, _result, onBWDone.
func (c *Conn) onConnect(cmd *command) error {
	st := c.setup
	r := &Request{}
	r.TcURL, _ = cmd.Obj.GetString("tcUrl")
	r.PageURL, _ = cmd.Obj.GetString("pageUrl")
	r.SwfURL, _ = cmd.Obj.GetString("swfUrl")
	st.connectApp, _ = cmd.Obj.GetString("app")
	// The app field may carry the tcUrl's parameters, so it gets the
	// tcUrl's limit here; the app name itself is checked at publish/play.
	why := ""
	if n := len(r.TcURL); n > MaxTcURLLength {
		why = fmt.Sprintf("tcUrl of %d bytes is longer than %d", n, MaxTcURLLength)
	} else if n := len(st.connectApp); n > MaxTcURLLength {
		why = fmt.Sprintf("app of %d bytes is longer than %d", n, MaxTcURLLength)
	} else if n := max(len(r.PageURL), len(r.SwfURL)); n > MaxTcURLLength {
		why = fmt.Sprintf("pageUrl or swfUrl of %d bytes is longer than %d", n, MaxTcURLLength)
	}
	if why != "" {
		// Best effort: the error is what matters.
		_ = c.writeCommand(csidCommand, 0, "_error", cmd.TxID, nil, statusInfo("error", "NetConnection.Connect.Rejected", why))
		return fmt.Errorf("%w: %s", ErrNameTooLong, why)
	}
	r.ObjectEncoding, _ = cmd.Obj.GetFloat64("objectEncoding")
	for _, e := range cmd.Obj {
		if !standardConnectKeys[e.Key] {
			r.ConnectArgs = append(r.ConnectArgs, e)
		}
	}
	st.req = r
	if err := c.writeMessages(
		Message{Type: TypeWindowAckSize, ChunkStreamID: csidProtocolControl, Body: windowAckSizeBody},
		Message{Type: TypeSetPeerBandwidth, ChunkStreamID: csidProtocolControl, Body: peerBandwidthBody},
	); err != nil {
		return err
	}
	if err := c.setChunkSize(st.chunkSizeOut); err != nil {
		return err
	}
	info := statusInfo("status", "NetConnection.Connect.Success", "Connection succeeded",
		flv.ObjectEntry{Key: "objectEncoding", Value: r.ObjectEncoding},
		flv.ObjectEntry{Key: "data", Value: connectData})
	if err := c.writeCommand(csidCommand, 0, "_result", cmd.TxID, connectProps, info); err != nil {
		return err
	}
	return c.writeCommand(csidCommand, 0, "onBWDone", 0, nil)
}

// AcceptPublish tells the publisher it may start: onFCPublish and onStatus
// NetStream.Publish.Start, as SRS sends them.
func (c *Conn) AcceptPublish() error {
	const desc = "Started publishing stream."
	if err := c.writeCommand(csidStream, c.streamID, "onFCPublish", 0, nil,
		flv.Object{{Key: "code", Value: "NetStream.Publish.Start"}, {Key: "description", Value: desc}}); err != nil {
		return err
	}
	info := statusInfo("status", "NetStream.Publish.Start", desc, flv.ObjectEntry{Key: "clientid", Value: "picosrs"})
	err := c.writeCommand(csidStream, c.streamID, "onStatus", 0, nil, info)
	c.endSetup()
	c.growReader() // media from now on
	return err
}

// endSetup lets go of what only the commands before play or publish
// needed.
func (c *Conn) endSetup() {
	c.wmu.Lock()
	c.setup = nil
	c.cw.release()
	c.wmu.Unlock()
}

// RejectPublish sends onStatus with level error and the given code (for
// example "NetStream.Publish.BadName") and description. The caller then closes.
func (c *Conn) RejectPublish(code, description string) error {
	return c.writeCommand(csidStream, c.streamID, "onStatus", 0, nil, statusInfo("error", code, description))
}

// AcceptPlay starts playing: User Control StreamBegin, onStatus
// NetStream.Play.Reset and NetStream.Play.Start, |RtmpSampleAccess and
// onStatus NetStream.Data.Start, in one write, as SRS sends them.
func (c *Conn) AcceptPlay() error {
	name := ""
	if c.setup != nil && c.setup.req != nil {
		name = c.setup.req.Stream
	}
	// Four AMF0 bodies in one lent buffer (see answerBufs).
	buf := answerBufs.Get().(*[]byte)
	defer putAnswerBuf(buf)
	b := (*buf)[:0]
	msgs := [5]Message{{Type: TypeUserControl, ChunkStreamID: csidProtocolControl,
		Body: userControlBody(userControlStreamBegin, c.streamID)}}
	var err error
	add := func(i int, typ MessageType, vals ...any) {
		start := len(b)
		if err == nil {
			b, err = flv.AppendAMF0(b, vals...)
		}
		msgs[i] = Message{Type: typ, ChunkStreamID: csidStream, StreamID: c.streamID, Body: b[start:len(b):len(b)]}
	}
	details := flv.ObjectEntry{Key: "details", Value: name}
	clientID := flv.ObjectEntry{Key: "clientid", Value: "picosrs"}
	add(1, TypeCommandAMF0, "onStatus", 0, nil, statusInfo("status", "NetStream.Play.Reset", "Playing and resetting stream.", details, clientID))
	add(2, TypeCommandAMF0, "onStatus", 0, nil, statusInfo("status", "NetStream.Play.Start", "Started playing stream.", details, clientID))
	add(3, TypeDataAMF0, "|RtmpSampleAccess", false, false)
	add(4, TypeDataAMF0, "onStatus", dataStartInfo)
	*buf = b
	if err != nil {
		return fmt.Errorf("rtmp: encode play answer: %w", err)
	}
	if err := c.writeMessages(msgs[:]...); err != nil {
		return err
	}
	c.endSetup() // the caller has the request; a player may watch for hours
	// The read buffer goes back to its pool now, or, when the player has
	// sent more already (Set Buffer Length behind play, as most do), once
	// that is handled (ServeBufferedPlayerInput).
	c.returnReader()
	c.cr.Compact()
	// A player sends only small control and command messages from now on:
	// no message of it may be larger than a command.
	c.cr.maxMessage = min(c.cr.maxMessage, MaxCommandSize)
	return nil
}

// RejectPlay sends onStatus with level error and the given code (for example
// "NetStream.Play.StreamNotFound") and description. The caller then closes.
func (c *Conn) RejectPlay(code, description string) error {
	return c.writeCommand(csidStream, c.streamID, "onStatus", 0, nil, statusInfo("error", code, description))
}

// ServePlayerInput reads what a player sends after AcceptPlay
// (acknowledgements, ping responses, Set Buffer Length, pause, closeStream,
// deleteStream) until the player stops playing or closes the connection; it
// then returns io.EOF. Other errors are protocol or network errors. It may run
// while another goroutine calls WriteTags.
func (c *Conn) ServePlayerInput() error {
	c.borrowReader()
	for {
		if err := c.servePlayerMessage(); err != nil {
			return err
		}
	}
}

// ServeBufferedPlayerInput is ServePlayerInput for a server that reads a
// player only when its socket is readable: it handles messages until none
// of the bytes read is left (the chunk streams keep any message not
// complete yet), and returns nil then. A message already begun is read to
// its end, within the connection's read deadline.
func (c *Conn) ServeBufferedPlayerInput() error {
	c.borrowReader()
	c.untilDrained, c.cr.untilDrained = true, true
	defer func() {
		c.untilDrained, c.cr.untilDrained = false, false
		c.returnReader()
	}()
	for {
		if err := c.servePlayerMessage(); err != nil {
			if err == errDrained {
				return nil
			}
			return err
		}
		if c.InputBuffered() == 0 {
			return nil
		}
	}
}

// servePlayerMessage reads one message from a player and answers it.
func (c *Conn) servePlayerMessage() error {
	m, err := c.readMessage()
	if err != nil {
		return cleanEOF(err)
	}
	if m.Type != TypeCommandAMF0 && m.Type != TypeCommandAMF3 {
		return nil
	}
	cmd, err := parseCommand(m)
	if err != nil {
		c.debug("rtmp: ignore command", "err", err)
		return nil
	}
	c.debug("rtmp: player command", "name", cmd.Name, "txid", cmd.TxID)
	switch cmd.Name {
	case "closeStream", "deleteStream":
		return io.EOF
	case "pause":
		// Section 7.2.2.8: pause(txid, null, flag, ms). Live streams do
		// not pause here; the answer keeps players happy.
		code, desc := "NetStream.Unpause.Notify", "Unpaused stream."
		if p, _ := cmd.arg(0).(bool); p {
			code, desc = "NetStream.Pause.Notify", "Paused stream."
		}
		if err := c.writeCommand(csidStream, c.streamID, "onStatus", 0, nil, statusInfo("status", code, desc)); err != nil {
			return err
		}
	case "receiveAudio", "receiveVideo", "FCUnpublish":
	default:
		if err := c.answerUnknown(&cmd); err != nil {
			return err
		}
	}
	return nil
}

// NotifyUnpublish tells a player that the stream it plays has ended: onStatus
// NetStream.Play.UnpublishNotify and User Control StreamEOF (section 7.1.7).
// ffmpeg and librtmp then end playback cleanly instead of reporting an I/O
// error when the connection closes.
func (c *Conn) NotifyUnpublish() error {
	buf := answerBufs.Get().(*[]byte)
	defer putAnswerBuf(buf)
	b, err := flv.AppendAMF0((*buf)[:0], "onStatus", 0, nil, statusInfo("status", "NetStream.Play.UnpublishNotify", "The stream is unpublished."))
	*buf = b
	if err != nil {
		return err
	}
	return c.writeMessages(
		Message{Type: TypeCommandAMF0, ChunkStreamID: csidStream, StreamID: c.streamID, Body: b},
		Message{Type: TypeUserControl, ChunkStreamID: csidProtocolControl, Body: userControlBody(userControlStreamEOF, c.streamID)},
	)
}
