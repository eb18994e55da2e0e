package testenv

import (
	"net"
	"testing"
)

// NewRemoteAt starts a remote peer as NewRemote does, listening on addr
// (a 127.0.0.x address; port 0 picks one), for tests that keep to their
// own loopback addresses.
func NewRemoteAt(t testing.TB, addr, username string) *Remote {
	t.Helper()
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || ip.To4() == nil || !ip.IsLoopback() {
		t.Fatalf("testenv: a remote peer listens on 127.0.0.x addresses only, got %q", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return newRemote(t, username, l)
}
