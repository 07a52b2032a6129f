package main

import (
	"bufio"
	"context"
	"fmt"
	"net/url"

	"github.com/picosrs/picosrs/internal/websocket"
)

// playWS plays WS-FLV (ws:// or wss://): the RFC 6455 handshake, then FLV
// read out of the server's binary messages, frame headers taken out
// without a copy (websocket.MessageReader).
func (v *viewer) playWS(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	nc, release, err := v.open(ctx, u.Host)
	if err != nil {
		return err
	}
	defer release()
	br, resp, err := websocket.ClientHandshake(countConn{nc, &v.bytes}, u.Host, u.RequestURI(), nil)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("ws handshake: %s", resp.Status)
		}
		return err
	}
	v.connected = true
	return v.readFLV(bufio.NewReaderSize(websocket.NewMessageReader(br), bodyBuffer))
}
