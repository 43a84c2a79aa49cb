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
	taps := func() int {
		svc.tapMu.RLock()
		defer svc.tapMu.RUnlock()
		return len(svc.taps)
	}
	// It follows its calls' states through the service, which opens
	// them anyway, instead of a second subscription.
	if c.sub != nil || taps() != 1 {
		t.Fatalf("the client subscribed to states itself (%v) or the service has %d taps, want 1", c.sub != nil, taps())
	}
	if u := c.conn.ConnectedURL(); strings.HasPrefix(u, "tls://") {
		t.Fatalf("the client in the service's process connected to %s, want in-process", u)
	}
	if _, err := c.Phones(ctx); err != nil {
		t.Fatalf("phones through the in-process connection: %v", err)
	}
	if _, err := c.Offer(ctx); err != nil {
		t.Fatalf("offer through the running instance: %v", err)
	}
	c.Close()
	if n := taps(); n != 0 {
		t.Fatalf("the closed client's tap is left: %d taps", n)
	}
}
