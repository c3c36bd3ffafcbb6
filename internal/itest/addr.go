package itest

import (
	"net"
	"testing"
)

// FreeAddr returns a loopback address (host:port) where nothing listens: a port the
// system had free a moment ago, for a server the test starts or for a connection that
// must be refused.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
