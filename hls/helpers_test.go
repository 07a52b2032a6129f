package hls

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// unitTS returns n TS packets whose payload carries id, so a test can tell
// which unit a segment's bytes came from.
func unitTS(id uint32, n int) []byte {
	b := make([]byte, 188*n)
	for i := 0; i < n; i++ {
		b[i*188] = 0x47
		binary.BigEndian.PutUint32(b[i*188+4:], id)
	}
	return b
}

var testPSI = func() []byte {
	b := make([]byte, 2*188)
	b[0], b[188] = 0x47, 0x47
	b[1], b[2] = 0x40, 0x00 // PAT
	return b
}()

// avStream returns the units of seconds of a 25 fps video stream with a
// keyframe every gop frames, and AAC audio every 23 ms, in DTS order.
func avStream(seconds float64, gop int, start time.Duration) []Unit {
	var out []Unit
	var id uint32
	vNext, aNext := start, start
	frame := 0
	end := start + time.Duration(seconds*float64(time.Second))
	for vNext < end || aNext < end {
		id++
		if vNext <= aNext {
			key := frame%gop == 0
			n := 20
			if key {
				n = 60
			}
			out = append(out, Unit{TS: unitTS(id, n), PSI: testPSI, DTS: vNext, Video: true, Key: key})
			vNext += 40 * time.Millisecond
			frame++
		} else {
			out = append(out, Unit{TS: unitTS(id, 2), PSI: testPSI, DTS: aNext})
			aNext += 23 * time.Millisecond
		}
	}
	return out
}

// audioStream returns seconds of audio units every 23 ms.
func audioStream(seconds float64, start time.Duration) []Unit {
	var out []Unit
	end := start + time.Duration(seconds*float64(time.Second))
	for t, id := start, uint32(1); t < end; t, id = t+23*time.Millisecond, id+1 {
		out = append(out, Unit{TS: unitTS(id, 2), PSI: testPSI, DTS: t})
	}
	return out
}

// parsed is a media playlist read back by parsePlaylist.
type parsed struct {
	version, target int
	mediaSeq        uint64
	discSeq         uint64
	segs            []parsedSeg
}

type parsedSeg struct {
	dur  float64
	uri  string
	disc bool
}

// parsePlaylist reads a media playlist as RFC 8216 defines it, strictly:
// every line is a known tag, a URI after EXTINF, or empty.
func parsePlaylist(b []byte) (parsed, error) {
	var p parsed
	sc := bufio.NewScanner(bytes.NewReader(b))
	first := true
	var pending *parsedSeg
	disc := false
	for sc.Scan() {
		l := sc.Text()
		if first {
			if l != "#EXTM3U" {
				return p, fmt.Errorf("first line %q", l)
			}
			first = false
			continue
		}
		tag, val, _ := strings.Cut(l, ":")
		var err error
		switch {
		case l == "":
		case tag == "#EXT-X-VERSION":
			p.version, err = strconv.Atoi(val)
		case tag == "#EXT-X-TARGETDURATION":
			p.target, err = strconv.Atoi(val)
		case tag == "#EXT-X-MEDIA-SEQUENCE":
			p.mediaSeq, err = strconv.ParseUint(val, 10, 64)
		case tag == "#EXT-X-DISCONTINUITY-SEQUENCE":
			p.discSeq, err = strconv.ParseUint(val, 10, 64)
		case l == "#EXT-X-DISCONTINUITY":
			disc = true
		case tag == "#EXTINF":
			d, _, _ := strings.Cut(val, ",")
			var f float64
			f, err = strconv.ParseFloat(d, 64)
			pending = &parsedSeg{dur: f, disc: disc}
			disc = false
		case strings.HasPrefix(l, "#"):
			return p, fmt.Errorf("unknown tag %q", l)
		default:
			if pending == nil {
				return p, fmt.Errorf("URI %q without EXTINF", l)
			}
			pending.uri = l
			p.segs = append(p.segs, *pending)
			pending = nil
		}
		if err != nil {
			return p, fmt.Errorf("%q: %v", l, err)
		}
	}
	if first || pending != nil || disc {
		return p, fmt.Errorf("truncated playlist")
	}
	return p, nil
}

// idsOf returns the unit ids carried in a segment's bytes, in order (0 for
// PSI).
func idsOf(seg *Segment) []uint32 {
	var ids []uint32
	for _, b := range seg.AppendBuffers(nil) {
		ids = append(ids, binary.BigEndian.Uint32(b[4:]))
	}
	return ids
}
