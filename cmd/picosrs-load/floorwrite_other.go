//go:build !linux

package main

import "net"

// floorWrite writes all of p to c.
func floorWrite(c net.Conn, p []byte) error {
	_, err := c.Write(p)
	return err
}
