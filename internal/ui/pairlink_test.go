package ui

import (
	"testing"

	"fyne.io/fyne/v2/test"
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
	waitFor(t, "offer", func() bool { return w.OfferText() != "" && w.QR.Resource != nil })
	if want := "https://192.0.2.1:4249/pair#" + w.OfferText(); w.QRText() != want {
		t.Fatalf("QR code carries %q, want %q", w.QRText(), want)
	}
	if w.Offer.Text != w.OfferText() {
		t.Fatalf("offer text %q", w.Offer.Text)
	}
	// Without a page, the QR code is the offer itself.
	plain := NewPairingWindow(a, &fakePairing{renamed: map[string]string{}}, func() {})
	plain.MakeOffer()
	waitFor(t, "offer", func() bool { return plain.OfferText() != "" && plain.QR.Resource != nil })
	if plain.QRText() != plain.OfferText() {
		t.Fatalf("QR code carries %q, want the offer", plain.QRText())
	}
}
