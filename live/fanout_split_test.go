package live

import (
	"bytes"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/picosrs/picosrs/flv"
)

// recordWriter keeps every byte the fan-out writes without waiting.
type recordWriter struct{ buf *bytes.Buffer }

func (r recordWriter) TryWrite(v *[][]byte) (int64, error) {
	var n int64
	for _, b := range *v {
		r.buf.Write(b)
		n += int64(len(b))
	}
	*v = (*v)[:0]
	return n, nil
}

func (r recordWriter) WriteAll(v *[][]byte) (int64, error) { return r.TryWrite(v) }

// TestSplitRound: a round large enough to be split over several goroutines
// (GOMAXPROCS 4, 5 x splitMin viewers) still gives every viewer every tag
// once, in order, byte for byte what one goroutine gives.
func TestSplitRound(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	n := 5 * splitMin
	if splitWorkers(n) < 2 {
		t.Fatalf("a round of %d is not split", n)
	}
	srv := NewServer(testConfig())
	st := testStream(srv, "split")
	vh := srv.Config().Vhost(DefaultVhost)
	outs := make([]*bytes.Buffer, n)
	for i := range outs {
		outs[i] = &bytes.Buffer{}
		c := subscribeFormat(st, FormatFLV)
		defer c.Close()
		c.attach(newEncoder(FormatFLV, vh), &ConnSink{conn: &discardConn{}, nbw: recordWriter{outs[i]}, framer: plainFramer{}, sent: &atomic.Uint64{}}, nil)
	}
	st.mu.Lock()
	st.flushing = true // this test runs the rounds
	st.mu.Unlock()
	st.startPublish(1)
	tags := readFixture(t, "h264_aac.flv")[:120] // past the second keyframe
	for _, tag := range tags {
		st.WriteTag(tag)
		st.flushRound(time.Now())
	}
	for i, out := range outs {
		_, got, _, err := flv.ReadAll(bytes.NewReader(out.Bytes()))
		if err != nil {
			t.Fatalf("viewer %d: %v", i, err)
		}
		if len(got) != len(tags) {
			t.Fatalf("viewer %d: %d tags, published %d", i, len(got), len(tags))
		}
		for j := range tags {
			if got[j].Type != tags[j].Type || !bytes.Equal(got[j].Data, tags[j].Data) {
				t.Fatalf("viewer %d: tag %d differs", i, j)
			}
		}
		if !bytes.Equal(out.Bytes(), outs[0].Bytes()) {
			t.Fatalf("viewer %d got other bytes than viewer 0", i)
		}
	}
}

// plainFramer adds no framing: the sink's bytes are the encoder's.
type plainFramer struct{}

func (plainFramer) Frame(int) (h0, h1, tail []byte) { return nil, nil, nil }
