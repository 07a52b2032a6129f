package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/picosrs/picosrs/flv"
	"github.com/picosrs/picosrs/internal/nbio"
	"github.com/picosrs/picosrs/rtmp"
)

// The baseline (-baseline) is the floor a server's fan-out is measured
// against on the same machine: the least any server must do to copy one
// stream to N HTTP-FLV viewers. It takes one RTMP publisher and writes each
// tag's FLV bytes, built once into one buffer, to every viewer in turn from
// one goroutine, one write per viewer as the server's fan-out writes
// (internal/nbio, waiting when the socket is full): no queue per viewer, no
// chunked framing. A new viewer gets the FLV header, the metadata, the
// sequence headers and the GOP so far. With -baseline-merge d, the tags that
// arrive within d of the last write wait and go out together: one write per
// viewer at most every d.
type baseline struct {
	merge time.Duration

	mu      sync.Mutex
	viewers []floorViewer
	head    []byte // FLV header, metadata and sequence headers
	gop     []byte // tags since the last keyframe
	pending []byte // tags not yet written
	last    time.Time
	kick    chan struct{}
}

func runBaseline(rtmpAddr, httpAddr string, merge time.Duration, stderr io.Writer) int {
	b := &baseline{merge: merge, kick: make(chan struct{}, 1)}
	b.head = flv.AppendHeader(nil, true, true)
	rl, err := net.Listen("tcp", rtmpAddr)
	if err != nil {
		fmt.Fprintln(stderr, "picosrs-load:", err)
		return 1
	}
	hl, err := net.Listen("tcp", httpAddr)
	if err != nil {
		fmt.Fprintln(stderr, "picosrs-load:", err)
		return 1
	}
	go b.acceptRTMP(rl, stderr)
	go b.acceptHTTP(hl)
	go b.writer()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return 0
}

func (b *baseline) acceptRTMP(ln net.Listener, stderr io.Writer) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer nc.Close()
			c, err := rtmp.Accept(nc, rtmp.ServerConfig{})
			if err != nil {
				return
			}
			if _, err := c.ReadRequest(); err != nil {
				return
			}
			if err := c.AcceptPublish(); err != nil {
				return
			}
			for {
				t, err := c.ReadTag()
				if err != nil {
					return
				}
				b.tag(t)
			}
		}()
	}
}

// tag builds t's FLV bytes once and queues them for every viewer.
func (b *baseline) tag(t flv.Tag) {
	buf := make([]byte, flv.TagHeaderSize+len(t.Data)+4)
	flv.PutTagHeader(buf, t.Type, t.Timestamp, len(t.Data))
	copy(buf[flv.TagHeaderSize:], t.Data)
	flv.PutPreviousTagSize(buf[flv.TagHeaderSize+len(t.Data):], len(t.Data))
	b.mu.Lock()
	switch {
	case t.Type == flv.TagScript || t.IsSequenceHeader():
		b.head = append(b.head, buf...)
	case t.IsVideoFrame() && t.IsKeyframe():
		b.gop = append(b.gop[:0], buf...)
	default:
		b.gop = append(b.gop, buf...)
	}
	b.pending = append(b.pending, buf...)
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// writer is the one goroutine that writes to the viewers.
func (b *baseline) writer() {
	var out []byte
	for range b.kick {
		if b.merge > 0 {
			if d := b.merge - time.Since(b.last); d > 0 {
				time.Sleep(d)
			}
		}
		b.mu.Lock()
		out, b.pending = b.pending, out[:0]
		if len(out) == 0 {
			b.mu.Unlock()
			continue
		}
		b.last = time.Now()
		keep := b.viewers[:0]
		for _, fv := range b.viewers {
			if err := fv.write(out); err != nil {
				fv.c.Close()
				continue
			}
			keep = append(keep, fv)
		}
		clear(b.viewers[len(keep):])
		b.viewers = keep
		b.mu.Unlock()
	}
}

func (b *baseline) acceptHTTP(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := http.ReadRequest(bufio.NewReader(nc)); err != nil {
				nc.Close()
				return
			}
			nc.SetReadDeadline(time.Time{})
			b.mu.Lock()
			defer b.mu.Unlock()
			resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nConnection: close\r\n\r\n")
			resp = append(append(resp, b.head...), b.gop...)
			if _, err := nc.Write(resp); err != nil {
				nc.Close()
				return
			}
			b.viewers = append(b.viewers, newFloorViewer(nc))
		}()
	}
}

// floorViewer is one viewer of the floor program: its connection and the
// writer the server's fan-out would use on it (internal/nbio: raw,
// non-blocking system calls), or none where the platform has no such writer.
type floorViewer struct {
	c   net.Conn
	w   *nbio.Writer
	vec [][]byte // the one-slice vector WriteAll consumes, kept to allocate nothing per write
}

func newFloorViewer(c net.Conn) floorViewer {
	return floorViewer{c: c, w: nbio.New(c), vec: make([][]byte, 0, 1)}
}

// write writes all of p, waiting as needed (the floor waits on a full
// socket; it has no queue to leave the rest in).
func (fv *floorViewer) write(p []byte) error {
	if fv.w == nil {
		_, err := fv.c.Write(p)
		return err
	}
	fv.vec = append(fv.vec[:0], p)
	_, err := fv.w.WriteAll(&fv.vec)
	return err
}
