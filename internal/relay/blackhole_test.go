package relay

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// blackhole forwards TCP connections to a server until hole is called;
// from then on the connections it already carries stay open but nothing
// passes, as when a network path dies without a reset. New connections
// are forwarded normally.
type blackhole struct {
	l      net.Listener
	target string
	mu     sync.Mutex
	conns  []*holeConn
}

type holeConn struct {
	mu   sync.Mutex
	dead bool
}

func (h *holeConn) isDead() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.dead
}

func newBlackhole(t *testing.T, target string) *blackhole {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{l: l, target: target}
	t.Cleanup(func() { l.Close() })
	go b.accept()
	return b
}

func (b *blackhole) accept() {
	for {
		c, err := b.l.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", b.target)
		if err != nil {
			c.Close()
			continue
		}
		hc := &holeConn{}
		b.mu.Lock()
		b.conns = append(b.conns, hc)
		b.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if err != nil {
					dst.Close()
					return
				}
				if hc.isDead() {
					continue // swallowed, connection kept open
				}
				if _, err := dst.Write(buf[:n]); err != nil {
					src.Close()
					return
				}
			}
		}
		go pipe(s, c)
		go pipe(c, s)
	}
}

// hole stops every connection carried so far.
func (b *blackhole) hole() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.conns {
		c.mu.Lock()
		c.dead = true
		c.mu.Unlock()
	}
}

func (b *blackhole) url() string { return "tls://" + b.l.Addr().String() }

// TestBlackholedServer: the path between the desktop and the relay dies
// silently. The dial sent into it is reported as timed out, never as
// accepted, and is not dialled; the desktop's pings notice the dead path,
// it reconnects, and the next dial goes through.
func TestBlackholedServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := t.TempDir()
	st := newStore(t, base, "alice")
	desk, deskDir, deskCreds := enrolDesktop(t, st, "alice", "laptop")
	ph, phDir := ident(t)
	srv := serveShipped(t, st, filepath.Join(base, "relay"))
	phone := startPhone(t, ph, phDir, phoneCreds(t, minter(t, deskCreds), ph, phDir), []device.Peer{peerOf(desk, "Laptop", device.RoleDesktop, clientURL(srv))})
	bh := newBlackhole(t, srv.Addr().String())
	client := desktop(t, desk, deskDir, bh.url(), deskCreds, peerOf(ph, "Pixel", device.RolePhone, ""))
	testsupport.WaitForWithin(t, 15*time.Second, "the phone to answer", func() bool {
		_, err := client.Call(ctx, ph.ID, "+49 30 3000001", call.ModeCall)
		return err == nil
	})

	bh.hole()
	_, err := client.Call(ctx, ph.ID, "+49 30 3000002", call.ModeCall, remote.Timeout(2*time.Second))
	if !errors.Is(err, remote.ErrTimeout) {
		t.Fatalf("dial into a dead path: %v, want timed out", err)
	}
	// The client notices the dead path by its pings and reconnects.
	var (
		h       *remote.CallHandle
		attempt int
		okNum   string
	)
	testsupport.WaitForWithin(t, 30*time.Second, "a dial after the reconnect", func() bool {
		attempt++
		okNum = fmt.Sprintf("+493030001%02d", attempt)
		h, err = client.Call(ctx, ph.ID, okNum, call.ModeCall, remote.Timeout(2*time.Second))
		return err == nil
	})
	h.Close()
	got := phone.dialled(t)
	count := map[string]int{}
	for _, n := range got {
		count[n]++
	}
	if count["+49303000002"] != 0 {
		t.Errorf("the dial reported as timed out was dialled: %v", got)
	}
	if count[okNum] != 1 {
		t.Errorf("the dial after the reconnect was dialled %d times: %v", count[okNum], got)
	}
	for _, r := range phone.dialer.records() {
		if r.At.After(r.Expires) {
			t.Errorf("%s dialled after its request expired", r.Number)
		}
	}
}
