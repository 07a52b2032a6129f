//go:build !linux

package main

import (
	"context"
	"errors"
	"net"
	"sync"
	"time"
)

// poller is Linux-only (epoll); elsewhere every viewer reads with a
// goroutine of its own.
type poller struct{ stamped, unstamped int64 }

type polled struct {
	err  error
	done chan struct{}
}

func newPoller() (*poller, error) { return nil, errors.ErrUnsupported }

func (p *poller) add(net.Conn, *flvStream, []byte) (*polled, error) {
	return nil, errors.ErrUnsupported
}

func (p *poller) run(context.Context, time.Time) {}

func startPollers(context.Context, time.Time, int, *sync.WaitGroup) []*poller { return nil }
