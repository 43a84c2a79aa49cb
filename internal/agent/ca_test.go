package agent

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/bus/bustest"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
	"github.com/deskdial/deskdial/internal/relay/testcerts"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// privateCARelay is a nats-server whose certificate comes from a private
// authority, as a relay's can, and that authority's PEM file.
func privateCARelay(t *testing.T) (url, ca string) {
	t.Helper()
	dir := t.TempDir()
	if err := testcerts.Make(dir); err != nil {
		t.Fatal(err)
	}
	srv := bustest.Start(t, bustest.TLS(t, filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem")))
	return bustest.TLSURL(srv), filepath.Join(dir, "ca.pem")
}

// A phone whose desktop uses a relay with a certificate from a private
// authority connects when given that authority (deskdial phone --ca), and
// tells the desktop it unpaired through it; without it, the certificate
// is the problem named.
func TestPhoneTrustsPrivateCA(t *testing.T) {
	url, ca := privateCARelay(t)
	home := t.TempDir()
	phone, err := device.LoadOrCreate(home)
	if err != nil {
		t.Fatal(err)
	}
	deskID, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := device.OpenRegistry(home)
	if err != nil {
		t.Fatal(err)
	}
	desk := device.Peer{ID: deskID.ID, Name: "Laptop", Role: device.RoleDesktop, SignPub: deskID.SignPub,
		CurvePub: deskID.CurvePub, AddedAt: time.Now(), Server: url}
	if err := reg.Add(desk); err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Identity: phone, Registry: reg, RegistryDir: home, Dialer: logdial.New(filepath.Join(home, "dialled.log")),
		Name: "Pixel", Region: "DE"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	var mu sync.Mutex
	up := false
	r := &Runner{Agent: a, Identity: phone, Registry: reg, CA: ca, Poll: 20 * time.Millisecond,
		OnState: func(_ string, connected bool) {
			mu.Lock()
			defer mu.Unlock()
			up = up || connected
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	testsupport.WaitFor(t, "the phone to connect to the relay", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return up
	})

	nctx, ncancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ncancel()
	if err := NotifyUnpaired(nctx, phone, desk, "", "", ""); !errors.Is(err, bus.ErrUntrustedCert) {
		t.Fatalf("told without the authority: %v, want a certificate problem", err)
	}
	if err := NotifyUnpaired(nctx, phone, desk, "", ca, ""); err != nil {
		t.Fatalf("told with the authority: %v", err)
	}
}
