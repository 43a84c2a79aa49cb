package pairing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// An attacker who can change a copied offer can also recompute its
// checksum (it is a plain hash, for typos). The join and accept proofs
// cover every field of the offer, so a phone that took an altered offer
// is refused by the desktop, and an accept made for the real offer is
// refused by a phone that holds an altered one.
func TestAlteredOfferIsRefused(t *testing.T) {
	d, p, stranger := ident(t), ident(t), ident(t)
	orig := offer(t, d)
	orig.Login = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJVQUJDIn0.c2lnbmF0dXJl"
	cases := map[string]func(o *Offer){
		"name":                 func(o *Offer) { o.Name = "Evil PC" },
		"server replaced":      func(o *Offer) { o.Servers = []string{"tls://203.0.113.66:4248", o.Servers[1]} },
		"server added":         func(o *Offer) { o.Servers = append([]string{"tls://203.0.113.66:4248"}, o.Servers...) },
		"server dropped":       func(o *Offer) { o.Servers = o.Servers[:1] },
		"servers reordered":    func(o *Offer) { o.Servers = []string{o.Servers[1], o.Servers[0]} },
		"fingerprint replaced": func(o *Offer) { o.CertFP = strings.Repeat("ab", 32) },
		"fingerprint removed":  func(o *Offer) { o.CertFP = "" },
		"expiry extended":      func(o *Offer) { o.Expires = o.Expires.Add(time.Minute) },
		"login replaced":       func(o *Offer) { o.Login = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJVRVZJTCJ9.c2lnbmF0dXJl" },
		"login removed":        func(o *Offer) { o.Login = "" },
		"curve key of another": func(o *Offer) { o.CurvePub = stranger.CurvePub },
		"desktop ID and signing key of another": func(o *Offer) {
			o.DesktopID, o.SignPub = stranger.ID, stranger.SignPub
		},
	}
	for name, alter := range cases {
		t.Run(name, func(t *testing.T) {
			alt := orig
			alt.Servers = append([]string(nil), orig.Servers...)
			alter(&alt)
			// The altered offer with a recomputed checksum reads as valid:
			// the checksum alone cannot tell.
			got, err := ParseOfferAt(alt.URI(), t0.Add(time.Minute))
			if err != nil {
				t.Fatalf("altered offer with a recomputed checksum: %v", err)
			}
			pending := NewPending()
			pending.Add(orig)
			j, err := MakeJoin(got, p, "Pixel", nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = pending.Verify(j, p.CurvePub, t0.Add(time.Minute))
			if !errors.Is(err, ErrBadProof) {
				t.Fatalf("desktop took a join to an altered offer: %v", err)
			}
			if !strings.Contains(err.Error(), "changed") {
				t.Errorf("refusal %q does not say the offer was changed", err)
			}
			// And the other way: the real desktop's accept does not verify
			// against the altered offer.
			jo, _ := MakeJoin(orig, p, "Pixel", nil)
			acc := MakeAccept(orig, d, "Office PC", jo)
			if err := VerifyAccept(got, acc); err == nil {
				t.Fatal("phone holding an altered offer verified the desktop's accept")
			} else if !strings.Contains(err.Error(), "changed") {
				t.Errorf("refusal %q does not say the offer was changed", err)
			}
		})
	}
	// The unaltered offer still pairs.
	pending := NewPending()
	pending.Add(orig)
	got, err := ParseOfferAt(orig.URI(), t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	j, _ := MakeJoin(got, p, "Pixel", nil)
	if _, _, err := pending.Verify(j, p.CurvePub, t0.Add(time.Minute)); err != nil {
		t.Fatalf("unaltered offer: %v", err)
	}
	if err := VerifyAccept(got, MakeAccept(orig, d, "Office PC", j)); err != nil {
		t.Fatalf("unaltered offer's accept: %v", err)
	}
}
