package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/rtmp"
)

// bodyBuffer is the read buffer of one viewer's stream body.
const bodyBuffer = 32 << 10

// viewer is one player. Its fields are written by its own goroutine only and
// read once it has ended.
type viewer struct {
	r      *runner
	pub    *publisher
	slow   bool    // reads at a quarter of the stream rate; kept out of the figures
	poller *poller // reads the viewer's socket (HTTP-FLV); nil: its goroutine reads
	start  time.Time

	connected bool
	ttff      time.Duration // until the first coded video frame was read; -1 if none
	bytes     int64
	readEnd   time.Time
	err       error
	arrived   time.Time // the kernel's receive time of the bytes being parsed (poller); zero if unknown

	// Sequence accounting, from the first keyframe on.
	synced    bool
	firstSeq  uint64
	lastSeq   uint64
	got       uint64
	unmatched uint64 // coded frames not found in the send table
}

// run plays until the run's end (the read deadline) and records what it saw.
func (v *viewer) run(ctx context.Context, url string) {
	v.ttff = -1
	v.start = time.Now()
	var err error
	switch v.r.proto {
	case "rtmp":
		err = v.playRTMP(ctx, url)
	case "ts":
		err = v.playHTTP(ctx, url, v.readTS)
	case "ws-flv", "wss-flv":
		err = v.playWS(ctx, url)
	default:
		if v.poller != nil {
			err = v.playPolled(ctx, url, v.poller)
		} else {
			err = v.playHTTP(ctx, url, v.readFLV)
		}
	}
	v.readEnd = time.Now()
	if err != nil && !isEnd(err) {
		v.err = err
	}
}

// isEnd reports whether err is the planned end of a run (deadline, close).
func isEnd(err error) bool {
	var ne net.Error
	return errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// countConn counts the bytes read from a connection.
type countConn struct {
	net.Conn
	n *int64
}

func (c countConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	*c.n += int64(n)
	return n, err
}

// open dials host (TLS for https and wss), closes the connection when ctx
// ends and sets its read deadline to the end of the run. release undoes the
// first two; the HTTP and WebSocket viewers share it.
func (v *viewer) open(ctx context.Context, host string) (nc net.Conn, release func(), err error) {
	nc, err = v.dial(ctx, host)
	if err != nil {
		return nil, nil, err
	}
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	nc.SetReadDeadline(v.r.end)
	return nc, func() { stop(); nc.Close() }, nil
}

func (v *viewer) playHTTP(ctx context.Context, url string, body func(*bufio.Reader) error) error {
	_, release, _, resp, err := v.request(ctx, url)
	if err != nil {
		return err
	}
	defer release()
	defer resp.Body.Close()
	return body(bufio.NewReaderSize(resp.Body, bodyBuffer))
}

// request opens an HTTP viewer: the GET, and the response header, which
// must say 200. It returns the connection's reader, which may hold the
// first bytes of the body.
func (v *viewer) request(ctx context.Context, url string) (nc net.Conn, release func(), cr *bufio.Reader, resp *http.Response, err error) {
	u, err := parseHTTP(url)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	nc, release, err = v.open(ctx, u.host)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if _, err := fmt.Fprintf(nc, "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: picosrs-load\r\nAccept: */*\r\n\r\n", u.path, u.host); err != nil {
		release()
		return nil, nil, nil, nil, err
	}
	// A read buffer larger than any write the server makes: one read per
	// write, chunk framing included. With 4 kB the tool made two or three
	// reads a tag per viewer and its core, not the server, set the latency.
	cr = bufio.NewReaderSize(countConn{nc, &v.bytes}, 64<<10)
	resp, err = http.ReadResponse(cr, nil)
	if err != nil {
		release()
		return nil, nil, nil, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		release()
		return nil, nil, nil, nil, fmt.Errorf("http status %s", resp.Status)
	}
	v.connected = true
	return nc, release, cr, resp, nil
}

// playPolled plays HTTP-FLV with the socket handed to a poller after the
// response header; the viewer's goroutine only waits for the end.
func (v *viewer) playPolled(ctx context.Context, url string, p *poller) error {
	nc, release, cr, resp, err := v.request(ctx, url)
	if err != nil {
		return err
	}
	defer release()
	chunked := len(resp.TransferEncoding) > 0 && resp.TransferEncoding[0] == "chunked"
	buffered, _ := cr.Peek(cr.Buffered())
	pv, err := p.add(nc, newFLVStream(v, chunked), buffered)
	if err != nil {
		return err
	}
	release() // the poller reads a descriptor of its own
	<-pv.done
	return pv.err
}

// readFLV parses an FLV body: the header through flv.Reader, then each tag's
// header and the first bytes of its body, skipping the rest, so that a
// viewer allocates nothing per tag.
func (v *viewer) readFLV(br *bufio.Reader) error {
	if _, err := flv.NewReader(br).ReadHeader(); err != nil {
		return err
	}
	var hdr [flv.TagHeaderSize]byte
	var pre [8]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return err
		}
		typ, size, ts, _ := flv.ParseTagHeader(hdr[:]) // an encrypted tag counts too
		n := min(size, len(pre))
		if _, err := io.ReadFull(br, pre[:n]); err != nil {
			return err
		}
		if _, err := br.Discard(size - n + 4); err != nil {
			return err
		}
		t := flv.Tag{Type: typ, Timestamp: ts, Data: pre[:n]}
		v.frame(&t, time.Now())
		v.throttle()
	}
}

func (v *viewer) playRTMP(ctx context.Context, url string) error {
	c, err := rtmp.Dial(ctx, url, rtmp.DialConfig{})
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	if err := c.Play(ctx); err != nil {
		return err
	}
	v.connected = true
	c.SetReadDeadline(v.r.end)
	defer func() { v.bytes = int64(c.BytesIn()) }()
	for {
		t, err := c.ReadTag()
		if err != nil {
			return err
		}
		v.frame(&t, time.Now())
		if v.slow {
			v.bytes = int64(c.BytesIn())
			v.throttle()
		}
	}
}

// frame accounts for one received tag, read completely at now.
func (v *viewer) frame(t *flv.Tag, now time.Time) {
	var track int
	switch {
	case t.IsVideoFrame():
		track = trackVideo
		if v.ttff < 0 {
			v.ttff = now.Sub(v.start)
		}
	case t.IsAudioFrame():
		track = trackAudio
	default:
		return
	}
	v.match(track, t.Timestamp, track == trackVideo && t.IsKeyframe(), now)
}

// match finds a coded frame in the publisher's send table, counts it in the
// viewer's sequence and records its latency.
func (v *viewer) match(track int, ts uint32, key bool, now time.Time) {
	if v.ttff < 0 && track == trackVideo {
		v.ttff = now.Sub(v.start)
	}
	us, seq, ok := v.pub.table.get(track, ts)
	if !ok {
		v.unmatched++
		return
	}
	if !v.synced {
		if !key {
			return
		}
		v.synced, v.firstSeq, v.lastSeq = true, seq, seq
	}
	v.got++
	v.lastSeq = max(v.lastSeq, seq)
	if v.slow {
		return
	}
	sent := v.r.epoch.Add(time.Duration(us) * time.Microsecond)
	if sent.Before(v.r.steady) || now.After(v.r.end) {
		return
	}
	v.r.lat.add(now.Sub(sent))
	if !v.arrived.IsZero() {
		v.r.arrival.add(v.arrived.Sub(sent))
	}
}

// missing is how many frames after the viewer's first keyframe it did not get.
func (v *viewer) missing() uint64 {
	if !v.synced {
		return 0
	}
	want := v.lastSeq - v.firstSeq + 1
	if v.got >= want {
		return 0
	}
	return want - v.got
}

// throttle holds a slow viewer to a quarter of the fixture's rate.
func (v *viewer) throttle() {
	if !v.slow {
		return
	}
	allowed := time.Duration(float64(v.bytes) / (v.r.rate / 4) * float64(time.Second))
	if d := allowed - time.Since(v.start); d > 0 {
		time.Sleep(d)
	}
}

// tsPacket is the MPEG-TS packet size. Specification: ISO/IEC 13818-1, 2.4.3.
const tsPacket = 188

// readTS parses an MPEG-TS body: PAT and PMT find the elementary streams, and
// each PES header's DTS (or PTS) names the tag it carries, in ms. A PES is
// read completely when the next one starts; when the packets run out first,
// its end is taken at the last packet before the reader would block.
func (v *viewer) readTS(br *bufio.Reader) error {
	pmtPID := -1
	var kind [8192]int8 // 0 unknown, 1 audio, 2 video
	var (
		pending    bool
		pTrack     int
		pTS        uint32
		pKey       bool
		pPID       int
		pEnd       time.Time
		pEndValid  bool
		syncErrors int
	)
	finish := func() {
		if !pending {
			return
		}
		end := pEnd
		if !pEndValid {
			end = time.Now()
		}
		v.match(pTrack, pTS, pKey, end)
		pending = false
		v.throttle()
	}
	for {
		b, err := br.Peek(tsPacket)
		if err != nil {
			finish()
			return err
		}
		if b[0] != 0x47 {
			// Lost sync: skip a byte and look again.
			syncErrors++
			if syncErrors > 1<<20 {
				return errors.New("mpegts: no sync byte")
			}
			br.Discard(1)
			continue
		}
		pid := int(b[1]&0x1f)<<8 | int(b[2])
		pusi := b[1]&0x40 != 0
		afc := b[3] >> 4 & 3
		off := 4
		rai := false
		if afc&2 != 0 {
			if b[4] > 0 {
				rai = b[5]&0x40 != 0
			}
			off += 1 + int(b[4])
		}
		if afc&1 == 0 || off >= tsPacket {
			br.Discard(tsPacket)
			continue
		}
		p := b[off:]
		switch {
		case pid == 0 && pusi:
			pmtPID = parsePAT(p)
		case pid == pmtPID && pusi:
			parsePMT(p, &kind)
		case kind[pid] != 0 && pusi:
			finish()
			if ts, ok := pesTime(p); ok {
				pending, pTS, pPID = true, ts, pid
				pTrack = trackAudio
				if kind[pid] == 2 {
					pTrack = trackVideo
				}
				pKey = rai && pTrack == trackVideo
			}
		}
		br.Discard(tsPacket)
		if pending && pid == pPID {
			pEndValid = br.Buffered() < tsPacket
			if pEndValid {
				pEnd = time.Now()
			}
		}
	}
}

// parsePAT returns the PMT PID of the first program in a PAT section.
// Specification: ISO/IEC 13818-1, 2.4.4.3.
func parsePAT(p []byte) int {
	if len(p) < 1 || len(p) < 1+int(p[0]) {
		return -1
	}
	s := p[1+int(p[0]):]
	if len(s) < 8 || s[0] != 0 {
		return -1
	}
	n := int(s[1]&0x0f)<<8 | int(s[2])
	end := min(3+n-4, len(s))
	for i := 8; i+4 <= end; i += 4 {
		if prog := int(s[i])<<8 | int(s[i+1]); prog != 0 {
			return int(s[i+2]&0x1f)<<8 | int(s[i+3])
		}
	}
	return -1
}

// parsePMT marks the audio and video PIDs of a PMT section in kind.
// Specification: ISO/IEC 13818-1, 2.4.4.8.
func parsePMT(p []byte, kind *[8192]int8) {
	if len(p) < 1 || len(p) < 1+int(p[0]) {
		return
	}
	s := p[1+int(p[0]):]
	if len(s) < 12 || s[0] != 2 {
		return
	}
	n := int(s[1]&0x0f)<<8 | int(s[2])
	end := min(3+n-4, len(s))
	i := 12 + (int(s[10]&0x0f)<<8 | int(s[11]))
	for i+5 <= end {
		st := s[i]
		pid := int(s[i+1]&0x1f)<<8 | int(s[i+2])
		switch st {
		case 0x1b, 0x24: // H.264, HEVC
			kind[pid] = 2
		case 0x0f, 0x03, 0x04: // AAC, MPEG audio
			kind[pid] = 1
		}
		i += 5 + (int(s[i+3]&0x0f)<<8 | int(s[i+4]))
	}
}

// pesTime returns a PES header's DTS, or its PTS when it has no DTS, in ms.
// Specification: ISO/IEC 13818-1, 2.4.3.7.
func pesTime(p []byte) (uint32, bool) {
	if len(p) < 14 || p[0] != 0 || p[1] != 0 || p[2] != 1 {
		return 0, false
	}
	flags := p[7] >> 6
	var at int
	switch flags {
	case 2:
		at = 9
	case 3:
		at = 14
		if len(p) < 19 {
			return 0, false
		}
	default:
		return 0, false
	}
	b := p[at : at+5]
	t := int64(b[0]>>1&7)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
	return uint32(t / 90), true
}
