package rtmp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// memConn is a net.Conn whose peer has sent in and reads nothing back: it
// counts what the Conn reads and keeps what it writes.
type memConn struct {
	r   *bytes.Reader
	in  int
	out bytes.Buffer
}

func newMemConn(in []byte) *memConn { return &memConn{r: bytes.NewReader(in)} }

func (m *memConn) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.in += n
	return n, err
}
func (m *memConn) Write(p []byte) (int, error)      { return m.out.Write(p) }
func (m *memConn) Close() error                     { return nil }
func (m *memConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (m *memConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (m *memConn) SetDeadline(time.Time) error      { return nil }
func (m *memConn) SetReadDeadline(time.Time) error  { return nil }
func (m *memConn) SetWriteDeadline(time.Time) error { return nil }

// serverOn returns a server Conn past its handshake on mc.
func serverOn(mc *memConn) *Conn {
	return newServerConn(mc, 0, 0, nil)
}

// cmdMsg is a command message on the command chunk stream.
func cmdMsg(t testing.TB, vals ...any) Message {
	b, err := flv.MarshalAMF0(vals...)
	if err != nil {
		t.Fatal(err)
	}
	return Message{Type: TypeCommandAMF0, ChunkStreamID: csidCommand, Body: b}
}

func connectMsg(t testing.TB, tcURL, app string) Message {
	return cmdMsg(t, "connect", 1, flv.Object{{Key: "app", Value: app}, {Key: "tcUrl", Value: tcURL}})
}

func publishMsgs(t testing.TB, name string) []Message {
	return []Message{
		cmdMsg(t, "releaseStream", 2, nil, name),
		cmdMsg(t, "FCPublish", 3, nil, name),
		cmdMsg(t, "createStream", 4, nil),
		{Type: TypeCommandAMF0, ChunkStreamID: csidClientStream, StreamID: 1, Body: cmdMsg(t, "publish", 5, nil, name, "live").Body},
	}
}

func pingMsg() Message {
	return Message{Type: TypeUserControl, ChunkStreamID: csidProtocolControl, Body: userControlBody(userControlPingRequest, 1)}
}

// padCommand is an unknown command without a transaction id (no answer)
// whose body is exactly size bytes.
func padCommand(t testing.TB, size int) Message {
	m := cmdMsg(t, "pad", 0, nil, "")
	pad := size - len(m.Body)
	if pad < 0 {
		t.Fatalf("pad command of %d bytes", size)
	}
	if pad > 0xffff {
		t.Fatalf("pad too large")
	}
	return cmdMsg(t, "pad", 0, nil, strings.Repeat("x", pad))
}

// statusOf returns the first onStatus or _error info object the server wrote.
func statusOf(t *testing.T, out []byte) flv.Object {
	t.Helper()
	r := NewChunkReader(bufio.NewReader(bytes.NewReader(out)), 0, 0)
	for {
		m, err := r.ReadMessage()
		if err != nil {
			t.Fatalf("no onStatus or _error among the answers: %v", err)
		}
		if m.Type != TypeCommandAMF0 {
			continue
		}
		cmd, err := parseCommand(m)
		if err != nil {
			t.Fatal(err)
		}
		if cmd.Name == "onStatus" || cmd.Name == "_error" {
			return cmd.infoObject()
		}
	}
}

func TestRequestWithinBudget(t *testing.T) {
	msgs := append([]Message{connectMsg(t, "rtmp://h/live", "live")}, publishMsgs(t, "s?token=1")...)
	mc := newMemConn(writeMessages(128, msgs...))
	r, err := serverOn(mc).ReadRequest()
	if err != nil {
		t.Fatal(err)
	}
	if r.Kind != KindPublish || r.App != "live" || r.Stream != "s" || r.Param != "?token=1" {
		t.Fatalf("request %+v", r)
	}
	t.Logf("read %d bytes, answered %d", mc.in, mc.out.Len())
	if mc.out.Len() > 1024 {
		t.Fatalf("answered %d bytes to a plain publish", mc.out.Len())
	}
}

// A message of the request phase may be MaxCommandSize bytes, not one more,
// whatever its type, and nothing is allocated for the one refused.
func TestRequestMessageSize(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Message
		ok   bool
	}{
		{"command at the limit", padCommand(t, MaxCommandSize), true},
		{"command over the limit", padCommand(t, MaxCommandSize+1), false},
		{"audio over the limit", Message{Type: TypeAudio, ChunkStreamID: csidAudio, StreamID: 1, Body: make([]byte, MaxCommandSize+1)}, false},
		{"data over the limit", Message{Type: TypeDataAMF0, ChunkStreamID: csidData, StreamID: 1, Body: make([]byte, MaxCommandSize+1)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := append([]Message{connectMsg(t, "rtmp://h/live", "live"), tc.m}, publishMsgs(t, "s")...)
			_, err := serverOn(newMemConn(withChunkSize(4096, msgs...))).ReadRequest()
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok && (!errors.Is(err, ErrRequestTooLarge) || !errors.Is(err, ErrMessageTooLarge)) {
				t.Fatalf("got %v, want ErrRequestTooLarge", err)
			}
		})
	}
}

// withChunkSize prefixes msgs, encoded at chunk size cs, with the Set Chunk
// Size that announces it.
func withChunkSize(cs int, msgs ...Message) []byte {
	b := writeMessages(128, Message{Type: TypeSetChunkSize, ChunkStreamID: csidProtocolControl, Body: controlBody4(uint32(cs))})
	return append(b, writeMessages(cs, msgs...)...)
}

func TestRequestMessageCount(t *testing.T) {
	for _, n := range []int{MaxRequestMessages, MaxRequestMessages + 1} {
		// connect, pings, then createStream and publish: n messages.
		msgs := []Message{connectMsg(t, "rtmp://h/live", "live")}
		for len(msgs) < n-2 {
			msgs = append(msgs, pingMsg())
		}
		msgs = append(msgs, publishMsgs(t, "s")[2:]...)
		mc := newMemConn(writeMessages(128, msgs...))
		_, err := serverOn(mc).ReadRequest()
		if n <= MaxRequestMessages && err != nil {
			t.Fatalf("%d messages: %v", n, err)
		}
		if n > MaxRequestMessages && !errors.Is(err, ErrRequestTooLarge) {
			t.Fatalf("%d messages: got %v, want ErrRequestTooLarge", n, err)
		}
		if mc.out.Len() > MaxRequestReplyBytes {
			t.Fatalf("%d messages: answered %d bytes", n, mc.out.Len())
		}
	}
	// Set Chunk Size messages, which the chunk layer consumes, count too.
	var msgs []Message
	for i := 0; i < MaxRequestMessages; i++ {
		msgs = append(msgs, Message{Type: TypeSetChunkSize, ChunkStreamID: csidProtocolControl, Body: controlBody4(128)})
	}
	msgs = append(msgs, connectMsg(t, "rtmp://h/live", "live"))
	if _, err := serverOn(newMemConn(writeMessages(128, msgs...))).ReadRequest(); !errors.Is(err, ErrRequestTooLarge) {
		t.Fatalf("%d Set Chunk Size: got %v, want ErrRequestTooLarge", MaxRequestMessages, err)
	}
}

// The request phase reads at most MaxRequestBytes from the socket, chunk
// headers included (chunk size 1 doubles every body).
func TestRequestBytes(t *testing.T) {
	msgs := []Message{connectMsg(t, "rtmp://h/live", "live")}
	for i := 0; i < 40; i++ {
		msgs = append(msgs, padCommand(t, 1000))
	}
	msgs = append(msgs, publishMsgs(t, "s")...)
	mc := newMemConn(withChunkSize(1, msgs...))
	_, err := serverOn(mc).ReadRequest()
	if !errors.Is(err, ErrRequestTooLarge) {
		t.Fatalf("got %v, want ErrRequestTooLarge", err)
	}
	if mc.in > MaxRequestBytes {
		t.Fatalf("read %d bytes, over %d", mc.in, MaxRequestBytes)
	}
	// The same at the default chunk size fits.
	if _, err := serverOn(newMemConn(withChunkSize(4096, msgs...))).ReadRequest(); err != nil {
		t.Fatal(err)
	}
}

// Message bodies declared and given up (Abort, or a new header in the
// middle of a message) cannot make the request phase allocate more than
// MaxRequestBytes of bodies.
func TestRequestBodyAllocation(t *testing.T) {
	var in []byte
	for i := 0; i < 64; i++ {
		// The first chunk of a message of MaxCommandSize bytes (a 12-byte
		// header, 128 bytes of body), then Abort: 156 bytes for 16 KiB.
		in = append(in, writeMessages(128, padCommand(t, MaxCommandSize))[:12+128]...)
		in = append(in, writeMessages(128, Message{Type: TypeAbort, ChunkStreamID: csidProtocolControl, Body: controlBody4(csidCommand)})...)
	}
	var mc *memConn
	var err error
	alloc, over := heapAllocatedOver(2*MaxRequestBytes, func() {
		mc = newMemConn(in)
		_, err = serverOn(mc).ReadRequest()
	})
	if !errors.Is(err, ErrRequestTooLarge) {
		t.Fatalf("got %v, want ErrRequestTooLarge", err)
	}
	if over {
		t.Fatalf("allocated %d bytes reading %d", alloc, mc.in)
	}
}

// The answers of the request phase stop at MaxRequestReplyBytes. (The
// message count keeps a real flood at a few KiB: one connect, one answer
// of at most 60 bytes to each other message.)
func TestRequestReplyBytes(t *testing.T) {
	mc := newMemConn(nil)
	c := serverOn(mc)
	restore := c.beginRequest()
	defer restore()
	var err error
	for i := 0; i < 1000 && err == nil; i++ {
		err = c.writeCommand(csidCommand, 0, "_result", 1, nil, "0123456789")
	}
	if !errors.Is(err, ErrRequestTooLarge) {
		t.Fatalf("got %v, want ErrRequestTooLarge", err)
	}
	if mc.out.Len() > MaxRequestReplyBytes {
		t.Fatalf("wrote %d bytes", mc.out.Len())
	}
	restore()
	if err := c.writeCommand(csidCommand, 0, "_result", 1, nil); err != nil {
		t.Fatalf("after the request phase: %v", err)
	}
}

func TestRequestSecondConnect(t *testing.T) {
	msgs := []Message{connectMsg(t, "rtmp://h/live", "live"), connectMsg(t, "rtmp://h/live", "live")}
	if _, err := serverOn(newMemConn(writeMessages(128, msgs...))).ReadRequest(); !errors.Is(err, ErrBadCommand) {
		t.Fatalf("got %v, want ErrBadCommand", err)
	}
}

func TestRequestNameLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tcURL := func(appLen, queryLen int) string {
		u := "rtmp://h/" + long(appLen)
		if queryLen > 0 {
			u += "?" + long(queryLen-1)
		}
		return u
	}
	for _, tc := range []struct {
		name       string
		tcURL, app string
		stream     string
		play       bool
		code       string // "" if accepted
		what       string // in the description
	}{
		{"at the limits", tcURL(MaxAppLength, MaxTcURLLength-len(tcURL(MaxAppLength, 0))), "x",
			long(MaxStreamNameLength) + "?" + long(MaxParamLength-1), false, "", ""},
		{"tcUrl", tcURL(3, MaxTcURLLength-len(tcURL(3, 0))+1), "x", "s", false, "NetConnection.Connect.Rejected", "tcUrl"},
		{"connect app", "rtmp://h/live", long(MaxTcURLLength + 1), "s", false, "NetConnection.Connect.Rejected", "app"},
		{"app", tcURL(MaxAppLength+1, 0), "x", "s", false, "NetStream.Publish.BadName", "app name"},
		{"stream", "rtmp://h/live", "live", long(MaxStreamNameLength + 1), false, "NetStream.Publish.BadName", "stream name"},
		{"stream played", "rtmp://h/live", "live", long(MaxStreamNameLength + 1), true, "NetStream.Play.StreamNotFound", "stream name"},
		{"param", "rtmp://h/live", "live", "s?" + long(MaxParamLength), false, "NetStream.Publish.BadName", "stream parameters"},
		{"tcUrl param", tcURL(4, MaxTcURLLength-len(tcURL(4, 0))), "x", "s", false, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs := append([]Message{connectMsg(t, tc.tcURL, tc.app)}, publishMsgs(t, tc.stream)...)
			if tc.play {
				msgs = append(msgs[:1], cmdMsg(t, "createStream", 2, nil),
					Message{Type: TypeCommandAMF0, ChunkStreamID: csidClientStream, StreamID: 1, Body: cmdMsg(t, "play", 3, nil, tc.stream).Body})
			}
			mc := newMemConn(withChunkSize(4096, msgs...))
			r, err := serverOn(mc).ReadRequest()
			if tc.code == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(r.App) > MaxAppLength || len(r.Stream) > MaxStreamNameLength || len(r.Param) > MaxParamLength || len(r.TcURL) > MaxTcURLLength {
					t.Fatalf("accepted %d/%d/%d/%d bytes", len(r.App), len(r.Stream), len(r.Param), len(r.TcURL))
				}
				return
			}
			if !errors.Is(err, ErrNameTooLong) || r != nil {
				t.Fatalf("got %v, %v; want ErrNameTooLong", r, err)
			}
			info := statusOf(t, mc.out.Bytes())
			code, _ := info.GetString("code")
			desc, _ := info.GetString("description")
			level, _ := info.GetString("level")
			if code != tc.code || level != "error" || !strings.HasPrefix(desc, tc.what+" of ") {
				t.Fatalf("status %s %s %q, want error %s %q", level, code, desc, tc.code, tc.what)
			}
		})
	}
}

// Our own client sees the refusal as a *StatusError.
func TestNameTooLongClient(t *testing.T) {
	addr, done := listen(t, func(c *Conn) error {
		_, err := c.ReadRequest()
		return err
	})
	ctx := context.Background()
	c, err := Dial(ctx, "rtmp://"+addr+"/live/"+strings.Repeat("s", MaxStreamNameLength+1), DialConfig{Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Publish(ctx)
	var se *StatusError
	if !errors.As(err, &se) || se.Code != "NetStream.Publish.BadName" {
		t.Fatalf("got %v, want NetStream.Publish.BadName", err)
	}
	if err := <-done; !errors.Is(err, ErrNameTooLong) {
		t.Fatalf("server: got %v, want ErrNameTooLong", err)
	}
}

// After the request phase, commands stay bounded by MaxCommandSize, and a
// player may send nothing larger: only media from a publisher may be large.
func TestCommandSizeAfterRequest(t *testing.T) {
	big := MaxCommandSize + 1
	video := Message{Type: TypeVideo, ChunkStreamID: csidVideo, StreamID: 1, Body: make([]byte, 4*big)}
	audio := Message{Type: TypeAudio, ChunkStreamID: csidAudio, StreamID: 1, Body: make([]byte, big)}
	command := padCommand(t, big)

	publish := append([]Message{connectMsg(t, "rtmp://h/live", "live")}, publishMsgs(t, "s")...)
	c := serverOn(newMemConn(withChunkSize(4096, append(append(publish[:len(publish):len(publish)], video), command)...)))
	if _, err := c.ReadRequest(); err != nil {
		t.Fatal(err)
	}
	if tag, err := c.ReadTag(); err != nil || len(tag.Data) != len(video.Body) {
		t.Fatalf("publisher's large video: %v", err)
	}
	if _, err := c.ReadTag(); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("publisher's large command: got %v, want ErrMessageTooLarge", err)
	}

	play := []Message{connectMsg(t, "rtmp://h/live", "live"), cmdMsg(t, "createStream", 2, nil),
		{Type: TypeCommandAMF0, ChunkStreamID: csidClientStream, StreamID: 1, Body: cmdMsg(t, "play", 3, nil, "s").Body}, audio}
	c = serverOn(newMemConn(withChunkSize(4096, play...)))
	if _, err := c.ReadRequest(); err != nil {
		t.Fatal(err)
	}
	if err := c.AcceptPlay(); err != nil {
		t.Fatal(err)
	}
	if err := c.ServePlayerInput(); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("player's large audio: got %v, want ErrMessageTooLarge", err)
	}
}

// requestAllocBound is what FuzzReadRequest allows ReadRequest to allocate
// in all, freed or not, for in bytes read: each byte read is at most one
// byte of a message body, which the AMF0 decoder turns into at most 20
// (flv.UnmarshalAMF0's bound); the constant covers what does not depend on
// the input: the Conn (its 4 KiB read buffer, the chunk reader), up to
// 2*MaxCommandSize of bodies declared but not yet read, the answers
// (MaxRequestReplyBytes, built as AMF0 trees first) and per message a
// command struct and its debug arguments (MaxRequestMessages of them).
// Measured: a real publish allocates about 10 KiB, the seeds at most 220
// KiB (12 KiB of strict arrays of nulls).
func requestAllocBound(in int) uint64 { return uint64(21*in + 160<<10) }

// requestSeeds feeds FuzzReadRequest: real flows and the hostile shapes
// the limits are for (TestRequest* build the full-size ones).
func requestSeeds(t testing.TB) [][]byte {
	connect := connectMsg(t, "rtmp://h/live", "live")
	play := []Message{connect, cmdMsg(t, "createStream", 2, nil),
		{Type: TypeCommandAMF0, ChunkStreamID: csidClientStream, StreamID: 1, Body: cmdMsg(t, "play", 3, nil, "s").Body}}
	nested := cmdMsg(t, "connect", 1)
	for i := 0; i < 33; i++ {
		left := 4096 - len(nested.Body) - 5
		nested.Body = append(nested.Body, 0x0a, byte(left>>24), byte(left>>16), byte(left>>8), byte(left))
	}
	for len(nested.Body) < 4096 {
		nested.Body = append(nested.Body, 0x05)
	}
	nulls := cmdMsg(t, "pad", 0, nil)
	nulls.Body = append(nulls.Body, 0x0a, 0, 0, 0x0f, 0xe0)
	nulls.Body = append(nulls.Body, bytes.Repeat([]byte{0x05}, 0x0fe0)...)
	var pings []Message
	for i := 0; i < 70; i++ {
		pings = append(pings, pingMsg())
	}
	var aborts []byte
	for i := 0; i < 6; i++ {
		aborts = append(aborts, writeMessages(128, padCommand(t, MaxCommandSize))[:12+128]...)
		aborts = append(aborts, writeMessages(128, Message{Type: TypeAbort, ChunkStreamID: csidProtocolControl, Body: controlBody4(csidCommand)})...)
	}
	window := Message{Type: TypeWindowAckSize, ChunkStreamID: csidProtocolControl, Body: controlBody4(1)}
	amf3 := Message{Type: TypeCommandAMF3, ChunkStreamID: csidClientStream, StreamID: 1, Body: append([]byte{0}, cmdMsg(t, "play", 3, nil, "s").Body...)}
	return [][]byte{
		writeMessages(128, append([]Message{connect}, publishMsgs(t, "s?token=1")...)...),
		withChunkSize(4096, append([]Message{window, pingMsg()}, play...)...),
		writeMessages(128, connect, cmdMsg(t, "createStream", 2, nil), amf3),
		withChunkSize(4096, nested),
		withChunkSize(4096, connect, nulls, nulls, nulls),
		writeMessages(128, append([]Message{connect}, pings...)...),
		aborts,
		withChunkSize(1, append([]Message{connect}, publishMsgs(t, "s")...)...),
		withChunkSize(4096, append([]Message{connect}, publishMsgs(t, strings.Repeat("s", MaxStreamNameLength+1))...)...),
		writeMessages(128, connect, connect),
		{0x03, 0, 0, 0, 0x00, 0x40, 0x00, 0x14, 0, 0, 0, 0}, // a 16 KiB command announced, never sent
	}
}

// FuzzReadRequest drives ReadRequest with arbitrary bytes after the
// handshake: it ends with a request or an error, never a panic; it reads
// at most MaxRequestBytes and writes at most MaxRequestReplyBytes; it
// allocates at most requestAllocBound of what it read; a request it
// returns is within the name limits.
func FuzzReadRequest(f *testing.F) {
	for _, b := range requestSeeds(f) {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var mc *memConn
		var r *Request
		var err error
		run := func() {
			mc = newMemConn(b)
			r, err = serverOn(mc).ReadRequest()
		}
		run()
		if (r == nil) == (err == nil) {
			t.Fatalf("got %v and %v", r, err)
		}
		if mc.in > MaxRequestBytes || mc.out.Len() > MaxRequestReplyBytes {
			t.Fatalf("read %d bytes, wrote %d", mc.in, mc.out.Len())
		}
		if got, over := heapAllocatedOver(requestAllocBound(mc.in), run); over {
			t.Fatalf("allocated %d bytes reading %d, over %d", got, mc.in, requestAllocBound(mc.in))
		}
		if r != nil && nameTooLong(r) != "" {
			t.Fatalf("request over the limits: %s", nameTooLong(r))
		}
	})
}

// The seeds at their measured cost, for the record (go test -v).
func TestRequestSeedsAllocation(t *testing.T) {
	for i, b := range requestSeeds(t) {
		var mc *memConn
		var err error
		run := func() {
			mc = newMemConn(b)
			_, err = serverOn(mc).ReadRequest()
		}
		run()
		got, over := heapAllocatedOver(requestAllocBound(mc.in), run)
		t.Logf("seed %d: read %d, wrote %d, allocated %d (bound %d): %v", i, mc.in, mc.out.Len(), got, requestAllocBound(mc.in), err)
		if over {
			t.Fatalf("seed %d: allocated %d bytes reading %d", i, got, mc.in)
		}
	}
}

// TestConnectPageURLTooLong: connect's pageUrl and swfUrl (which the hooks
// pass on) get the tcUrl's limit: one byte over is refused with
// NetConnection.Connect.Rejected, at the limit is accepted.
func TestConnectPageURLTooLong(t *testing.T) {
	for _, key := range []string{"pageUrl", "swfUrl"} {
		for _, n := range []int{MaxTcURLLength, MaxTcURLLength + 1} {
			connect := cmdMsg(t, "connect", 1, flv.Object{{Key: "app", Value: "live"}, {Key: "tcUrl", Value: "rtmp://h/live"}, {Key: key, Value: strings.Repeat("a", n)}})
			mc := newMemConn(withChunkSize(8192, append([]Message{connect}, publishMsgs(t, "s")...)...))
			r, err := serverOn(mc).ReadRequest()
			if n == MaxTcURLLength {
				if err != nil {
					t.Fatalf("%s of %d bytes: %v", key, n, err)
				}
				continue
			}
			if !errors.Is(err, ErrNameTooLong) || r != nil {
				t.Fatalf("%s of %d bytes: request returned %v, err %v; want ErrNameTooLong", key, n, r != nil, err)
			}
			info := statusOf(t, mc.out.Bytes())
			if code, _ := info.GetString("code"); code != "NetConnection.Connect.Rejected" {
				t.Fatalf("%s of %d bytes: status %s", key, n, code)
			}
		}
	}
}
