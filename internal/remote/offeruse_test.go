package remote

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/pairing"
)

// pairAs pairs a new phone named name with offer o.
func pairAs(t *testing.T, ctx context.Context, o pairing.Offer, name string) error {
	t.Helper()
	id, _ := device.LoadOrCreate(t.TempDir())
	reg, _ := device.OpenRegistry(t.TempDir())
	_, err := agent.Pair(ctx, o, id, reg, name, agent.Caps{Backend: "log"}, agent.PairOptions{})
	return err
}

// TestUsedOfferInFileRefusedAfterRestart: an offer `deskdial pair` left in
// the offers file is used; its entry stays (the delete failed, or the
// process stopped first). After the desktop's service starts again it
// reads the file afresh: the used offer must not pair a second phone.
func TestUsedOfferInFileRefusedAfterRestart(t *testing.T) {
	url := externalNATS(t)
	ctx := context.Background()
	d := newDesktop(t, url)
	c1, err := Open(ctx, d, StartService())
	if err != nil {
		t.Fatal(err)
	}
	o, err := c1.Offer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := pairAs(t, ctx, o, "Pixel"); err != nil {
		t.Fatal(err)
	}
	// What a failed delete leaves behind: the used offer still listed.
	if err := addOffer(d.Paths.Config, o); err != nil {
		t.Fatal(err)
	}
	c1.Close()
	c2, err := Open(ctx, d, StartService())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := pairAs(t, ctx, o, "Thief"); !errors.Is(err, agent.ErrPairRefused) {
		t.Fatalf("used offer after a restart: %v, want ErrPairRefused", err)
	}
	if n := len(d.Registry.List()); n != 1 {
		t.Errorf("the desktop has %d phones, want only Pixel", n)
	}
}

// TestOfferFileNotWritableRefusesPairing: an offer from the offers file
// is used, but the file cannot be rewritten without it (here it became a
// directory). The pairing is refused, saying why, instead of leaving a
// used secret in the file for the next start to answer.
func TestOfferFileNotWritableRefusesPairing(t *testing.T) {
	w := newWorld(t, worldOpts{})
	ctx := context.Background()
	d := w.desk
	// An offer made by `deskdial pair` in another process: written to the
	// offers file, as Client.Offer does without a service of its own.
	urls, fp := w.client.svc.Servers()
	o, err := pairing.NewOffer(d.Identity, d.Name, urls, fp, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if o, err = d.withLogin(o); err != nil {
		t.Fatal(err)
	}
	if err := addOffer(d.Paths.Config, o); err != nil {
		t.Fatal(err)
	}
	// A join with an altered copy makes the service read the file (and
	// is refused: its secret is no offer's).
	bad := o
	bad.Secret = append([]byte(nil), bad.Secret...)
	bad.Secret[0] ^= 1
	if err := pairAs(t, ctx, bad, "Probe"); !errors.Is(err, agent.ErrPairRefused) {
		t.Fatalf("altered offer: %v, want ErrPairRefused", err)
	}
	path := filepath.Join(d.Paths.Config, OffersFile)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	err = pairAs(t, ctx, o, "Nokia")
	if !errors.Is(err, agent.ErrPairRefused) || !strings.Contains(err.Error(), OffersFile) {
		t.Fatalf("pairing with an offer that cannot be removed from its file: %v, want ErrPairRefused naming %s", err, OffersFile)
	}
	if n := len(d.Registry.List()); n != 1 {
		t.Errorf("the desktop has %d phones, want only the first", n)
	}
}
