package live

import (
	"sync/atomic"
	"time"
)

// Client is one connection the server serves: a publisher or a player of
// any protocol. The HTTP API lists and kicks them.
type Client struct {
	ID     uint64
	Type   string // SRS's names: fmle-publish, rtmp-play, flv-play, ts-play, mp3-play, aac-play
	IP     string
	Vhost  string
	App    string
	Stream string
	Start  time.Time
	// What the client sent: RTMP connect's tcUrl, pageUrl and swfUrl; for
	// an HTTP player rtmp://host/app (as SRS builds it) and the Referer.
	TcURL, PageURL, SwfURL string

	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
	// counters, when set, report the connection's own byte counts (RTMP).
	counters func() (in, out uint64)
	kick     func()
	kicked   atomic.Bool
}

// Publishing reports whether the client is a publisher.
func (c *Client) Publishing() bool { return c.Type == "fmle-publish" }

// Bytes returns the bytes received from and sent to the client.
func (c *Client) Bytes() (in, out uint64) {
	if c.counters != nil {
		return c.counters()
	}
	return c.bytesIn.Load(), c.bytesOut.Load()
}

// Kicked reports whether the client was disconnected through Server.Kick.
func (c *Client) Kicked() bool { return c.kicked.Load() }
