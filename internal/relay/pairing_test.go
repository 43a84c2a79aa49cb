package relay

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/relay/mint"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// TestPairOverRelay: a desktop enrolled with `admin add-desktop` pairs a
// phone that has no credentials at all. The offer's login can only reach
// the desktop's pairing subject; the desktop issues the phone's own
// credentials in the sealed answer, the phone keeps them and serves with
// them, and the desktop's call goes through.
func TestPairOverRelay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := t.TempDir()
	st := newStore(t, base, "alice")
	desk, deskDir, deskCreds := enrolDesktop(t, st, "alice", "laptop")
	ph, phDir := ident(t)
	url := clientURL(serveShipped(t, st, filepath.Join(base, "relay")))

	cfg := config.Default()
	cfg.Region = "DE"
	d, err := remote.OpenDesktop(config.Paths{Config: deskDir, Data: deskDir}, cfg, url, deskCreds)
	if err != nil {
		t.Fatal(err)
	}
	d.Name = "Laptop"
	client, err := remote.Open(ctx, d, remote.StartService(remote.NoRunFile()))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	offer, err := client.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if offer.Login == "" {
		t.Fatal("the offer of an enrolled desktop carries no pairing login")
	}
	o, err := pairing.ParseOffer(offer.URI())
	if err != nil {
		t.Fatal(err)
	}

	// The pairing login cannot send dial requests.
	lc, err := mint.PairingCreds(o.Login, o.Secret)
	if err != nil {
		t.Fatal(err)
	}
	lp := filepath.Join(base, "login.creds")
	if err := os.WriteFile(lp, lc, 0o600); err != nil {
		t.Fatal(err)
	}
	login := connect(t, url, lp, "pair")
	if _, err := login.Request(ctx, protocol.SubjectDial(Prefix, ph.ID), []byte("x"), time.Second); !errors.Is(err, bus.ErrRefused) {
		t.Fatalf("the pairing login sending a dial request: %v, want it refused", err)
	}

	reg, err := device.OpenRegistry(phDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Pair(ctx, o, ph, reg, "Pixel", agent.Caps{Backend: "log"}, agent.PairOptions{CredsDir: phDir}); err != nil {
		t.Fatalf("pair over the relay: %v", err)
	}
	credsFile := agent.RelayCredsPath(phDir, desk.ID)
	if _, err := os.Stat(credsFile); err != nil {
		t.Fatalf("the phone kept no credentials: %v", err)
	}

	logPath := filepath.Join(phDir, "dialled.log")
	a, err := agent.New(agent.Config{Identity: ph, Registry: reg, Dialer: logdial.New(logPath), Name: "Pixel", Region: "DE"})
	if err != nil {
		t.Fatal(err)
	}
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- (&agent.Runner{Agent: a, Identity: ph, Registry: reg, CredsDir: phDir}).Run(rctx) }()
	defer func() { stop(); <-done; a.Close() }()

	if err := d.Registry.Reload(); err != nil {
		t.Fatal(err)
	}
	testsupport.WaitForWithin(t, 15*time.Second, "the paired phone to take a call", func() bool {
		h, err := client.Call(ctx, ph.ID, "+49 30 4000001", call.ModeCall)
		if err == nil {
			h.Close()
		}
		return err == nil
	})
	b, err := os.ReadFile(logPath)
	if err != nil || string(b) != "+49304000001\n" {
		t.Fatalf("the phone's log: %q, %v", b, err)
	}
}
