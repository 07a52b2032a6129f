package live

import (
	"io"
	"net"
	"time"

	"github.com/picosrs/picosrs/internal/netwatch"
	"github.com/picosrs/picosrs/internal/textlog"
	"github.com/picosrs/picosrs/rtmp"
)

// playerInputTimeout bounds the reading of a message an RTMP player has
// begun to send.
var playerInputTimeout = 10 * time.Second // a variable for tests

// rtmpPlayer is what one RTMP player holds while it plays, in one piece
// (a thousand players each keep it for hours): its sink and encoder, the
// watch on what it sends, and what its end needs.
//
// What the player sends is read only when it has sent something: where the
// connection's input can be watched, a goroutine runs only while there is
// something to read; elsewhere one reads until the player leaves. Either
// hangs the viewer up when the player stops playing, closes the connection
// or breaks the protocol.
type rtmpPlayer struct {
	out       rtmpSink
	enc       rtmpEncoder
	nc        net.Conn
	v         *Viewer
	watch     *netwatch.Input // nil without a watch
	s         *Server
	id        uint64
	start     time.Time
	closeConn func() // closes the connection and sends on_close
}

// startRTMPPlayer hands an RTMP player that AcceptPlay answered to its
// viewer: the stream's fan-out writes it from now on, and no goroutine
// waits on it. When the viewer ends, the connection is closed, on_stop
// and on_close are sent and the end is logged.
func (s *Server) startRTMPPlayer(c *rtmp.Conn, nc net.Conn, id uint64, v *Viewer, log *textlog.Logger, closeConn func()) {
	setNoDelay(nc, v.st.vh.TCPNodelay)
	p := &rtmpPlayer{out: rtmpSink{c: c, timeout: s.cfg.Load().WriteTimeout},
		nc: nc, v: v, s: s, id: id, start: time.Now(), closeConn: closeConn}
	p.enc.init(c, v.st.chunkSize)
	log.Info("play start", "client", id)
	s.wg.Add(1) // the connection's, until on_close is sent
	watched, werr := s.inputs.WatchInput(nc, p.ready)
	if werr == nil {
		p.watch = watched
	}
	v.start(&p.enc, &p.out, p.end)
	if werr != nil {
		go p.serveBlocking() // no input watch here: a reader of its own
	} else {
		p.startInput()
	}
}

// end is the viewer's end (Viewer.start's onEnd).
func (p *rtmpPlayer) end(err error) {
	if p.watch != nil {
		p.watch.Stop()
	}
	c, v := p.out.c, p.v
	if err == io.EOF {
		c.NotifyUnpublish() // ffmpeg then ends playback cleanly
	}
	p.nc.Close()
	v.Close(err) // on_stop
	if log := p.s.log; log.Enabled(textlog.LevelInfo) {
		// The address is still known once the connection is closed.
		attrs := []any{"conn", p.id, "remote", p.nc.RemoteAddr().String(), "stream", v.st.key.String(), "client", p.id,
			"bytes", c.BytesOut(), "duration", logDuration(p.start), "drops", v.Drops(), "reason", EndReason(err, v.Client())}
		if Failed(err) {
			attrs = append(attrs, "err", err)
		}
		log.Info("play stop", attrs...)
	}
	p.closeConn() // on_close
	p.s.wg.Done()
}

// startInput handles what the player sent with its play command and is
// already read (this rarely waits: only for the end of a message begun),
// then waits for more.
func (p *rtmpPlayer) startInput() {
	if p.out.c.InputBuffered() > 0 {
		p.serveInput()
		return
	}
	p.watch.Arm()
}

// ready is called by the watcher when the player has sent something.
func (p *rtmpPlayer) ready() { go p.serveInput() }

func (p *rtmpPlayer) serveInput() {
	p.nc.SetReadDeadline(time.Now().Add(playerInputTimeout))
	if err := p.out.c.ServeBufferedPlayerInput(); err != nil {
		p.v.HangUp()
		return
	}
	p.watch.Arm()
}

func (p *rtmpPlayer) serveBlocking() {
	p.out.c.ServePlayerInput()
	p.v.HangUp()
}
