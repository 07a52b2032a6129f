package rtmp

import (
	"bufio"
	"bytes"
	"reflect"
	"testing"

	"github.com/picosrs/picosrs/flv"
)

// playRequest is what a player sends until play: connect, createStream,
// play and Set Buffer Length, as ffmpeg does.
func playRequest(t testing.TB) []byte {
	return writeMessages(128,
		connectMsg(t, "rtmp://h/live", "live"),
		cmdMsg(t, "createStream", 2, nil),
		Message{Type: TypeCommandAMF0, ChunkStreamID: csidClientStream, StreamID: 1, Body: cmdMsg(t, "play", 3, nil, "s", -2000).Body},
		Message{Type: TypeUserControl, ChunkStreamID: csidProtocolControl, Body: userControlBody(userControlSetBufferLength, 1, 3000)},
	)
}

// The answers to connect, createStream and play are what SRS sends, byte
// for byte as the generic AMF0 encoder writes them: encoding them into lent
// buffers changes nothing on the wire.
func TestPlayAnswers(t *testing.T) {
	mc := newMemConn(playRequest(t))
	c := serverOn(mc)
	if _, err := c.ReadRequest(); err != nil {
		t.Fatal(err)
	}
	if err := c.AcceptPlay(); err != nil {
		t.Fatal(err)
	}
	amf := func(vals ...any) []byte {
		b, err := flv.MarshalAMF0(vals...)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	status := func(code, desc string) flv.Object {
		return flv.Object{{Key: "level", Value: "status"}, {Key: "code", Value: code}, {Key: "description", Value: desc},
			{Key: "details", Value: "s"}, {Key: "clientid", Value: "picosrs"}}
	}
	want := []Message{
		{Type: TypeWindowAckSize, ChunkStreamID: 2, Body: []byte{0, 0x26, 0x25, 0xa0}},
		{Type: TypeSetPeerBandwidth, ChunkStreamID: 2, Body: []byte{0, 0x26, 0x25, 0xa0, 2}},
		{Type: TypeCommandAMF0, ChunkStreamID: 3, Body: amf("_result", 1,
			flv.Object{{Key: "fmsVer", Value: "FMS/3,5,3,888"}, {Key: "capabilities", Value: 127}, {Key: "mode", Value: 1}},
			flv.Object{{Key: "level", Value: "status"}, {Key: "code", Value: "NetConnection.Connect.Success"},
				{Key: "description", Value: "Connection succeeded"}, {Key: "objectEncoding", Value: 0},
				{Key: "data", Value: flv.ECMAArray{{Key: "version", Value: "3,5,3,888"}, {Key: "srs_server", Value: "picosrs"}}}})},
		{Type: TypeCommandAMF0, ChunkStreamID: 3, Body: amf("onBWDone", 0, nil)},
		{Type: TypeCommandAMF0, ChunkStreamID: 3, Body: amf("_result", 2, nil, 1)},
		{Type: TypeUserControl, ChunkStreamID: 2, Body: []byte{0, 0, 0, 0, 0, 1}},
		{Type: TypeCommandAMF0, ChunkStreamID: 5, StreamID: 1, Body: amf("onStatus", 0, nil, status("NetStream.Play.Reset", "Playing and resetting stream."))},
		{Type: TypeCommandAMF0, ChunkStreamID: 5, StreamID: 1, Body: amf("onStatus", 0, nil, status("NetStream.Play.Start", "Started playing stream."))},
		{Type: TypeDataAMF0, ChunkStreamID: 5, StreamID: 1, Body: amf("|RtmpSampleAccess", false, false)},
		{Type: TypeDataAMF0, ChunkStreamID: 5, StreamID: 1, Body: amf("onStatus", flv.Object{{Key: "code", Value: "NetStream.Data.Start"}})},
	}
	r := NewChunkReader(bufio.NewReader(bytes.NewReader(mc.out.Bytes())), 0, 0)
	got := readAll(t, r)
	if r.ChunkSize() != DefaultChunkSize {
		t.Fatalf("chunk size %d, want %d", r.ChunkSize(), DefaultChunkSize)
	}
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("message %d:\n%+v\nwant\n%+v", i, got[i], want[i])
		}
	}
}

// What a play costs the collector from connect to AcceptPlay, the
// handshake and the connection's buffers aside: the request's messages and
// their decoding, the answers, the Request. A burst of a thousand players
// leaves a thousand times this to the collector.
func TestPlayRequestGarbage(t *testing.T) {
	in := playRequest(t)
	mc := &discardConn{memConn{r: bytes.NewReader(in)}}
	run := func() {
		mc.r.Reset(in)
		c := newServerConn(mc, 0, 0, nil)
		if _, err := c.ReadRequest(); err != nil {
			t.Fatal(err)
		}
		if err := c.AcceptPlay(); err != nil {
			t.Fatal(err)
		}
		if err := c.ServeBufferedPlayerInput(); err != nil { // Set Buffer Length
			t.Fatal(err)
		}
	}
	run()
	const n = 20
	got := heapAllocated(func() {
		for range n {
			run()
		}
	}) / n
	t.Logf("%d bytes allocated per play", got)
	// About 3 kB: the Conn, its chunk reader and writer and their state
	// (500 bytes, kept), the request's messages and their decoding, the
	// Request, the answers' info objects. Before the answers were encoded
	// into lent buffers, the read buffer returned without a copy and the
	// Conn's state cut down to what a player keeps, it was 7.6 kB.
	const bound = 4 << 10
	if got > bound && !raceEnabled {
		t.Fatalf("a play allocates %d bytes from connect to playing, over %d", got, bound)
	}
}

// discardConn is a memConn that keeps nothing of what is written.
type discardConn struct{ memConn }

func (d *discardConn) Write(p []byte) (int, error) { return len(p), nil }
