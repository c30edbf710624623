package uploader

import (
	"context"
	"net"
	"testing"
)

func TestDialProber(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	p, err := NewDialProber("http://" + addr + "/v2")
	if err != nil || p.Addr != addr {
		t.Fatalf("NewDialProber = %+v, %v", p, err)
	}
	if err := p.Probe(context.Background()); err != nil {
		t.Fatalf("probe of a listening port: %v", err)
	}
	ln.Close()
	if err := p.Probe(context.Background()); err == nil {
		t.Fatal("probe of a closed port succeeded")
	}
	for in, want := range map[string]string{"https://api.example.com": "api.example.com:443", "http://h": "h:80", "https://[::1]:8443/x": "[::1]:8443"} {
		if p, err := NewDialProber(in); err != nil || p.Addr != want {
			t.Errorf("NewDialProber(%q) = %q, %v; want %q", in, p.Addr, err, want)
		}
	}
	if _, err := NewDialProber("not a url"); err == nil {
		t.Error("NewDialProber accepted a non-URL")
	}
}

func TestConfigFingerprint(t *testing.T) {
	a := ConfigFingerprint([]byte("http://x"), []byte("0001"), []byte("key"))
	if a != ConfigFingerprint([]byte("http://x"), []byte("0001"), []byte("key")) {
		t.Fatal("not stable")
	}
	for _, other := range []string{
		ConfigFingerprint([]byte("http://x"), []byte("0001"), []byte("key2")),
		ConfigFingerprint([]byte("http://x"), []byte("00010"), []byte("key")),
		ConfigFingerprint([]byte("http://x0"), []byte("001"), []byte("key")),
	} {
		if other == a {
			t.Fatal("different configurations share a fingerprint")
		}
	}
}
