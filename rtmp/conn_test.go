package rtmp

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"reflect"
	"runtime"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// listen starts a TCP listener on loopback whose first connection is handed,
// after Accept, to serve. (Loopback rather than net.Pipe: net.Pipe has no
// buffer, and RTMP peers legitimately write while the other side writes.)
func listen(t *testing.T, serve func(c *Conn) error) (addr string, done <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan error, 1)
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			ch <- err
			return
		}
		defer nc.Close()
		c, err := Accept(nc, ServerConfig{ChunkSize: 4096})
		if err != nil {
			ch <- err
			return
		}
		ch <- serve(c)
	}()
	return ln.Addr().String(), ch
}

func testTags() []*flv.Tag {
	meta, _ := flv.MarshalAMF0("onMetaData", flv.ECMAArray{{Key: "width", Value: float64(640)}})
	big := bytes.Repeat([]byte{0x27, 1, 0, 0, 0}, 20000) // 100 KB: many chunks
	return []*flv.Tag{
		{Type: flv.TagScript, Timestamp: 0, Data: meta},
		{Type: flv.TagVideo, Timestamp: 0, Data: []byte{0x17, 0, 0, 0, 0, 1, 2, 3}},
		{Type: flv.TagAudio, Timestamp: 0, Data: []byte{0xaf, 0, 0x12, 0x10}},
		{Type: flv.TagVideo, Timestamp: 40, Data: big},
		{Type: flv.TagAudio, Timestamp: 23, Data: []byte{0xaf, 1, 9, 9, 9}},
		{Type: flv.TagVideo, Timestamp: 0x1000000 + 5, Data: big}, // extended timestamp
		{Type: flv.TagAudio, Timestamp: 0x1000000 + 7, Data: []byte{0xaf, 1, 8}},
	}
}

func sameTags(t *testing.T, got []flv.Tag, want []*flv.Tag) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tags, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Type != w.Type || g.Timestamp != w.Timestamp || !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("tag %d: got type %d ts %d len %d, want type %d ts %d len %d",
				i, g.Type, g.Timestamp, len(g.Data), w.Type, w.Timestamp, len(w.Data))
		}
	}
}

func TestPublishFlow(t *testing.T) {
	tags := testTags()
	var got []flv.Tag
	var req *Request
	addr, done := listen(t, func(c *Conn) error {
		var err error
		if req, err = c.ReadRequest(); err != nil {
			return err
		}
		if err := c.AcceptPublish(); err != nil {
			return err
		}
		for {
			tag, err := c.ReadTag()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			got = append(got, tag)
		}
	})
	ctx := context.Background()
	c, err := Dial(ctx, "rtmp://"+addr+"/live/app2/stream?token=abc&vhost=v.example", DialConfig{ChunkSize: 1000,
		ConnectParams: flv.Object{{Key: "pageUrl", Value: "http://page.example/watch"}, {Key: "swfUrl", Value: "http://page.example/p.swf"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteTags(tags); err != nil {
		t.Fatal(err)
	}
	if err := c.Unpublish(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	host, _, _ := net.SplitHostPort(addr)
	want := Request{Kind: KindPublish, TcURL: "rtmp://" + addr + "/live/app2", App: "live/app2", Stream: "stream",
		Param: "?token=abc&vhost=v.example", Host: host, Vhost: "v.example",
		PageURL: "http://page.example/watch", SwfURL: "http://page.example/p.swf"}
	if !reflect.DeepEqual(*req, want) {
		t.Fatalf("request %+v, want %+v", *req, want)
	}
	sameTags(t, got, tags)
	if c.BytesOut() == 0 || c.BytesIn() == 0 {
		t.Fatal("byte counters not updated")
	}
}

func TestPlayFlow(t *testing.T) {
	tags := testTags()
	addr, done := listen(t, func(c *Conn) error {
		req, err := c.ReadRequest()
		if err != nil {
			return err
		}
		if req.Kind != KindPlay || req.App != "live" || req.Stream != "s" {
			return fmt.Errorf("bad request %+v", req)
		}
		if err := c.AcceptPlay(); err != nil {
			return err
		}
		in := make(chan error, 1)
		go func() { in <- c.ServePlayerInput() }()
		if err := c.WriteTags(tags); err != nil {
			return err
		}
		return <-in
	})
	ctx := context.Background()
	c, err := Dial(ctx, "rtmp://"+addr+"/live/s", DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Play(ctx); err != nil {
		t.Fatal(err)
	}
	var got []flv.Tag
	for len(got) < len(tags) {
		tag, err := c.ReadTag()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, tag)
	}
	sameTags(t, got, tags)
	c.Close()
	if err := <-done; err != io.EOF {
		t.Fatalf("ServePlayerInput: got %v, want io.EOF", err)
	}
}

func TestRejectFlows(t *testing.T) {
	for _, kind := range []Kind{KindPublish, KindPlay} {
		t.Run(kind.String(), func(t *testing.T) {
			addr, done := listen(t, func(c *Conn) error {
				req, err := c.ReadRequest()
				if err != nil {
					return err
				}
				if req.Kind == KindPublish {
					return c.RejectPublish("NetStream.Publish.BadName", "busy")
				}
				return c.RejectPlay("NetStream.Play.StreamNotFound", "no such stream")
			})
			ctx := context.Background()
			c, err := Dial(ctx, "rtmp://"+addr+"/live/s", DialConfig{Timeout: 2 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if kind == KindPublish {
				err = c.Publish(ctx)
			} else {
				err = c.Play(ctx)
			}
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want *StatusError", err)
			}
			if want := map[Kind]string{KindPublish: "NetStream.Publish.BadName", KindPlay: "NetStream.Play.StreamNotFound"}[kind]; se.Code != want {
				t.Fatalf("code %q, want %q", se.Code, want)
			}
			if err := <-done; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The server acknowledges every window of bytes the peer announced with
// Window Acknowledgement Size (section 5.4.3, 5.4.4).
func TestAcknowledgement(t *testing.T) {
	addr, done := listen(t, func(c *Conn) error {
		if _, err := c.ReadRequest(); err != nil {
			return err
		}
		if err := c.AcceptPublish(); err != nil {
			return err
		}
		for {
			if _, err := c.ReadTag(); err != nil {
				if err == io.EOF {
					return nil
				}
				return err
			}
		}
	})
	ctx := context.Background()
	c, err := Dial(ctx, "rtmp://"+addr+"/live/s", DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Publish(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.writeControl(TypeWindowAckSize, controlBody4(4096)); err != nil {
		t.Fatal(err)
	}
	tag := &flv.Tag{Type: flv.TagVideo, Data: make([]byte, 3000)}
	for i := 0; i < 10; i++ {
		if err := c.WriteTag(tag); err != nil {
			t.Fatal(err)
		}
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var acks []uint32
	for len(acks) < 5 {
		m, err := c.cr.ReadMessage()
		if err != nil {
			t.Fatalf("after %d acks: %v", len(acks), err)
		}
		if m.Type == TypeAck {
			acks = append(acks, binary.BigEndian.Uint32(m.Body))
		}
	}
	for i, a := range acks {
		if a < uint32(4096*(i+1)) {
			t.Fatalf("ack %d: sequence number %d", i, a)
		}
	}
	c.Unpublish()
	c.Close()
	<-done
}

// TestTryWriteTags fills a player's socket with writes that do not wait:
// once one reports that bytes were left, a control message (sent by the
// reading side in real use) and FlushWrites must put everything on the wire
// in order, so the player reads every tag intact.
func TestTryWriteTags(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("writes without waiting are implemented on linux only")
	}
	tags := testTags()
	rounds := make(chan int, 1)
	addr, done := listen(t, func(c *Conn) error {
		if _, err := c.ReadRequest(); err != nil {
			return err
		}
		if err := c.AcceptPlay(); err != nil {
			return err
		}
		in := make(chan error, 1)
		go func() { in <- c.ServePlayerInput() }()
		n := 0
		for {
			n++
			ok, err := c.TryWriteTags(tags)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			if n > 10000 {
				return fmt.Errorf("the socket never filled up")
			}
		}
		rounds <- n
		if err := c.writeControl(TypeWindowAckSize, controlBody4(2500000)); err != nil {
			return err
		}
		if err := c.FlushWrites(); err != nil {
			return err
		}
		if err := c.WriteTags(tags); err != nil {
			return err
		}
		if err := <-in; err != io.EOF {
			return fmt.Errorf("ServePlayerInput: %v", err)
		}
		return nil
	})
	ctx := context.Background()
	c, err := Dial(ctx, "rtmp://"+addr+"/live/s", DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Play(ctx); err != nil {
		t.Fatal(err)
	}
	n := <-rounds
	for i := 0; i <= n; i++ {
		var got []flv.Tag
		for len(got) < len(tags) {
			tag, err := c.ReadTag()
			if err != nil {
				t.Fatalf("round %d of %d: %v", i, n, err)
			}
			got = append(got, tag)
		}
		sameTags(t, got, tags)
	}
	c.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestGrowReaderKeepsBufferedBytes: what the small read buffer of the
// request phase already held when a publisher's connection switches to the
// 4 KB one is read first, then the connection, nothing lost, reordered or
// counted twice.
func TestGrowReaderKeepsBufferedBytes(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := newServerConn(a, 0, 0, nil)
	a.SetReadDeadline(time.Now().Add(5 * time.Second)) // bytes lost: fail, do not hang
	want := make([]byte, 3000)
	for i := range want {
		want[i] = byte(i * 7)
	}
	go func() {
		b.Write(want[:1000])
		b.Write(want[1000:])
	}()
	if _, err := c.br.Peek(smallReadBuffer); err != nil { // the small buffer is full
		t.Fatal(err)
	}
	c.growReader()
	if c.cr.r != c.br || c.br.Size() != mediaReadBuffer {
		t.Fatalf("the chunk reader reads through a buffer of %d bytes, want %d", c.br.Size(), mediaReadBuffer)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c.br, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("bytes lost or reordered across the switch")
	}
	if c.BytesIn() != uint64(len(want)) {
		t.Fatalf("BytesIn %d, want %d", c.BytesIn(), len(want))
	}
}

// A data message's name is compared, not decoded: no allocation per data
// message, and a body that is not AMF0 passes as it is.
func TestDataTag(t *testing.T) {
	meta, _ := flv.MarshalAMF0("onMetaData", flv.ECMAArray{{Key: "width", Value: float64(640)}})
	sdf := append(append([]byte(nil), setDataFrame...), meta...)
	c := &Conn{}
	for _, tc := range []struct {
		name string
		m    Message
		want []byte
	}{
		{"setDataFrame", Message{Type: TypeDataAMF0, Body: sdf}, meta},
		{"AMF3 setDataFrame", Message{Type: TypeDataAMF3, Body: append([]byte{0}, sdf...)}, meta},
		{"onMetaData", Message{Type: TypeDataAMF0, Body: meta}, meta},
		{"not AMF0", Message{Type: TypeDataAMF0, Body: []byte{0x02, 0xff}}, []byte{0x02, 0xff}},
		{"empty", Message{Type: TypeDataAMF0}, nil},
	} {
		tag, ok := c.dataTag(tc.m)
		if !ok || tag.Type != flv.TagScript || !bytes.Equal(tag.Data, tc.want) {
			t.Fatalf("%s: got %v %x", tc.name, ok, tag.Data)
		}
	}
	m := Message{Type: TypeDataAMF0, Body: sdf}
	if n := testing.AllocsPerRun(100, func() { c.dataTag(m) }); n != 0 {
		t.Fatalf("%v allocations per data message", n)
	}
	c.cl = &clientSide{}
	access, _ := flv.MarshalAMF0("|RtmpSampleAccess", false, false)
	if _, ok := c.dataTag(Message{Type: TypeDataAMF0, Body: access}); ok {
		t.Fatal("client passes |RtmpSampleAccess on")
	}
}

// A command whose body does not decode entirely is refused, never taken
// for the values before the failure.
func TestParseCommandWhole(t *testing.T) {
	good, _ := flv.MarshalAMF0("play", 0, nil, "stream")
	if cmd, err := parseCommand(Message{Type: TypeCommandAMF0, Body: good}); err != nil || cmd.Name != "play" || cmd.argString(0) != "stream" {
		t.Fatalf("got %+v, %v", cmd, err)
	}
	for _, body := range [][]byte{
		good[:len(good)-1],         // name cut short
		append(good[:18:18], 0x11), // null, then an AMF3 switch instead of the name
		{0x00},                     // not even a name
	} {
		if cmd, err := parseCommand(Message{Type: TypeCommandAMF0, Body: body}); !errors.Is(err, ErrBadCommand) {
			t.Fatalf("%x: got %+v, %v; want ErrBadCommand", body, cmd, err)
		}
	}
}

// casesCommand feeds FuzzParseCommand: command bodies as clients and
// servers send them, and the AMF0 amplification shape.
func casesCommand(t testing.TB) [][]byte {
	must := func(vals ...any) []byte {
		b, err := flv.MarshalAMF0(vals...)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	nested := must("connect", 1)
	for i := 0; i < 33; i++ {
		left := 2048 - len(nested) - 5
		nested = append(nested, 0x0a, byte(left>>24), byte(left>>16), byte(left>>8), byte(left))
	}
	for len(nested) < 2048 {
		nested = append(nested, 0x05)
	}
	return [][]byte{
		must("connect", 1, flv.Object{{Key: "app", Value: "live"}, {Key: "tcUrl", Value: "rtmp://h/live"},
			{Key: "fourCcList", Value: flv.StrictArray{"av01", "hvc1"}}, {Key: "objectEncoding", Value: 0}}),
		must("publish", 5, nil, "s?token=1", "live"),
		must("play", 4, nil, "s", -2000),
		must("_result", 1, flv.Object{{Key: "fmsVer", Value: "FMS/3,5,3,888"}}, statusInfo("status", "NetConnection.Connect.Success", "ok")),
		must("onStatus", 0, nil, statusInfo("error", "NetStream.Publish.BadName", "busy")),
		must("pause", 6, nil, true, 1000),
		nested,
		append(must("connect", 1), 0x11, 0x0a, 0x0b, 0x01), // AMF3 switch
	}
}

// FuzzParseCommand: no panic; memory within the AMF0 decoder's bound (20
// bytes per byte, see flv.UnmarshalAMF0) plus a constant for the command
// and its error; a command is parsed only from a body that decodes
// entirely, and parses the same after re-encoding.
func FuzzParseCommand(f *testing.F) {
	for _, b := range casesCommand(f) {
		f.Add(b, false)
		f.Add(append([]byte{0}, b...), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, amf3 bool) {
		m := Message{Type: TypeCommandAMF0, Body: b}
		if amf3 {
			m.Type = TypeCommandAMF3
		}
		var cmd command
		var err error
		bound := uint64(20*len(b) + 1024)
		if got, over := heapAllocatedOver(bound, func() { cmd, err = parseCommand(m) }); over {
			t.Fatalf("allocated %d bytes for %d, over %d", got, len(b), bound)
		}
		if err != nil {
			if !errors.Is(err, ErrBadCommand) {
				t.Fatalf("error %v is not ErrBadCommand", err)
			}
			return
		}
		body := b
		if amf3 && len(body) > 0 && body[0] == 0 {
			body = body[1:]
		}
		vals, err := flv.UnmarshalAMF0(body)
		if err != nil || len(vals) == 0 || vals[0] != cmd.Name {
			t.Fatalf("parsed %+v from a body that decodes to %v, %v", cmd, vals, err)
		}
		enc, err := flv.MarshalAMF0(vals...)
		if err != nil {
			t.Fatal(err)
		}
		cmd2, err := parseCommand(Message{Type: TypeCommandAMF0, Body: enc})
		if err != nil || cmd2.Name != cmd.Name || math.Float64bits(cmd2.TxID) != math.Float64bits(cmd.TxID) ||
			len(cmd2.Args) != len(cmd.Args) || len(cmd2.Obj) != len(cmd.Obj) {
			t.Fatalf("re-encoded: %+v, %v; want %+v", cmd2, err, cmd)
		}
	})
}

// TestServeBufferedPlayerInput: two commands that arrive in one segment are
// both answered by one call, which then returns with nothing left buffered;
// the player's close ends the next call with io.EOF.
func TestServeBufferedPlayerInput(t *testing.T) {
	calls := make(chan error, 4)
	addr, done := listen(t, func(c *Conn) error {
		if _, err := c.ReadRequest(); err != nil {
			return err
		}
		if err := c.AcceptPlay(); err != nil {
			return err
		}
		if c.InputBuffered() == 0 && c.br != nil {
			return fmt.Errorf("a player with nothing to read keeps a read buffer of %d bytes", c.br.Size())
		}
		for {
			err := c.ServeBufferedPlayerInput()
			if err == nil && c.InputBuffered() != 0 {
				err = fmt.Errorf("returned with %d bytes buffered", c.InputBuffered())
			}
			if err == nil && (c.br != nil || c.setup != nil || c.cw.iov != nil || c.cr.partial != nil) {
				// A player that has handled what it sent keeps no read
				// buffer, no request state, no vector of its answers and
				// no list of messages in progress.
				err = fmt.Errorf("a drained player keeps a read buffer (%v), its request (%v), a vector (%d) or partial messages (%d)",
					c.br != nil, c.setup != nil, cap(c.cw.iov), cap(c.cr.partial))
			}
			calls <- err
			if err != nil {
				return err
			}
		}
	})
	ctx := context.Background()
	c, err := Dial(ctx, "rtmp://"+addr+"/live/s", DialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Play(ctx); err != nil {
		t.Fatal(err)
	}
	// A control message alone is handled, and the call returns (Play
	// sent one too).
	if err := c.writeControl(TypeUserControl, userControlBody(userControlSetBufferLength, c.streamID, 1000)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-calls:
		if err != nil {
			t.Fatalf("after Set Buffer Length: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a control message alone left the call waiting for more")
	}
	for drained := false; !drained; {
		select {
		case err := <-calls:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(300 * time.Millisecond):
			drained = true
		}
	}
	var msgs []Message
	for _, paused := range []bool{true, false} {
		b, err := flv.MarshalAMF0("pause", 0, nil, paused, 0)
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, Message{Type: TypeCommandAMF0, ChunkStreamID: csidStream, StreamID: c.streamID, Body: b})
	}
	if err := c.writeMessages(msgs...); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for len(codes) < 2 {
		m, err := c.readMessage()
		if err != nil {
			t.Fatal(err)
		}
		if m.Type != TypeCommandAMF0 {
			continue
		}
		cmd, err := parseCommand(m)
		if err != nil || cmd.Name != "onStatus" {
			continue
		}
		info, _ := cmd.arg(0).(flv.Object)
		v, _ := info.Get("code")
		code, _ := v.(string)
		codes = append(codes, code)
	}
	if codes[0] != "NetStream.Pause.Notify" || codes[1] != "NetStream.Unpause.Notify" {
		t.Fatalf("answers %q", codes)
	}
	if err := <-calls; err != nil {
		t.Fatalf("first call: %v", err)
	}
	select {
	case err := <-calls:
		t.Fatalf("a second call returned (%v): both commands should have been handled by one", err)
	default:
	}
	c.Close()
	if err := <-done; err != io.EOF {
		t.Fatalf("after the close: %v, want io.EOF", err)
	}
}
