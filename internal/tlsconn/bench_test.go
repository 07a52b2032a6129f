package tlsconn

import (
	"fmt"
	"io"
	"testing"
)

// flvBatch is a batch as the fan-out hands it to a WS-FLV viewer of the
// 720p 2 Mbit/s fixture at mw_latency 350: the frame header, then for each
// tag its 11-byte header, body and 4-byte previous tag size (9 video tags
// of about 10 kB, 15 audio tags of 370 bytes).
func flvBatch() [][]byte {
	v := [][]byte{make([]byte, 4)}
	for i := 0; i < 24; i++ {
		body := 370
		if i%8 == 0 || i%8 == 3 || i%8 == 5 {
			body = 10000
		}
		v = append(v, make([]byte, 11), make([]byte, body), make([]byte, 4))
	}
	return v
}

// BenchmarkWriter seals and writes one viewer's batch per op over loopback
// TLS (a reader drains the client side), for a few thresholds of the size
// under which slices are gathered into one record: 0 seals every slice as
// its own record, 2 kB is the shipped setting (small slices gathered,
// payload sealed in place), 64 kB copies the whole batch into records of
// 16 kB. Profile with -cpuprofile to see where a TLS viewer's time goes.
func BenchmarkWriter(b *testing.B) {
	batch := flvBatch()
	n := 0
	for _, s := range batch {
		n += len(s)
	}
	for _, threshold := range []int{1, 2 << 10, 64 << 10} {
		b.Run(fmt.Sprintf("small=%d", threshold), func(b *testing.B) {
			old := small
			small = threshold
			defer func() { small = old }()
			s, c := pair(b)
			w := NewWriter(s)
			if w == nil {
				b.Skip("no writes without waiting on this platform")
			}
			go io.Copy(io.Discard, c)
			b.SetBytes(int64(n))
			b.ReportAllocs()
			v := make([][]byte, 0, len(batch)+1)
			for i := 0; i < b.N; i++ {
				v = append(v[:0], batch...)
				if _, err := w.WriteAll(&v); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(w.records)/float64(b.N), "records/op")
		})
	}
}
