package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// linkingPairing is a Pairing whose desktop serves the phone page.
type linkingPairing struct{ *fakePairing }

func (linkingPairing) PairLink(uri string) string { return "https://192.0.2.1:4249/pair#" + uri }

// TestPairingWindowQRCarriesPageLink: when the desktop serves the phone
// page, the QR code is its pairing link (a phone's camera opens it in the
// browser), while the text below stays the offer for `deskdial phone
// --pair`.
func TestPairingWindowQRCarriesPageLink(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	w := NewPairingWindow(a, linkingPairing{&fakePairing{renamed: map[string]string{}}}, func() {})
	w.MakeOffer()
	testsupport.WaitFor(t, "offer", func() bool { return w.OfferText() != "" && w.QR.Resource != nil })
	if want := "https://192.0.2.1:4249/pair#" + w.OfferText(); w.QRText() != want {
		t.Fatalf("QR code carries %q, want %q", w.QRText(), want)
	}
	if w.Offer.Text != w.OfferText() {
		t.Fatalf("offer text %q", w.Offer.Text)
	}
	// Without a page, the QR code is the offer itself.
	plain := NewPairingWindow(a, &fakePairing{renamed: map[string]string{}}, func() {})
	plain.MakeOffer()
	testsupport.WaitFor(t, "offer", func() bool { return plain.OfferText() != "" && plain.QR.Resource != nil })
	if plain.QRText() != plain.OfferText() {
		t.Fatalf("QR code carries %q, want the offer", plain.QRText())
	}
}

// TestPairingWindowShowsFingerprint: the window shows the pinned
// certificate's fingerprint grouped as the phone page shows it.
func TestPairingWindowShowsFingerprint(t *testing.T) {
	got := offerFingerprint("deskdial://pair?v=1&fp=8ecb42e4623b33b870a5284fda17629c43fed4c912c7f0dc7b77a09dad8190a7&t=x")
	if want := "8E:CB:42:E4:62:3B:33:B8:70:A5:28:4F:DA:17:62:9C:43:FE:D4:C9:12:C7:F0:DC:7B:77:A0:9D:AD:81:90:A7"; got != want {
		t.Fatalf("fingerprint %q", got)
	}
	for _, uri := range []string{"deskdial://pair?v=1", "deskdial://pair?fp=zz", "%zz"} {
		if got := offerFingerprint(uri); got != "" {
			t.Fatalf("%q: fingerprint %q", uri, got)
		}
	}
}
