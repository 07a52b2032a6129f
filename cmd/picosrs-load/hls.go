package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// hlsPlayer plays a live HLS playlist the way players do (hls.js, AVPlayer):
// it loads the playlist, starts three segments from its end, fetches each
// new segment once, and reloads the playlist every target duration (half
// of it when nothing new came), over one keep-alive connection of its own.
// Its fields are written by its own goroutine and read once it has ended.
type hlsPlayer struct {
	url string // the playlist

	segments  int64 // segments read whole
	bytes     int64 // segment bytes read
	playlists int64
	errs      int64
	firstSeg  time.Duration // until the first segment was read; -1 if none
	start     time.Time
	end       time.Time
	err       error
}

// hlsBuffer is the read buffer a player reads a segment into.
const hlsBuffer = 64 << 10

// run plays until ctx ends.
func (p *hlsPlayer) run(ctx context.Context) {
	p.firstSeg, p.start = -1, time.Now()
	defer func() { p.end = time.Now() }()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	buf := make([]byte, hlsBuffer)
	base := p.url[:strings.LastIndexByte(p.url, '/')+1]
	next := int64(-1) // the media sequence number of the next segment to read
	for ctx.Err() == nil {
		seq, target, uris, err := p.playlist(ctx, client)
		wait := time.Second
		if err == nil {
			wait = target / 2
			if next < 0 {
				next = max(seq, seq+int64(len(uris))-3)
			}
			if next < seq {
				next = seq // fell behind the window: jump in again
			}
			for i := next - seq; i < int64(len(uris)) && ctx.Err() == nil; i++ {
				if err = p.segment(ctx, client, base+uris[i], buf); err != nil {
					break
				}
				next, wait = seq+i+1, target
			}
		}
		if err != nil && ctx.Err() == nil {
			p.errs++
			if p.err == nil {
				p.err = err
			}
		}
		if !sleepCtx(ctx, wait) {
			return
		}
	}
}

// playlist loads and reads the media playlist: its media sequence, target
// duration and segment URIs.
func (p *hlsPlayer) playlist(ctx context.Context, c *http.Client) (seq int64, target time.Duration, uris []string, err error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, 0, nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, 0, nil, fmt.Errorf("playlist: %s", resp.Status)
	}
	p.playlists++
	target = 2 * time.Second
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "#EXT-X-MEDIA-SEQUENCE:"):
			seq, _ = strconv.ParseInt(l[len("#EXT-X-MEDIA-SEQUENCE:"):], 10, 64)
		case strings.HasPrefix(l, "#EXT-X-TARGETDURATION:"):
			if s, _ := strconv.Atoi(l[len("#EXT-X-TARGETDURATION:"):]); s > 0 {
				target = time.Duration(s) * time.Second
			}
		case l != "" && l[0] != '#':
			uris = append(uris, l)
		}
	}
	return seq, target, uris, nil
}

// segment reads one segment whole and checks it is whole TS packets.
func (p *hlsPlayer) segment(ctx context.Context, c *http.Client, url string, buf []byte) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return fmt.Errorf("segment %s: %s", url, resp.Status)
	}
	var n int64
	for {
		k, err := resp.Body.Read(buf)
		if k > 0 && n%188 == 0 && buf[0] != 0x47 {
			return fmt.Errorf("segment %s: no sync byte at %d", url, n)
		}
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if n%188 != 0 || (resp.ContentLength >= 0 && n != resp.ContentLength) {
		return fmt.Errorf("segment %s: %d bytes of %d", url, n, resp.ContentLength)
	}
	p.segments++
	p.bytes += n
	if p.firstSeg < 0 {
		p.firstSeg = time.Since(p.start)
	}
	return nil
}

// startHLS ramps up n HLS players of the playlist url over ramp and returns
// them and a WaitGroup that is done when they have all ended.
func startHLS(ctx context.Context, n int, url string, ramp time.Duration) ([]*hlsPlayer, *sync.WaitGroup) {
	ps := make([]*hlsPlayer, n)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range ps {
		p := &hlsPlayer{url: url}
		ps[i] = p
		if n > 1 && !sleepCtx(ctx, time.Until(t0.Add(ramp*time.Duration(i)/time.Duration(n)))) {
			ps = ps[:i]
			break
		}
		wg.Add(1)
		go func() { defer wg.Done(); p.run(ctx) }()
	}
	return ps, &wg
}

// hlsResult adds the HLS players' figures to a run's result.
func hlsResult(res *Result, ps []*hlsPlayer) {
	var ttff []time.Duration
	var bps float64
	for _, p := range ps {
		res.HLSSegments += p.segments
		res.HLSPlaylists += p.playlists
		res.HLSErrors += p.errs
		if p.err != nil && res.FirstError == "" {
			res.FirstError = "hls: " + p.err.Error()
		}
		if p.segments == 0 {
			continue
		}
		res.HLSConnected++
		ttff = append(ttff, p.firstSeg)
		if secs := p.end.Sub(p.start).Seconds(); secs > 0 {
			bps += float64(p.bytes) / secs
		}
	}
	if res.HLSConnected > 0 {
		res.HLSBytesPerSec = bps / float64(res.HLSConnected)
	}
	res.HLSFirstSegP99 = percentile(ttff, 0.99)
}
