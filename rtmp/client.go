package rtmp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/textlog"
)

// DialConfig configures Dial. Zero values mean defaults.
type DialConfig struct {
	ChunkSize      int             // outgoing chunk size, default 60000
	Timeout        time.Duration   // connect+handshake+command timeout, default 5s
	MaxMessageSize int             // default 8 MiB
	Logger         *textlog.Logger // optional, debug-level protocol detail only
	// ConnectParams are extra fields appended to the connect command object
	// (for example to pass tokens on, as SRS's token traverse does).
	ConnectParams flv.Object
	// WriteTimeout bounds each of the Conn's own writes after Dial, Play
	// and Publish (acknowledgements, ping responses, Unpublish; see Conn);
	// default DefaultWriteTimeout. During them Timeout bounds everything.
	WriteTimeout time.Duration
}

// StatusError is an error status from the server (onStatus or _error with
// level "error").
type StatusError struct {
	Code        string
	Description string
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("rtmp: server status %s: %s", e.Code, e.Description)
}

// RedirectError is a redirect from the server (RTMP 302: an error status
// carrying ex.redirect2 or ex.redirect). The caller may dial URL instead.
type RedirectError struct {
	URL string
}

// Error implements error.
func (e *RedirectError) Error() string { return "rtmp: redirect to " + e.URL }

// ErrTimeout reports that the server did not answer in time.
var ErrTimeout = errors.New("rtmp: timeout waiting for the server")

func statusErr(info flv.Object) error {
	if ex, ok := info.GetObject("ex"); ok {
		for _, k := range []string{"redirect2", "redirect"} {
			if u, ok := ex.GetString(k); ok && u != "" {
				return &RedirectError{URL: u}
			}
		}
	}
	code, _ := info.GetString("code")
	desc, _ := info.GetString("description")
	return &StatusError{Code: code, Description: desc}
}

// Dial connects to rawurl (rtmp://host[:1935]/app[/...]/stream[?query]),
// runs the complex client handshake and the connect command, all within
// cfg.Timeout (and ctx). The URL's stream and query are used by Play and
// Publish, which the caller calls next.
func Dial(ctx context.Context, rawurl string, cfg DialConfig) (*Conn, error) {
	u, err := ParseURL(rawurl)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.ChunkSize <= 0 {
		cfg.ChunkSize = DefaultChunkSize
	}
	dctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(dctx, "tcp", u.Addr())
	if err != nil {
		return nil, fmt.Errorf("rtmp: dial %s: %w", u.Addr(), err)
	}
	c, err := NewClientConn(dctx, nc, rawurl, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return c, nil
}

// NewClientConn runs the client handshake and connect on an established
// connection (for tests and custom transports); the URL names app and stream.
func NewClientConn(ctx context.Context, nc net.Conn, rawurl string, cfg DialConfig) (*Conn, error) {
	u, err := ParseURL(rawurl)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.ChunkSize <= 0 {
		cfg.ChunkSize = DefaultChunkSize
	}
	c := newConn(nc, cfg.MaxMessageSize, 0, cfg.Logger)
	c.SetWriteTimeout(cfg.WriteTimeout)
	c.cl = &clientSide{url: u, timeout: cfg.Timeout, chunkSizeOut: cfg.ChunkSize, connectParams: cfg.ConnectParams}
	err = c.withDeadline(ctx, func() error {
		if err := ClientHandshake(c.br, nc, true); err != nil {
			return err
		}
		c.bytesOut.Add(1 + 2*handshakeSize)
		return c.connect()
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// URL returns the URL a client connection was dialled with, or nil.
func (c *Conn) URL() *URL {
	if c.cl == nil {
		return nil
	}
	return c.cl.url
}

// withDeadline runs f with the connection deadline set from c.cl.timeout and
// ctx, and cancels blocked I/O when ctx ends; it clears the read deadline
// after and puts back the caller's write deadline.
func (c *Conn) withDeadline(ctx context.Context, f func() error) error {
	dl := time.Now().Add(c.cl.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	c.setOpDeadline(dl)
	stop := context.AfterFunc(ctx, func() { c.setOpDeadline(aLongTimeAgo) })
	err := f()
	stop()
	c.setOpDeadline(time.Time{})
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("rtmp: %w", ctx.Err())
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return fmt.Errorf("%w: %w", ErrTimeout, err)
		}
	}
	return err
}

// setOpDeadline sets the deadline of a client operation (Dial, Play,
// Publish) on reads and writes; the zero time ends the operation.
func (c *Conn) setOpDeadline(dl time.Time) {
	c.dlmu.Lock()
	defer c.dlmu.Unlock()
	c.cl.opDL = dl
	c.nc.SetReadDeadline(dl)
	if !c.ownWrite {
		c.nc.SetWriteDeadline(c.restingWriteDeadline())
	} else if !dl.IsZero() {
		c.nc.SetWriteDeadline(dl) // cancel: ends the write in progress
	}
}

func (c *Conn) nextTxID() float64 {
	c.cl.txID++
	return c.cl.txID
}

// connect sends Set Chunk Size and connect (section 7.2.1.1) and waits for
// its _result.
func (c *Conn) connect() error {
	if err := c.setChunkSize(c.cl.chunkSizeOut); err != nil {
		return err
	}
	obj := flv.Object{
		{Key: "app", Value: c.cl.url.App},
		{Key: "type", Value: "nonprivate"},
		{Key: "flashVer", Value: "FMLE/3.0 (compatible; picosrs)"},
		{Key: "tcUrl", Value: c.cl.url.TCURL()},
		{Key: "fpad", Value: false},
		{Key: "capabilities", Value: float64(15)},
		{Key: "audioCodecs", Value: float64(4071)},
		{Key: "videoCodecs", Value: float64(252)},
		{Key: "videoFunction", Value: float64(1)},
		{Key: "objectEncoding", Value: float64(0)},
	}
	obj = append(obj, c.cl.connectParams...)
	tx := c.nextTxID()
	if err := c.writeCommand(csidCommand, 0, "connect", tx, obj); err != nil {
		return err
	}
	_, err := c.waitResult(tx)
	return err
}

// waitResult waits for the _result or _error of transaction tx, handling
// control messages; media arriving meanwhile is kept for ReadTag.
func (c *Conn) waitResult(tx float64) (*command, error) {
	for {
		cmd, err := c.readClientCommand()
		if err != nil {
			return nil, err
		}
		switch cmd.Name {
		case "_result":
			if cmd.TxID == tx {
				return cmd, nil
			}
		case "_error":
			if cmd.TxID == tx {
				return nil, statusErr(cmd.infoObject())
			}
		case "onStatus":
			if lvl, _ := cmd.infoObject().GetString("level"); lvl == "error" {
				return nil, statusErr(cmd.infoObject())
			}
		}
	}
}

// waitStatus waits for onStatus with the given code; an error status fails.
func (c *Conn) waitStatus(code string) error {
	for {
		cmd, err := c.readClientCommand()
		if err != nil {
			return err
		}
		if cmd.Name != "onStatus" && cmd.Name != "_error" {
			continue
		}
		info := cmd.infoObject()
		if lvl, _ := info.GetString("level"); lvl == "error" || cmd.Name == "_error" {
			return statusErr(info)
		}
		if got, _ := info.GetString("code"); got == code {
			return nil
		}
	}
}

// readClientCommand returns the next command, queueing media and data for
// ReadTag.
func (c *Conn) readClientCommand() (*command, error) {
	for {
		m, err := c.readMessage()
		if err != nil {
			return nil, err
		}
		switch m.Type {
		case TypeCommandAMF0, TypeCommandAMF3:
			cmd, err := parseCommand(m)
			if err != nil {
				c.debug("rtmp: ignore command", "err", err)
				continue
			}
			c.debug("rtmp: command", "name", cmd.Name, "txid", cmd.TxID)
			return &cmd, nil
		case TypeAudio:
			c.pending = append(c.pending, flv.Tag{Type: flv.TagAudio, Timestamp: m.Timestamp, Data: m.Body})
		case TypeVideo:
			c.pending = append(c.pending, flv.Tag{Type: flv.TagVideo, Timestamp: m.Timestamp, Data: m.Body})
		case TypeDataAMF0, TypeDataAMF3:
			if t, ok := c.dataTag(m); ok {
				c.pending = append(c.pending, t)
			}
		case TypeAggregate:
			c.pending = splitAggregate(m, c.pending)
		}
	}
}

// createStream sends createStream (section 7.2.1.3) and keeps the stream id.
func (c *Conn) createStream() error {
	tx := c.nextTxID()
	if err := c.writeCommand(csidCommand, 0, "createStream", tx, nil); err != nil {
		return err
	}
	res, err := c.waitResult(tx)
	if err != nil {
		return err
	}
	id, ok := res.arg(0).(float64)
	if !ok || id < 0 || id > 1<<31 {
		return fmt.Errorf("%w: createStream result %v", ErrBadCommand, res.arg(0))
	}
	c.streamID = uint32(id)
	return nil
}

// Play asks the server to play the URL's stream: createStream, play
// (section 7.2.2.1), Set Buffer Length; it waits for NetStream.Play.Start.
// A redirect returns *RedirectError, an error status *StatusError. Tags are
// then read with ReadTag.
func (c *Conn) Play(ctx context.Context) error {
	return c.withDeadline(ctx, func() error {
		if err := c.createStream(); err != nil {
			return err
		}
		name := c.cl.url.StreamWithParam()
		if err := c.writeCommand(csidClientStream, c.streamID, "play", c.nextTxID(), nil, name, float64(-2000)); err != nil {
			return err
		}
		if err := c.writeControl(TypeUserControl, userControlBody(userControlSetBufferLength, c.streamID, 3000)); err != nil {
			return err
		}
		return c.waitStatus("NetStream.Play.Start")
	})
}

// Publish asks the server to let it publish the URL's stream: releaseStream,
// FCPublish, createStream, publish "live" (section 7.2.2.6); it waits for
// NetStream.Publish.Start. Errors as for Play. Tags are then sent with
// WriteTags or WriteTag.
func (c *Conn) Publish(ctx context.Context) error {
	return c.withDeadline(ctx, func() error {
		name := c.cl.url.StreamWithParam()
		if err := c.writeCommand(csidCommand, 0, "releaseStream", c.nextTxID(), nil, name); err != nil {
			return err
		}
		if err := c.writeCommand(csidCommand, 0, "FCPublish", c.nextTxID(), nil, name); err != nil {
			return err
		}
		if err := c.createStream(); err != nil {
			return err
		}
		if err := c.writeCommand(csidClientStream, c.streamID, "publish", c.nextTxID(), nil, name, "live"); err != nil {
			return err
		}
		return c.waitStatus("NetStream.Publish.Start")
	})
}

// Unpublish tells the server the client stops publishing (FCUnpublish and
// deleteStream), as ffmpeg does before closing.
func (c *Conn) Unpublish() error {
	name := c.cl.url.StreamWithParam()
	if err := c.writeCommand(csidCommand, 0, "FCUnpublish", c.nextTxID(), nil, name); err != nil {
		return err
	}
	return c.writeCommand(csidCommand, 0, "deleteStream", c.nextTxID(), nil, float64(c.streamID))
}
