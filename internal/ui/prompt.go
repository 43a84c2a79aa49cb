package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/deskdial/deskdial/internal/desktop"
)

// PromptWindow asks "Call ... on ...?" where the desktop has no
// notifications with buttons.
//
// Fyne has no always-on-top window flag; the window asks for focus when it
// opens instead, which window managers show above other windows.
type PromptWindow struct {
	Window  fyne.Window
	Title   *widget.Label
	Body    *widget.Label
	Call    *widget.Button
	Dismiss *widget.Button
	// Others holds "Call on …" buttons for the phones that are online
	// when the chosen one is not.
	Others *fyne.Container
	ctl    Controller
	offer  *desktop.Offer
	shown  bool // on the UI goroutine
	// OnHide, if set, is called after the prompt was answered or closed:
	// a window process ends then.
	OnHide func()
}

// Visible says whether the prompt is shown.
func (p *PromptWindow) Visible() bool { return p.shown }

// NewPromptWindow builds the prompt window (not shown).
func NewPromptWindow(a fyne.App, ctl Controller) *PromptWindow {
	p := &PromptWindow{Window: a.NewWindow(tr("prompt.window_title")), ctl: ctl, Others: container.NewHBox()}
	p.Title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.Body = widget.NewLabel("")
	p.Body.Wrapping = fyne.TextWrapWord
	p.Call = widget.NewButton(tr("action.call"), func() {
		if p.offer != nil {
			ctl.Do(desktop.Action{Kind: desktop.ActCall, Number: p.offer.Number})
		}
		p.hide()
	})
	p.Call.Importance = widget.HighImportance
	p.Dismiss = widget.NewButton(tr("action.dismiss"), func() {
		ctl.Do(desktop.Action{Kind: desktop.ActDismiss})
		p.hide()
	})
	p.Window.SetContent(container.NewVBox(p.Title, p.Body, container.NewHBox(p.Dismiss, p.Others, p.Call)))
	p.Window.SetFixedSize(true)
	p.Window.SetCloseIntercept(p.Dismiss.OnTapped)
	return p
}

func (p *PromptWindow) hide() {
	p.Window.Hide()
	p.shown = false
	if p.OnHide != nil {
		p.OnHide()
	}
}

// Show asks about offer, or just tells (offer nil: a notice).
func (p *PromptWindow) Show(r desktop.Request) {
	p.offer = r.Offer
	p.Title.SetText(r.Title)
	p.Body.SetText(r.Body)
	if r.Body == "" {
		p.Body.Hide()
	} else {
		p.Body.Show()
	}
	// The buttons are the notice's: Call only where the chosen phone can
	// take the call (a request without actions is the plain prompt).
	call := r.Offer != nil && len(r.Actions) == 0
	p.Others.RemoveAll()
	for _, a := range r.Actions {
		switch {
		case a.Key == desktop.KeyCall:
			call = r.Offer != nil
		case strings.HasPrefix(a.Key, desktop.KeyCallOn) && r.Offer != nil:
			phone, ok := desktop.CallOnPhone(a.Key)
			if !ok {
				continue
			}
			num := r.Offer.Number
			b := widget.NewButton(a.Label, func() {
				p.ctl.Do(desktop.Action{Kind: desktop.ActCall, Number: num, Phone: phone})
				p.hide()
			})
			b.Importance = widget.HighImportance
			p.Others.Add(b)
		}
	}
	// The window is reused: without this the keyboard focus stays where
	// the last prompt left it (on Dismiss after a dismissed one), and Space
	// would answer this prompt with the last one's button. The answer the
	// prompt asks about has the focus; a notice's only answer is Dismiss.
	focus := fyne.Focusable(p.Dismiss)
	switch {
	case call:
		p.Call.Show()
		focus = p.Call
	case len(p.Others.Objects) > 0:
		p.Call.Hide()
		focus = p.Others.Objects[0].(*widget.Button)
	default:
		p.Call.Hide()
	}
	p.shown = true
	p.Window.Show()
	p.Window.RequestFocus()
	p.Window.Canvas().Focus(focus)
}
