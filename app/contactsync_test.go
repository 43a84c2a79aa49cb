package main

import (
	"net"
	"strings"
	"testing"
)

// TestContactsSyncStalledServer: `contacts sync` against a server that
// accepts and never answers ends with a clear message and exit 5 (timed
// out) instead of hanging.
func TestContactsSyncStalledServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	url := "http://" + l.Addr().String() + "/dav/"
	out, errs, code := runContacts(t, privateHome(t), "", "sync", "--url", url, "--timeout", "200ms")
	if code != exitTimedOut {
		t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, exitTimedOut, out, errs)
	}
	if !strings.Contains(errs, "no complete answer within 200ms; nothing was changed") {
		t.Errorf("stderr %q does not say what happened", errs)
	}
}
