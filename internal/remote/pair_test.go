package remote

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/pairing"
)

// TestPairWaitsForThePhone: Pair hands out the offer, starts the service
// to answer it and returns the phone that joined with it.
func TestPairWaitsForThePhone(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d := newDesktop(t, "")
	phone, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	preg, err := device.OpenRegistry(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	joined := make(chan error, 1)
	var handed string
	p, err := d.Pair(ctx, PairRequest{Wait: true, Offered: func(o pairing.Offer, out string, _ []string) {
		handed = out
		go func() {
			_, err := agent.Pair(ctx, o, phone, preg, "Pixel", agent.Caps{Backend: "log"}, agent.PairOptions{})
			joined <- err
		}()
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-joined; err != nil {
		t.Fatal(err)
	}
	if p.ID != phone.ID || p.Name != "Pixel" || !strings.HasPrefix(handed, "deskdial://pair") {
		t.Fatalf("paired %+v, handed out %q", p, handed)
	}
}

// TestPairWithoutAnswerer: an offer for the running deskdial to answer
// needs one running; a link needs a phone page.
func TestPairWithoutAnswerer(t *testing.T) {
	ctx := context.Background()
	d := newDesktop(t, "")
	if _, err := d.Pair(ctx, PairRequest{}); !errors.Is(err, ErrNoInstance) {
		t.Fatalf("no deskdial running: %v", err)
	}
	w := newWorld(t, worldOpts{serve: true})
	var handed string
	if _, err := w.desk.Pair(ctx, PairRequest{Link: true, Page: "https://relay.example.org",
		Offered: func(_ pairing.Offer, out string, _ []string) { handed = out }}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(handed, "https://relay.example.org/pair#deskdial://pair") {
		t.Fatalf("link %q", handed)
	}
}
