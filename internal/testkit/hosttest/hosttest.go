// Package hosttest finds where a test can stand for a machine other than this one's
// loopback: a listener on this machine's first IPv4 address that is not loopback nor
// link-local (where a production API would be, as far as the training guard can tell).
// CountingServer is a real HTTP server there (or on loopback) that counts the requests
// reaching it. The tests of the training guard (sync/compare, internal/app,
// cmd/kioskctl) share them.
package hosttest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// NonLoopbackListener listens on a TCP port of this machine's first IPv4 address that
// is neither loopback nor link-local, or skips the test when the machine has none. The
// test closes it (or the server it is given to).
func NonLoopbackListener(t testing.TB) net.Listener {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() || ipn.IP.To4() == nil {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort(ipn.IP.String(), "0"))
		if err == nil {
			return l
		}
	}
	t.Skip("this machine has no IPv4 address other than loopback")
	return nil
}

// CountingServer serves h on l (nil: a loopback port) and counts the requests that
// reached it; the test's end closes it.
func CountingServer(t testing.TB, l net.Listener, h http.Handler) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h.ServeHTTP(w, r)
	}))
	if l != nil {
		srv.Listener.Close()
		srv.Listener = l
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &n
}
