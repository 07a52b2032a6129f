package main

import (
	"bytes"
	"io"
	"net"
	"testing"
	"time"
)

// The floor program's write delivers every byte in order, also when the
// socket fills and it has to wait for a reader that takes its time.
func TestFloorWrite(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	want := make([]byte, 8<<20)
	for i := range want {
		want[i] = byte(i * 7)
	}
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		time.Sleep(50 * time.Millisecond) // let the writer find the socket full
		b, _ := io.ReadAll(c)
		got <- b
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	fv := newFloorViewer(c)
	if fv.w == nil {
		t.Fatal("no nbio writer for a TCP connection")
	}
	if err := fv.write(want); err != nil {
		t.Fatal(err)
	}
	c.Close()
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("read %d bytes, not the %d written", len(b), len(want))
	}
	if err := fv.write(want[:10]); err == nil {
		t.Fatal("a write to a closed connection: no error")
	}
}
