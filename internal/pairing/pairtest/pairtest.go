// Package pairtest holds what the relay's and the embedded server's tests
// both do to a desktop's pairing subject.
package pairtest

import (
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/protocol"
)

// Sender is a login's raw client: a publish with a chosen reply subject
// and a request that waits for its answer. Tests pass their NATS
// connection's methods.
type Sender struct {
	PublishRequest func(subj, reply string, data []byte) error
	Request        func(subj string, data []byte, timeout time.Duration) error
}

// StrangerJoins sends, to the pairing subject subj, a stranger's join to
// offer o (sealed for the offer's desktop) and one naming no offer, each
// with every reply subject in targets: a desktop that answered them would
// publish on a subject the stranger may not reach. It returns once the
// desktop has refused one more join on the sender's own inbox, so every
// join before it was handled (one subscription answers in order). The
// returned function seals another copy of the join naming no offer.
func StrangerJoins(t testing.TB, s Sender, o pairing.Offer, subj string, targets []string) (badJoin func() []byte) {
	t.Helper()
	stranger, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	box := protocol.NewBox(stranger)
	seal := func(j pairing.Join) []byte {
		b, err := box.Seal(protocol.KindPairJoin, j, o.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good, err := pairing.MakeJoin(o, stranger, "Thief", nil)
	if err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.OfferID = "no-such-offer"
	for _, reply := range targets {
		for _, j := range []pairing.Join{good, bad} {
			if err := s.PublishRequest(subj, reply, seal(j)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.Request(subj, seal(bad), 5*time.Second); err != nil {
		t.Fatalf("a join to the pairing inbox got no refusal: %v", err)
	}
	return func() []byte { return seal(bad) }
}
