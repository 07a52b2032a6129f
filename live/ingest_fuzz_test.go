package live

import (
	"testing"

	"github.com/picosrs/picosrs/flv"
)

// FuzzIngest: whatever a publisher sends (arbitrary tag types, bodies and
// timestamps) the stream, its TS muxer and every format's encoder neither
// panic nor emit a broken TS packet.
func FuzzIngest(f *testing.F) {
	tags := readFixture(f, "h264_aac.flv")
	seed := func(ts ...flv.Tag) []byte {
		var b []byte
		for _, t := range ts {
			n := min(len(t.Data), 255)
			b = append(b, byte(t.Type), byte(t.Timestamp>>8), byte(t.Timestamp), byte(n))
			b = append(b, t.Data[:n]...)
		}
		return b
	}
	f.Add(seed(tags[:6]...))
	f.Add(seed(readFixture(f, "mp3_only.flv")[:4]...))
	f.Add([]byte{9, 0, 0, 2, 0x17, 0, 8, 0, 0, 3, 0xaf, 0, 0x12})
	f.Fuzz(func(t *testing.T, b []byte) {
		srv := NewServer(testConfig())
		vh := srv.Config().Vhost(DefaultVhost)
		st := srv.stream(StreamKey{DefaultVhost, "live", "z"}, vh, true)
		cons := []*Consumer{subscribeFormat(st, FormatTS), subscribeFormat(st, FormatAAC)}
		st.startPublish(1)
		for len(b) >= 4 {
			typ := []flv.TagType{flv.TagAudio, flv.TagVideo, flv.TagScript}[int(b[0])%3]
			ts := uint32(b[1])<<8 | uint32(b[2])
			n := min(int(b[3]), len(b)-4)
			data := append([]byte(nil), b[4:4+n]...)
			b = b[4+n:]
			st.WriteTag(flv.Tag{Type: typ, Timestamp: ts, Data: data})
		}
		for i, c := range cons {
			fs := []Format{FormatFLV, FormatTS}
			if i == 1 {
				fs = []Format{FormatAAC, FormatMP3}
			}
			batch, _ := c.pull(nil)
			for _, f := range fs {
				bufs, _ := newEncoder(f, vh).encode(nil, batch)
				if f != FormatTS {
					continue
				}
				for _, p := range bufs {
					if len(p)%188 != 0 {
						t.Fatalf("TS output of %d bytes is not whole packets", len(p))
					}
					for i := 0; i < len(p); i += 188 {
						if p[i] != 0x47 {
							t.Fatal("TS packet without sync byte")
						}
					}
				}
			}
		}
	})
}
