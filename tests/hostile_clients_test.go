package tests

// Hostile clients: reusable attackers for the end-to-end tests
// (hostile_test.go) and the soak's hostile mix. Each speaks just enough of
// the protocol to get where it does harm, with our own chunking and AMF0
// bytes, so that it does not depend on the server-side code under test.

import (
	"bufio"
	"encoding/base64"
	bin "encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// dialSmallRcvBuf connects to 127.0.0.1:port with a receive buffer of rcvbuf
// bytes (set before the connect, so the window stays small): a client that
// then never reads makes the server's writes stall almost at once.
func dialSmallRcvBuf(port, rcvbuf int) (net.Conn, error) {
	d := net.Dialer{Timeout: 5 * time.Second, Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
		})
	}}
	return d.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
}

// rawRTMP is an RTMP client connection driven message by message: our own
// chunk writer (type-0 first chunk, type-3 continuations), rtmp's chunk
// reader for what the server sends.
type rawRTMP struct {
	c        net.Conn
	br       *bufio.Reader
	cr       *rtmp.ChunkReader
	outChunk int
}

// dialRawRTMP connects to the RTMP port and runs the simple client
// handshake; rcvbuf > 0 shrinks the receive buffer first.
func dialRawRTMP(port, rcvbuf int) (*rawRTMP, error) {
	var c net.Conn
	var err error
	if rcvbuf > 0 {
		c, err = dialSmallRcvBuf(port, rcvbuf)
	} else {
		c, err = net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	}
	if err != nil {
		return nil, err
	}
	r := &rawRTMP{c: c, br: bufio.NewReader(c), outChunk: 128}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if err := rtmp.ClientHandshake(r.br, c, false); err != nil {
		c.Close()
		return nil, fmt.Errorf("handshake: %w", err)
	}
	c.SetDeadline(time.Time{})
	r.cr = rtmp.NewChunkReader(r.br, 0, 0)
	return r, nil
}

func (r *rawRTMP) Close() error { return r.c.Close() }

// appendMessage appends msg's chunks (RTMP spec 5.3.1: a type-0 header,
// then type-3 headers every outChunk bytes) to dst.
func (r *rawRTMP) appendMessage(dst []byte, csid uint32, typ byte, streamID uint32, body []byte) []byte {
	dst = append(dst, chunkHeader(csid, uint32(len(body)), typ, streamID)...)
	for len(body) > 0 {
		n := min(len(body), r.outChunk)
		dst = append(dst, body[:n]...)
		body = body[n:]
		if len(body) > 0 {
			dst = append(dst, 0xc0|byte(csid)) // type 3, csid < 64
		}
	}
	return dst
}

// write sends one message.
func (r *rawRTMP) write(csid uint32, typ byte, streamID uint32, body []byte) error {
	_, err := r.c.Write(r.appendMessage(nil, csid, typ, streamID, body))
	return err
}

// setChunkSize sends Set Chunk Size (5.4.1) and chunks by n from then on.
func (r *rawRTMP) setChunkSize(n int) error {
	if err := r.write(2, 1, 0, bin.BigEndian.AppendUint32(nil, uint32(n))); err != nil {
		return err
	}
	r.outChunk = n
	return nil
}

// command sends an AMF0 command message (7.1.1) on csid 3.
func (r *rawRTMP) command(streamID uint32, vals ...any) error {
	b, err := flv.MarshalAMF0(vals...)
	if err != nil {
		return err
	}
	return r.write(3, 20, streamID, b)
}

// result waits for the server's next command message (skipping control
// messages and media) and returns its name and values.
func (r *rawRTMP) result(d time.Duration) (string, []any, error) {
	r.c.SetReadDeadline(time.Now().Add(d))
	defer r.c.SetReadDeadline(time.Time{})
	for {
		m, err := r.cr.ReadMessage()
		if err != nil {
			return "", nil, err
		}
		if m.Type != 20 {
			continue
		}
		vals, err := flv.UnmarshalAMF0(m.Body)
		if err != nil || len(vals) == 0 {
			return "", nil, fmt.Errorf("bad command from the server: %v", err)
		}
		name, _ := vals[0].(string)
		return name, vals, nil
	}
}

// statusOf returns the level and code of a command's info object (the last
// value of _result, _error and onStatus).
func statusOf(vals []any) (level, code string) {
	if len(vals) == 0 {
		return "", ""
	}
	if o, ok := vals[len(vals)-1].(flv.Object); ok {
		level, _ = o.GetString("level")
		code, _ = o.GetString("code")
	}
	return level, code
}

// errRefused is a command the server answered with an error status.
var errRefused = errors.New("refused with an error status")

// connect sends connect with app (flv writes a string over 64 KiB as an
// AMF0 long string, 2.14) and waits for _result; _error (or an onStatus of
// level error) gives errRefused with the code.
func (r *rawRTMP) connect(app, tcURL string) error {
	obj := flv.Object{{Key: "app", Value: app}, {Key: "tcUrl", Value: tcURL}, {Key: "flashVer", Value: "FMLE/3.0 (hostile)"}}
	if err := r.command(0, "connect", 1.0, obj); err != nil {
		return err
	}
	return r.waitStatus("_result")
}

// waitStatus waits for a command named want; _error or an error-level
// onStatus first gives errRefused.
func (r *rawRTMP) waitStatus(want string) error {
	for {
		name, vals, err := r.result(10 * time.Second)
		if err != nil {
			return err
		}
		level, code := statusOf(vals)
		switch {
		case name == "_error" || level == "error":
			return fmt.Errorf("%w: %s %s", errRefused, name, code)
		case name == want && (want != "onStatus" || strings.HasSuffix(code, ".Start")):
			return nil
		}
	}
}

// publish sends createStream and publish name and waits for
// NetStream.Publish.Start.
func (r *rawRTMP) publish(name string) error {
	if err := r.command(0, "createStream", 2.0, nil); err != nil {
		return err
	}
	if err := r.waitStatus("_result"); err != nil {
		return err
	}
	if err := r.command(1, "publish", 3.0, nil, name, "live"); err != nil {
		return err
	}
	return r.waitStatus("onStatus")
}

// nestedStrictArrays returns size bytes of AMF0: depth strict arrays, each
// the only value of the one around it, each declaring as many elements as
// there are bytes left after its count (the largest count a parser that
// checks "one byte per element" lets through), the innermost full of nulls.
// A decoder that trusts the counts allocates depth slices of that many
// elements before it finds out (AMF0 2.12).
func nestedStrictArrays(depth, size int) []byte {
	b := make([]byte, 0, size)
	for i := range depth {
		left := size - 5*(i+1)
		b = append(b, 0x0a)
		b = bin.BigEndian.AppendUint32(b, uint32(left))
	}
	for len(b) < size {
		b = append(b, 0x05) // null
	}
	return b
}

// connectBomb is a connect command of size bytes whose command object is
// replaced by depth nested strict arrays (nestedStrictArrays).
func connectBomb(depth, size int) []byte {
	head, _ := flv.MarshalAMF0("connect", 1.0)
	return append(head, nestedStrictArrays(depth, size-len(head))...)
}

// metadataBomb is an onMetaData data message of size bytes carrying depth
// nested strict arrays.
func metadataBomb(depth, size int) []byte {
	head, _ := flv.MarshalAMF0("onMetaData")
	return append(head, nestedStrictArrays(depth, size-len(head))...)
}

// floodNoRead writes msgs (whole messages, already chunked) to c over and
// over without ever reading, until a write fails or stop is closed; each
// write may wait at most 200 ms, so the flooder notices stop.
func floodNoRead(c net.Conn, msgs []byte, stop chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := c.Write(msgs); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue // the server stopped reading: keep pushing
			}
			return
		}
	}
}

// rtmpNonReader connects to the RTMP port (4 KiB receive buffer), completes
// the handshake and then floods connect commands and pings (User Control
// PingRequest, 6.2) that the server must answer, and never reads again.
func rtmpNonReader(port int, stop chan struct{}) (net.Conn, error) {
	r, err := dialRawRTMP(port, 4096)
	if err != nil {
		return nil, err
	}
	connect, _ := flv.MarshalAMF0("connect", 1.0, flv.Object{{Key: "app", Value: "live"}, {Key: "tcUrl", Value: "rtmp://127.0.0.1/live"}})
	ping := []byte{0, 6, 0, 0, 0, 42} // PingRequest, timestamp 42
	var burst []byte
	for range 32 {
		burst = r.appendMessage(burst, 3, 20, 0, connect)
		burst = r.appendMessage(burst, 2, 4, 0, ping)
	}
	go floodNoRead(r.c, burst, stop)
	return r.c, nil
}

// ackWindowPublisher publishes name, then sets its Window Acknowledgement
// Size to 1 byte (5.4.4: the server must acknowledge every byte it
// receives), keeps sending small audio messages and never reads: the
// server's acknowledgements fill our receive buffer.
func ackWindowPublisher(port int, name string, stop chan struct{}) (net.Conn, error) {
	r, err := dialRawRTMP(port, 4096)
	if err != nil {
		return nil, err
	}
	if err := r.connect("live", fmt.Sprintf("rtmp://127.0.0.1:%d/live", port)); err != nil {
		r.Close()
		return nil, fmt.Errorf("connect: %w", err)
	}
	if err := r.publish(name); err != nil {
		r.Close()
		return nil, fmt.Errorf("publish: %w", err)
	}
	if err := r.write(2, 5, 0, []byte{0, 0, 0, 1}); err != nil {
		r.Close()
		return nil, err
	}
	go func() {
		audio := append([]byte{0xaf, 1}, make([]byte, 200)...)
		for ts := uint32(0); ; ts += 23 {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			r.c.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
			if _, err := r.c.Write(r.appendMessage(nil, 4, 8, 1, audio)); err != nil {
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					return
				}
			}
		}
	}()
	return r.c, nil
}

// httpNonReader sends GET path on a connection with a 4 KiB receive buffer
// and never reads the answer.
func httpNonReader(port int, path string) (net.Conn, error) {
	c, err := dialSmallRcvBuf(port, 4096)
	if err != nil {
		return nil, err
	}
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// keepAliveIdler sends one request (with basic auth when user is set),
// reads the whole answer and stays connected, idle, as a keep-alive client
// that never sends its next request. It returns the status code.
func keepAliveIdler(port int, path, user, pass string) (net.Conn, int, error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		return nil, 0, err
	}
	auth := ""
	if user != "" {
		auth = "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass)) + "\r\n"
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", path, auth)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	resp, err := readResponse(br)
	if err != nil {
		c.Close()
		return nil, 0, err
	}
	c.SetReadDeadline(time.Time{})
	return c, resp, nil
}

// readResponse reads one HTTP/1.1 response with a Content-Length or chunked
// body and returns its status.
func readResponse(br *bufio.Reader) (int, error) {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// closeAll closes every connection.
func closeAll(cs []net.Conn) {
	for _, c := range cs {
		c.Close()
	}
}
