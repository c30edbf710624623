package netwatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/smartselfie/kiosk-agent/internal/clock"
)

// DefaultDebounce is how long the kernel's events must be quiet before Watch reads
// the state and calls back: a cable plugged in or a DHCP lease brings a burst of
// link and address events within a second.
const DefaultDebounce = time.Second

// Options configure Watch. The zero value is usable.
type Options struct {
	// Debounce: see DefaultDebounce (used when zero).
	Debounce time.Duration
	// Clock times the debounce; nil means the wall clock.
	Clock clock.Clock
	// Logger receives the watcher's logs; nil discards them.
	Logger *slog.Logger
	// Online reads the state after a burst; nil means Online (tests replace it).
	Online func() (bool, error)
}

// Watch subscribes to the kernel's rtnetlink link and address events (IPv4 and
// IPv6) and calls onChange with Online's answer: once at the start, then after each
// burst of events has been quiet for the debounce. It calls after every burst, even
// when the answer is the same (a new address on another interface is still worth a
// fresh probe). onChange runs on Watch's goroutine, one call at a time.
//
// Watch returns nil when ctx ends, after its reader goroutine has stopped; it
// returns an error if the netlink socket cannot be opened or fails.
func Watch(ctx context.Context, onChange func(online bool), o Options) error {
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Online == nil {
		o.Online = Online
	}
	f, err := subscribe()
	if err != nil {
		return err
	}

	events := make(chan struct{}, 1)
	readErr := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		readErr <- readEvents(f, events)
	}()
	defer func() {
		f.Close() // ends the reader's Read
		wg.Wait()
	}()

	report := func() {
		up, err := o.Online()
		if err != nil {
			o.Logger.Warn("reading the network interfaces", "err", err)
			return
		}
		o.Logger.Debug("network changed", "online", up)
		onChange(up)
	}
	// Subscribed first, then read: no change between the two is missed.
	report()

	var timer clock.Timer
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return nil
		case err := <-readErr:
			return fmt.Errorf("watching the network: reading kernel events: %w", err)
		case <-events:
			if timer == nil {
				timer = o.Clock.NewTimer(o.Debounce)
			} else {
				timer.Stop()
				timer.Reset(o.Debounce)
			}
			fire = timer.C()
		case <-fire:
			fire = nil
			report()
		}
	}
}

// subscribe opens a non-blocking rtnetlink socket bound to the link and address
// multicast groups, as a pollable *os.File (so Close ends a pending Read).
func subscribe() (*os.File, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("watching the network: opening a netlink socket: %w", err)
	}
	sa := &unix.SockaddrNetlink{Family: unix.AF_NETLINK,
		Groups: unix.RTMGRP_LINK | unix.RTMGRP_IPV4_IFADDR | unix.RTMGRP_IPV6_IFADDR}
	if err := unix.Bind(fd, sa); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("watching the network: subscribing to link and address events: %w", err)
	}
	return os.NewFile(uintptr(fd), "rtnetlink"), nil
}

// readEvents signals events (coalesced) for every rtnetlink message until f is
// closed (nil) or a read fails. An overrun of the socket's buffer (ENOBUFS) lost
// events: it counts as one.
func readEvents(f *os.File, events chan<- struct{}) error {
	buf := make([]byte, 64<<10)
	for {
		n, err := f.Read(buf)
		switch {
		case errors.Is(err, os.ErrClosed):
			return nil
		case errors.Is(err, unix.ENOBUFS):
		case err != nil:
			return err
		case n == 0:
			continue
		}
		select {
		case events <- struct{}{}:
		default:
		}
	}
}

// Online reports whether an interface other than loopback is up, has a carrier
// (running), and holds a global unicast address (IPv4 or IPv6; private ranges
// count, link-local ones do not).
func Online() (bool, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return false, fmt.Errorf("listing network interfaces: %w", err)
	}
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagLoopback != 0 || ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagRunning == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue // the interface went away meanwhile
		}
		for _, a := range addrs {
			if ipn, ok := a.(*net.IPNet); ok && ipn.IP.IsGlobalUnicast() {
				return true, nil
			}
		}
	}
	return false, nil
}
