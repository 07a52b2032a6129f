package rtmp

import (
	"strings"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// RedirectWait bounds how long Redirect waits for the client to take the
// redirect (SRS's SRS_RTMP_REDIRECT_TIMEOUT).
const RedirectWait = 3 * time.Second

// Redirect refuses the request ReadRequest returned by sending the client to
// url (rtmp://host:port/app/stream?query), the RTMP 302 of SRS's origin
// cluster (SrsRtmpServer::redirect): onStatus with level error, code
// NetConnection.Connect.Rejected, description "RTMP 302 Redirect" and an ex
// object {code: 302, redirect: the tcUrl (url up to its stream), redirect2:
// url}, on message stream 0. Clients that follow redirects (SRS edges,
// picosrs's client: Play and Publish return *RedirectError) reconnect there.
//
// It may come after AcceptPlay, as SRS's origins send it. It then reads
// what the client sends, for at most RedirectWait, until the client answers
// with a command or hangs up, as SRS does: closing at once could reset the
// connection (the client's Set Buffer Length unread) before the client has
// read the redirect. The caller then closes.
func (c *Conn) Redirect(url string) error {
	ex := flv.Object{
		{Key: "code", Value: float64(302)},
		{Key: "redirect", Value: redirectTcURL(url)},
		{Key: "redirect2", Value: url},
	}
	info := statusInfo("error", "NetConnection.Connect.Rejected", "RTMP 302 Redirect", flv.ObjectEntry{Key: "ex", Value: ex})
	if err := c.writeCommand(csidStream, 0, "onStatus", 0, nil, info); err != nil {
		return err
	}
	c.nc.SetReadDeadline(time.Now().Add(RedirectWait))
	c.cr.maxMessage = min(c.cr.maxMessage, MaxCommandSize)
	c.borrowReader() // after AcceptPlay a player holds no read buffer
	// At most a few messages: a client that keeps sending anything but a
	// command gets no more of this connection's time.
	for range 16 {
		m, err := c.readMessage()
		if err != nil || m.Type == TypeCommandAMF0 || m.Type == TypeCommandAMF3 {
			break
		}
	}
	return nil
}

// redirectTcURL is the tcUrl of an RTMP URL: everything before its last
// path element, without the query (SRS's srs_path_filepath_dir).
func redirectTcURL(url string) string {
	base, _, _ := strings.Cut(url, "?")
	if i := strings.LastIndexByte(base, '/'); i > len("rtmp://") {
		return base[:i]
	}
	return base
}
