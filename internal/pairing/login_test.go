package pairing

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A hosted relay's offer carries a pairing login; it survives the URI, is
// covered by the checksum, and an accept carrying the phone's credentials
// is covered by the proof.
func TestOfferLoginAndAcceptCreds(t *testing.T) {
	d, p := ident(t), ident(t)
	o, err := NewOffer(d, "Office PC", []string{"tls://relay.example.org:4222"}, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	o.Login = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJzdWIiOiJVQUJDIn0.c2lnbmF0dXJl"
	got, err := ParseOfferAt(o.URI(), t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.Login != o.Login {
		t.Fatalf("login %q after the round trip, want %q", got.Login, o.Login)
	}
	changed := strings.Replace(o.URI(), "c2lnbmF0dXJl", "c2lnbmF0dXJX", 1)
	if _, err := ParseOfferAt(changed, t0.Add(time.Minute)); !errors.Is(err, ErrBadOffer) {
		t.Fatalf("a changed login: %v, want ErrBadOffer", err)
	}
	o.Login = "not a jwt"
	if _, err := ParseOfferAt(o.URI(), t0.Add(time.Minute)); !errors.Is(err, ErrBadOffer) {
		t.Fatalf("a login with spaces: %v, want ErrBadOffer", err)
	}

	j, err := MakeJoin(got, p, "Pixel", nil)
	if err != nil {
		t.Fatal(err)
	}
	a := MakeAccept(got, d, "Office PC", j).WithCreds(got, "eyJ.phone.jwt")
	if err := VerifyAccept(got, a); err != nil {
		t.Fatalf("accept with creds: %v", err)
	}
	a.Creds = "eyJ.other.jwt"
	if err := VerifyAccept(got, a); err == nil {
		t.Fatal("an accept whose credentials were swapped was verified")
	}
}
