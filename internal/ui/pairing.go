package ui

import (
	"context"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/skip2/go-qrcode"

	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
)

// Pairing makes offers and manages paired phones.
type Pairing interface {
	// NewOffer makes a pairing offer and returns it as text (a URI).
	NewOffer(ctx context.Context) (string, error)
	Rename(ctx context.Context, id device.ID, name string) error
	Remove(ctx context.Context, id device.ID) error
}

// PairLinker is a Pairing whose offers a phone's camera can open: the QR
// code then carries the pairing link of the phone agent in the browser
// (https://HOST:PORT/pair#OFFER) instead of the bare deskdial:// offer.
type PairingLinker interface {
	PairLink(offerURI string) string
}

// PairingWindow shows the offer as a QR code and as text, and the paired
// phones with their online state; phones can be renamed and removed.
type PairingWindow struct {
	Window   fyne.Window
	QR       *canvas.Image
	Offer    *widget.Entry
	Copy     *widget.Button
	NewOffer *widget.Button
	Phones   *fyne.Container
	Status   *widget.Label
	// Fingerprint shows the certificate fingerprint the offer pins, for
	// comparing with the one the phone page shows before the phone
	// accepts the certificate.
	Fingerprint *widget.Label
	// Rows holds each listed phone's row by phone ID: for tests and the
	// live update.
	Rows map[device.ID]*PhoneRow

	pairing Pairing
	refresh func() // asks the core for fresh phones after a change
	offer   string
	qrText  string
	// OnCopy, if set, copies the offer instead of this app's clipboard:
	// a window process ends with its window, and on X11 what it copied
	// would go with it, so the tray copies for it.
	OnCopy func(offer string)
}

// PhoneRow is one paired phone in the pairing window.
type PhoneRow struct {
	Label  *widget.Label
	Rename *widget.Button
	Remove *widget.Button
}

// qrSize is the QR code's edge in pixels; big enough for a phone camera
// at arm's length.
const qrSize = 256

// NewPairingWindow builds the window (not shown). refresh is called after a
// rename or removal.
func NewPairingWindow(a fyne.App, p Pairing, refresh func()) *PairingWindow {
	w := &PairingWindow{Window: a.NewWindow(tr("pair.title")), pairing: p, refresh: refresh, Rows: map[device.ID]*PhoneRow{}}
	w.QR = canvas.NewImageFromResource(nil)
	w.QR.FillMode = canvas.ImageFillContain
	w.QR.ScaleMode = canvas.ImageScalePixels
	w.QR.SetMinSize(fyne.NewSize(qrSize, qrSize))
	w.Offer = widget.NewMultiLineEntry()
	w.Offer.Wrapping = fyne.TextWrapBreak
	w.Offer.SetMinRowsVisible(3)
	// The offer is for copying, not editing: typing puts it back.
	w.Offer.OnChanged = func(s string) {
		if s != w.offer {
			w.Offer.SetText(w.offer)
		}
	}
	w.Copy = widget.NewButton(tr("pair.copy"), func() {
		if w.OnCopy != nil {
			w.OnCopy(w.offer)
			return
		}
		a.Clipboard().SetContent(w.offer)
	})
	w.NewOffer = widget.NewButton(tr("pair.new_offer"), w.MakeOffer)
	w.Status = widget.NewLabel("")
	w.Fingerprint = widget.NewLabel("")
	w.Fingerprint.Wrapping = fyne.TextWrapBreak
	w.Status.Wrapping = fyne.TextWrapWord
	w.Phones = container.NewVBox()
	info := widget.NewLabel(tr("pair.instructions"))
	info.Wrapping = fyne.TextWrapWord
	left := container.NewVBox(container.NewCenter(w.QR), container.NewHBox(w.Copy, w.NewOffer))
	right := container.NewBorder(widget.NewLabelWithStyle(tr("pair.phones"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		nil, nil, nil, container.NewVScroll(w.Phones))
	w.Window.SetContent(container.NewBorder(info, container.NewVBox(widget.NewLabel(tr("pair.offer")), w.Offer, w.Fingerprint, w.Status), nil, nil,
		container.NewGridWithColumns(2, left, right)))
	w.Window.Resize(fyne.NewSize(640, 520))
	// Closing destroys the window with its QR image; pairing is rare.
	return w
}

// MakeOffer asks for a fresh offer and shows it.
func (w *PairingWindow) MakeOffer() {
	w.NewOffer.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		uri, err := w.pairing.NewOffer(ctx)
		var png []byte
		qr := uri
		if l, ok := w.pairing.(PairingLinker); ok && err == nil {
			if link := l.PairLink(uri); link != "" {
				qr = link
			}
		}
		if err == nil {
			png, err = qrcode.Encode(qr, qrcode.Medium, qrSize)
		}
		fyne.Do(func() {
			w.NewOffer.Enable()
			if err != nil {
				w.Status.SetText(trd("pair.error", "Error", err.Error()))
				return
			}
			w.Status.SetText("")
			w.offer, w.qrText = uri, qr
			w.Offer.SetText(uri)
			w.Fingerprint.SetText("")
			if fp := offerFingerprint(uri); fp != "" {
				w.Fingerprint.SetText(trd("pair.fingerprint", "FP", fp))
			}
			w.QR.Resource = resource("offer.png", png)
			w.QR.Refresh()
		})
	}()
}

// offerFingerprint is the certificate fingerprint an offer pins, grouped
// as the phone page shows it ("AB:CD:..."), or "".
func offerFingerprint(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	fp := strings.ToUpper(strings.ReplaceAll(u.Query().Get("fp"), ":", ""))
	if len(fp) != 64 || strings.Trim(fp, "0123456789ABCDEF") != "" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(fp); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(fp[i : i+2])
	}
	return b.String()
}

// OfferText is the offer on show.
func (w *PairingWindow) OfferText() string { return w.offer }

// QRText is what the QR code on show encodes.
func (w *PairingWindow) QRText() string { return w.qrText }

// SetPhones updates the list of paired phones (live: called on every state).
func (w *PairingWindow) SetPhones(phones []desktop.Phone) {
	w.Phones.RemoveAll()
	w.Rows = map[device.ID]*PhoneRow{}
	for _, p := range phones {
		p := p
		state := tr("pair.offline")
		if p.Online {
			state = tr("pair.online")
		}
		does := tr("phone.opens_dialer")
		if p.PlacesCalls {
			does = tr("phone.calls")
		}
		row := &PhoneRow{Label: widget.NewLabel(p.Name + " — " + state + ", " + does)}
		row.Rename = widget.NewButton(tr("pair.rename"), func() { w.askRename(p) })
		row.Remove = widget.NewButton(tr("pair.remove"), func() { w.askRemove(p) })
		w.Rows[p.ID] = row
		w.Phones.Add(container.NewBorder(nil, nil, nil, container.NewHBox(row.Rename, row.Remove), row.Label))
	}
	if len(phones) == 0 {
		w.Phones.Add(widget.NewLabel(tr("pair.none")))
	}
}

func (w *PairingWindow) askRename(p desktop.Phone) {
	e := widget.NewEntry()
	e.SetText(p.Name)
	dialog.ShowForm(tr("pair.rename"), tr("settings.save"), tr("settings.cancel"),
		[]*widget.FormItem{widget.NewFormItem("", e)}, func(ok bool) {
			if ok {
				w.Rename(p.ID, e.Text)
			}
		}, w.Window)
}

// Rename renames a phone, refusing an empty name.
func (w *PairingWindow) Rename(id device.ID, name string) {
	name = strings.TrimSpace(name)
	if name == "" {
		w.Status.SetText(tr("pair.name_empty"))
		return
	}
	w.change(func(ctx context.Context) error { return w.pairing.Rename(ctx, id, name) })
}

func (w *PairingWindow) askRemove(p desktop.Phone) {
	dialog.ShowConfirm(tr("pair.remove"), trd("pair.remove_confirm", "Name", p.Name), func(ok bool) {
		if ok {
			w.Remove(p.ID)
		}
	}, w.Window)
}

// Remove unpairs a phone.
func (w *PairingWindow) Remove(id device.ID) {
	w.change(func(ctx context.Context) error { return w.pairing.Remove(ctx, id) })
}

func (w *PairingWindow) change(f func(context.Context) error) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := f(ctx)
		fyne.Do(func() {
			if err != nil {
				w.Status.SetText(err.Error())
				return
			}
			w.Status.SetText("")
			if w.refresh != nil {
				w.refresh()
			}
		})
	}()
}
