package rtmp

import (
	"bufio"
	"bytes"
	"testing"
)

// TestMessageVector: a message written as a chunk vector (headers built
// apart, body referenced) is byte for byte what the chunk writer writes, and
// reads back as the same message, for every chunk stream id range, small
// and extended timestamps, and bodies shorter than, equal to and longer than
// a chunk.
func TestMessageVector(t *testing.T) {
	for _, csid := range []uint32{4, 63, 64, 319, 320, 65599} {
		for _, ts := range []uint32{0, 40, 0xfffffe, 0xffffff, 0x1234567} {
			for _, n := range []int{0, 1, 127, 128, 129, 256, 1000} {
				body := bytes.Repeat([]byte{0xab}, n)
				m := Message{Type: TypeVideo, ChunkStreamID: csid, Timestamp: ts, StreamID: 1, Body: body}
				var want bytes.Buffer
				w := NewChunkWriter(&want)
				w.SetChunkSize(128)
				w.Queue(&m)
				if _, err := w.Flush(); err != nil {
					t.Fatal(err)
				}
				hdr := AppendMessageHeaders(nil, csid, TypeVideo, ts, 1, n, 128)
				if len(hdr) != MessageHeaderLen(csid, ts, n, 128) {
					t.Fatalf("csid %d ts %x n %d: headers %d bytes, MessageHeaderLen says %d", csid, ts, n, len(hdr), MessageHeaderLen(csid, ts, n, 128))
				}
				var got []byte
				for _, b := range AppendMessageVector(nil, hdr, body, csid, ts, 128) {
					got = append(got, b...)
				}
				if !bytes.Equal(got, want.Bytes()) {
					t.Fatalf("csid %d ts %x n %d: vector differs from the chunk writer's bytes", csid, ts, n)
				}
				r := NewChunkReader(bufio.NewReader(bytes.NewReader(got)), 0, 0)
				back, err := r.ReadMessage()
				if err != nil || back.Timestamp != ts || back.ChunkStreamID != csid || !bytes.Equal(back.Body, body) {
					t.Fatalf("csid %d ts %x n %d: read back %+v, %v", csid, ts, n, back, err)
				}
			}
		}
	}
}
