// Package ui is deskdial's Fyne front end: the tray menu built from the
// desktop core's state snapshots, the clipboard prompt window, the dial
// box, and the settings and pairing windows.
//
// Background goroutines never touch widgets: state and requests arrive on
// channels and are applied inside fyne.Do.
package ui

import (
	"context"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	core "github.com/deskdial/deskdial/internal/desktop"
)

// UI owns the tray and the windows.
type UI struct {
	app     fyne.App
	ctl     Controller
	pairing Pairing
	sdeps   SettingsDeps
	refresh func()

	state    core.State
	icon     core.Icon
	menu     *fyne.Menu
	dial     *DialBox
	prompt   *PromptWindow
	settings *SettingsWindow
	pair     *PairingWindow
}

// New makes the UI. refresh asks the core to reload phones (after pairing
// changes).
func New(a fyne.App, ctl Controller, pairing Pairing, sdeps SettingsDeps, refresh func()) *UI {
	return &UI{app: a, ctl: ctl, pairing: pairing, sdeps: sdeps, refresh: refresh}
}

// Run applies state snapshots and requests from the core until ctx ends.
func (u *UI) Run(ctx context.Context, states <-chan core.State, requests <-chan core.Request) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-states:
			fyne.Do(func() { u.Apply(s) })
		case r := <-requests:
			fyne.Do(func() { u.Handle(r) })
		}
	}
}

// Apply rebuilds the tray menu and icon from a snapshot and updates the
// open windows. Call it on the UI goroutine.
func (u *UI) Apply(s core.State) {
	u.state = s
	u.menu = TrayMenu(core.BuildMenu(s), u.ctl.Do)
	ic := core.IconFor(s)
	if d, ok := u.app.(desktop.App); ok {
		d.SetSystemTrayMenu(u.menu)
		if ic != u.icon {
			d.SetSystemTrayIcon(TrayIcon(ic))
		}
	}
	u.icon = ic
	if u.dial != nil {
		u.dial.SetPhones(s)
	}
	if u.pair != nil {
		u.pair.SetPhones(s.Phones)
	}
}

// Menu is the tray menu last built.
func (u *UI) Menu() *fyne.Menu { return u.menu }

// Handle opens the window a request asks for. Call it on the UI goroutine.
func (u *UI) Handle(r core.Request) {
	switch r.Kind {
	case core.ReqDialBox:
		u.DialBox().Open(r.Text)
	case core.ReqPrompt, core.ReqNotice:
		u.Prompt().Show(r)
	case core.ReqPairing:
		w := u.Pairing()
		w.SetPhones(u.state.Phones)
		if w.OfferText() == "" {
			w.MakeOffer()
		}
		w.Window.Show()
	case core.ReqSettings:
		w := u.Settings()
		w.Load(u.state.Phones)
		w.Window.Show()
	case core.ReqQuit:
		u.app.Quit()
	}
}

// DialBox returns the dial box, making it on first use.
func (u *UI) DialBox() *DialBox {
	if u.dial == nil {
		u.dial = NewDialBox(u.app, u.ctl)
		u.dial.SetPhones(u.state)
	}
	return u.dial
}

// Prompt returns the prompt window, making it on first use.
func (u *UI) Prompt() *PromptWindow {
	if u.prompt == nil {
		u.prompt = NewPromptWindow(u.app, u.ctl)
	}
	return u.prompt
}

// Settings returns the settings window, making it on first use.
func (u *UI) Settings() *SettingsWindow {
	if u.settings == nil {
		u.settings = NewSettingsWindow(u.app, u.sdeps)
	}
	return u.settings
}

// Pairing returns the pairing window, making it on first use.
func (u *UI) Pairing() *PairingWindow {
	if u.pair == nil {
		u.pair = NewPairingWindow(u.app, u.pairing, u.refresh)
	}
	return u.pair
}

// Relabel drops the windows so they are rebuilt in the current language
// when opened next, and rebuilds the tray menu.
func (u *UI) Relabel() {
	if u.dial != nil {
		u.dial.Window.Close()
		u.dial = nil
	}
	if u.prompt != nil {
		u.prompt.Window.Close()
		u.prompt = nil
	}
	if u.pair != nil {
		u.pair.Window.Close()
		u.pair = nil
	}
	// The settings window stays open: the user is looking at it.
	u.Apply(u.state)
}
