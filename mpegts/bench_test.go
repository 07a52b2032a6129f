package mpegts

import "testing"

// BenchmarkWriterH264AAC muxes the h264_aac.flv fixture (10 s, 250 video +
// 432 audio frames) into a reused buffer, as the live server does once per
// stream, and reports the cost per frame and the TS bytes per frame.
func BenchmarkWriterH264AAC(b *testing.B) { benchFixture(b, "h264_aac.flv") }

// BenchmarkWriterH264AAC720p is the 2 Mbit/s, 30 s benchmark fixture.
func BenchmarkWriterH264AAC720p(b *testing.B) { benchFixture(b, "h264_aac_720p_2mbps.flv") }

// BenchmarkWriterAACOnly is the audio-only case (every PES carries a PCR).
func BenchmarkWriterAACOnly(b *testing.B) { benchFixture(b, "aac_only.flv") }

func benchFixture(b *testing.B, name string) {
	tags := loadFixture(b, name)
	w := NewWriter()
	ts, n := muxFLV(b, tags, w, nil) // warm up: scratch and buffer grow once
	frames := n.video + n.audio
	in := 0
	for _, t := range tags {
		in += len(t.data)
	}
	// Per-frame appends into one buffer reset per frame, the shape of the
	// live fan-out (serialise one frame, hand the bytes to all viewers).
	dst := make([]byte, 0, len(ts))
	b.SetBytes(int64(in))
	b.ReportAllocs()
	b.ResetTimer()
	out := 0
	for i := 0; i < b.N; i++ {
		out = 0
		for _, tag := range tags {
			dst = dst[:0]
			dst = feedTag(b, w, tag, dst)
			out += len(dst)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames), "ns/frame")
	b.ReportMetric(float64(out)/float64(frames), "TSbytes/frame")
	b.ReportMetric(float64(out)/float64(in)-1, "overhead")
}

// feedTag writes one FLV tag's frame (sequence headers were set in warm-up).
func feedTag(b *testing.B, w *Writer, tag flvTag, dst []byte) []byte {
	d := tag.data
	var err error
	switch {
	case tag.typ == 9 && len(d) > 5 && d[0]&0x0F == 7 && d[1] == 1:
		cts := int32(uint32(d[2])<<16|uint32(d[3])<<8|uint32(d[4])) << 8 >> 8
		dts := int64(tag.ts) * 90
		dst, err = w.AppendVideo(dst, dts, dts+int64(cts)*90, d[0]>>4 == 1, d[5:])
	case tag.typ == 8 && len(d) > 2 && d[0]>>4 == 10 && d[1] == 1:
		dst, err = w.AppendAudio(dst, int64(tag.ts)*90, d[2:])
	case tag.typ == 8 && len(d) > 1 && d[0]>>4 == 2:
		dst, err = w.AppendAudio(dst, int64(tag.ts)*90, d[1:])
	}
	if err != nil {
		b.Fatal(err)
	}
	return dst
}
