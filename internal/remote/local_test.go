package remote

import (
	"context"
	"strings"
	"testing"
)

// TestClientInSameProcessIsInProcess: a client opened in the process that
// runs the service (the tray, `deskdial serve`) reaches the embedded
// server in-process, not over TLS on loopback through the run file (whose
// connection pings every 2 s and keeps the idle process waking); a client
// is still served through it.
func TestClientInSameProcessIsInProcess(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := newDesktop(t, "")
	svc := NewService(d)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if err := svc.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if u := c.conn.ConnectedURL(); strings.HasPrefix(u, "tls://") {
		t.Fatalf("the client in the service's process connected to %s, want in-process", u)
	}
	if _, err := c.Phones(ctx); err != nil {
		t.Fatalf("phones through the in-process connection: %v", err)
	}
	if _, err := c.Offer(ctx); err != nil {
		t.Fatalf("offer through the running instance: %v", err)
	}
}
