package remote

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/pairing"
)

// OffersFile holds pairing offers made by `deskdial pair` in another
// process for the running instance to answer. It holds the one-time
// secrets, so it is private (0600) and entries leave it when used or
// expired. Offers travel by file, not over NATS, because a hosted server
// must never see a secret.
const OffersFile = "pending-offers.json"

var offersMu sync.Mutex // serialises read-modify-write within a process

func readOffers(dir string, now time.Time) ([]pairing.Offer, error) {
	b, err := os.ReadFile(filepath.Join(dir, OffersFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("remote: read offers: %w", err)
	}
	var uris []string
	if err := json.Unmarshal(b, &uris); err != nil {
		return nil, fmt.Errorf("remote: read offers: %w", err)
	}
	var out []pairing.Offer
	for _, u := range uris {
		o, err := pairing.ParseOfferAt(u, now)
		if err != nil {
			continue // expired or damaged: dropped at the next write
		}
		out = append(out, o)
	}
	return out, nil
}

func writeOffers(dir string, offers []pairing.Offer) error {
	uris := make([]string, 0, len(offers))
	for _, o := range offers {
		uris = append(uris, o.URI())
	}
	b, _ := json.Marshal(uris)
	if err := config.WriteFileAtomic(filepath.Join(dir, OffersFile), b, 0o600); err != nil {
		return fmt.Errorf("remote: save offers: %w", err)
	}
	return nil
}

// addOffer stores o for the running instance.
func addOffer(dir string, o pairing.Offer) error {
	offersMu.Lock()
	defer offersMu.Unlock()
	offers, err := readOffers(dir, time.Now())
	if err != nil {
		return err
	}
	return writeOffers(dir, append(offers, o))
}

// dropOffer removes a used or withdrawn offer.
func dropOffer(dir string, id string) error {
	offersMu.Lock()
	defer offersMu.Unlock()
	offers, err := readOffers(dir, time.Now())
	if err != nil {
		return err
	}
	keep := offers[:0]
	for _, o := range offers {
		if o.OfferID() != id {
			keep = append(keep, o)
		}
	}
	return writeOffers(dir, keep)
}
