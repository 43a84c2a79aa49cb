package agent

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"

	"github.com/deskdial/deskdial/internal/bus/bustest"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
	"github.com/deskdial/deskdial/internal/relay/mint"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// A link whose connection cannot be made at first (here: the hosted
// server's credentials are not there yet) is made again once it can be;
// before, the phone stayed offline for that desktop until restarted.
func TestRunnerRetriesFailedLink(t *testing.T) {
	url := bustest.URL(bustest.Start(t))

	home, deskHome := t.TempDir(), t.TempDir()
	phone, err := device.LoadOrCreate(home)
	if err != nil {
		t.Fatal(err)
	}
	desk, err := device.LoadOrCreate(deskHome)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := device.OpenRegistry(home)
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Add(device.Peer{ID: desk.ID, Name: "Laptop", Role: device.RoleDesktop, SignPub: desk.SignPub,
		CurvePub: desk.CurvePub, AddedAt: time.Now(), Server: url}); err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Identity: phone, Registry: reg, RegistryDir: home, Dialer: logdial.New(filepath.Join(home, "dialled.log")),
		Name: "Pixel", Region: "DE"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })

	creds := filepath.Join(t.TempDir(), "user.creds")
	var mu sync.Mutex
	var states []string
	up := false
	r := &Runner{Agent: a, Identity: phone, Registry: reg, Creds: creds, Poll: 20 * time.Millisecond,
		OnState: func(label string, connected bool) {
			mu.Lock()
			defer mu.Unlock()
			states = append(states, label)
			up = up || connected
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	testsupport.WaitFor(t, "the failed connection to be reported", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(states) > 0 && strings.HasPrefix(states[0], "Laptop: ")
	})
	writeCreds(t, creds)
	testsupport.WaitFor(t, "the link to be made again", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return up
	})
}

// writeCreds writes a user .creds file (the server here asks for none, but
// the client must be able to read one).
func writeCreds(t *testing.T, path string) {
	t.Helper()
	acc, _ := nkeys.CreateAccount()
	user, _ := nkeys.CreateUser()
	pub, _ := user.PublicKey()
	tok, err := jwt.NewUserClaims(pub).Encode(acc)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := user.Seed()
	b, err := mint.Creds(tok, seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}
