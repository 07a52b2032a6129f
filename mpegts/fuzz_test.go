package mpegts

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Fuzz program encoding: a sequence of operations, each one opcode byte
// followed by its arguments. Blobs are a 2-byte big-endian length and the
// bytes (clipped to what is left). Timestamps are 5 bytes, signed.
const (
	opSetVideo = iota
	opSetAudio
	opH264Config
	opHEVCConfig
	opAACConfig
	opVideo // ts(5) cts(2, signed) key(1) blob
	opAudio // ts(5) blob
	opPSI
	numOps
)

type fuzzProg struct{ b []byte }

func (p *fuzzProg) byte1() byte {
	if len(p.b) == 0 {
		return 0
	}
	v := p.b[0]
	p.b = p.b[1:]
	return v
}

func (p *fuzzProg) ts() int64 {
	var v int64
	for i := 0; i < 5; i++ {
		v = v<<8 | int64(p.byte1())
	}
	return v << 24 >> 24 // sign-extend 40 bits
}

func (p *fuzzProg) blob() []byte {
	n := int(p.byte1())<<8 | int(p.byte1())
	n = min(n, len(p.b))
	v := p.b[:n]
	p.b = p.b[n:]
	return v
}

// encoder side of the same format, for seeds.
type progBuilder []byte

func (b *progBuilder) op(o byte) { *b = append(*b, o) }
func (b *progBuilder) ts(v int64) {
	*b = append(*b, byte(v>>32), byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
func (b *progBuilder) blob(d []byte) {
	*b = binary.BigEndian.AppendUint16(*b, uint16(len(d)))
	*b = append(*b, d...)
}

// seedFromFLV turns the first tags of a fixture into a fuzz program.
func seedFromFLV(tags []flvTag, max int) []byte {
	var b progBuilder
	for i, tag := range tags {
		if i == max {
			break
		}
		d := tag.data
		switch {
		case tag.typ == 9 && len(d) > 5 && d[1] == 0:
			b.op(opH264Config)
			b.blob(d[5:])
		case tag.typ == 9 && len(d) > 5:
			b.op(opVideo)
			b.ts(int64(tag.ts) * 90)
			b = append(b, d[3], d[4], d[0]>>4&1)
			b.blob(d[5:])
		case tag.typ == 8 && len(d) > 2 && d[0]>>4 == 10 && d[1] == 0:
			b.op(opAACConfig)
			b.blob(d[2:])
		case tag.typ == 8 && len(d) > 2 && d[0]>>4 == 10:
			b.op(opAudio)
			b.ts(int64(tag.ts) * 90)
			b.blob(d[2:])
		case tag.typ == 8 && len(d) > 1 && d[0]>>4 == 2:
			b.op(opSetAudio)
			b.op(byte(AudioMP3))
			b.op(opAudio)
			b.ts(int64(tag.ts) * 90)
			b.blob(d[1:])
		}
	}
	return b
}

// FuzzWriter runs arbitrary operation sequences against a Writer. Whatever the
// input, the output must be whole 188-byte packets that parseTS accepts
// (sync bytes, continuity per PID, PSI CRCs, PES headers and lengths), and
// a failed call must leave dst unchanged. Nothing may panic.
func FuzzWriter(f *testing.F) {
	for _, name := range []string{"h264_aac.flv", "h264_mp3.flv", "aac_only.flv", "mp3_only.flv"} {
		b, err := os.ReadFile(filepath.Join("..", "tests", "testdata", name))
		if err != nil {
			continue
		}
		tags, err := readFLV(b)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(seedFromFLV(tags, 12))
	}
	var b progBuilder
	b.op(opHEVCConfig)
	b.blob(hvcc([]byte{0x40, 1}, []byte{0x42, 1}, []byte{0x44, 1}))
	b.op(opVideo)
	b.ts(1<<33 - 100)
	b = append(b, 0, 50, 1)
	b.blob(lp([]byte{0x26, 1, 2, 3}))
	b.op(opSetAudio)
	b.op(byte(AudioMP3))
	b.op(opAudio)
	b.ts(-5)
	b.blob(make([]byte, 400))
	f.Add([]byte(b))

	f.Fuzz(func(t *testing.T, data []byte) {
		p := &fuzzProg{b: data}
		w := NewWriter()
		var out []byte
		for steps := 0; len(p.b) > 0 && steps < 256; steps++ {
			var err error
			before := len(out)
			switch p.byte1() % numOps {
			case opSetVideo:
				w.SetVideo(VideoCodec(p.byte1()))
			case opSetAudio:
				w.SetAudio(AudioCodec(p.byte1()))
			case opH264Config:
				_ = w.SetH264Config(p.blob())
			case opHEVCConfig:
				_ = w.SetHEVCConfig(p.blob())
			case opAACConfig:
				_ = w.SetAACConfig(p.blob())
			case opVideo:
				dts := p.ts()
				cts := int64(int16(uint16(p.byte1())<<8 | uint16(p.byte1())))
				key := p.byte1()&1 != 0
				out, err = w.AppendVideo(out, dts, dts+cts, key, p.blob())
			case opAudio:
				pts := p.ts()
				out, err = w.AppendAudio(out, pts, p.blob())
			case opPSI:
				out = w.AppendPATPMT(out)
			}
			if err != nil && len(out) != before {
				t.Fatalf("error %v but dst grew by %d", err, len(out)-before)
			}
			if err != nil && !errors.Is(err, ErrNoVideo) && !errors.Is(err, ErrNoAudio) &&
				!errors.Is(err, ErrNoAACConfig) && !errors.Is(err, ErrInvalidNALU) && !errors.Is(err, ErrEmpty) &&
				!errors.Is(err, ErrInvalidConfig) {
				// AAC frames too large for ADTS come back wrapped from package adts.
				if len(out) != before {
					t.Fatalf("unexpected error %v", err)
				}
			}
		}
		if _, err := parseTS(out); err != nil {
			t.Fatalf("invalid TS: %v", err)
		}
	})
}
