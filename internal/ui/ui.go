// Package ui is deskdial's Fyne front end: the tray menu built from the
// desktop core's state snapshots, the clipboard prompt window, the dial
// box, and the settings and pairing windows.
//
// Background goroutines never touch widgets: state and requests arrive on
// channels and are applied inside fyne.Do.
package ui

import (
	"context"
	"sync"
	"time"

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
	main     *MainWindow

	tray Tray
	own  *sysTray // the tray served without Fyne's loop (WithIdleLoop)
	// apart shows the windows in other processes (WithWindowsApart):
	// then this process never starts Fyne's loop.
	apart   Windows
	relabel chan struct{}

	// The GUI loop's life: Main starts Fyne's loop once a window is
	// needed (loopWanted) unless the UI quit first.
	mu         sync.Mutex
	loopOn     bool
	quitting   bool
	loopWanted chan struct{}
	quit       chan struct{}

	// Parking (see park): while no window is shown, Fyne's loop waits
	// for events in one call instead of ticking 60 times a second.
	parked  bool     // the loop waits in park
	wakeReq bool     // park is to return to Fyne's loop
	work    []func() // for the parked loop to run
}

// Option changes how the UI runs.
type Option func(*UI)

// WithIdleLoop starts Fyne's GUI loop only when a window is first needed,
// where the platform can show the tray without it (Linux: the tray is a
// D-Bus service; Windows: the tray's hidden window has a thread of its
// own). Fyne's loop polls 60 times a second even with no window
// (fyne-io/fyne#2506) and creates a GL context at start; a tray app that
// mostly sits in the notification area should do neither. On macOS the
// option has no effect.
func WithIdleLoop() Option {
	return func(u *UI) {
		if ownTray {
			u.own = newSysTray("deskdial", u.app.Icon())
			u.tray = u.own
		}
	}
}

// Windows shows deskdial's windows somewhere other than in this process's
// Fyne app (package uiproc: one child process per window). Its methods are
// called from the UI's Run goroutine only.
type Windows interface {
	// Open shows the window r asks for (or raises it with r's data).
	Open(r core.Request, s core.State)
	// Apply hands a new state to the open windows.
	Apply(s core.State)
	// Relabel closes the windows that are to be rebuilt in the current
	// language when opened next (all but the settings).
	Relabel()
	// Close closes every window.
	Close()
}

// WithWindowsApart shows the windows through w, where the tray needs no
// Fyne loop (Linux and Windows, with WithIdleLoop): once a window has been
// shown in this process, Fyne's loop and the GL driver stay for good
// (about 110 MB, and a loop that ticks 60 times a second unless it can be
// parked), while a window process takes them with it when its window
// closes. On macOS the option has no effect.
func WithWindowsApart(w Windows) Option {
	return func(u *UI) {
		if u.own != nil {
			u.apart = w
		}
	}
}

// WindowsApartPossible says whether WithWindowsApart takes effect on this
// platform (with WithIdleLoop).
const WindowsApartPossible = ownTray

// New makes the UI. refresh asks the core to reload phones (after pairing
// changes).
func New(a fyne.App, ctl Controller, pairing Pairing, sdeps SettingsDeps, refresh func(), opts ...Option) *UI {
	u := &UI{app: a, ctl: ctl, pairing: pairing, sdeps: sdeps, refresh: refresh,
		loopWanted: make(chan struct{}), quit: make(chan struct{}), relabel: make(chan struct{}, 1)}
	if d, ok := a.(desktop.App); ok {
		u.tray = fyneTray{d}
	}
	for _, o := range opts {
		o(u)
	}
	return u
}

// Main runs the GUI until the user quits or Quit is called. It must run on
// the main goroutine. With WithIdleLoop it waits without Fyne's loop until
// a window is wanted.
func (u *UI) Main() {
	if u.apart != nil {
		defer u.own.Close()
		<-u.quit
		return
	}
	if u.own != nil {
		defer u.own.Close()
		select {
		case <-u.quit:
			return
		case <-u.loopWanted:
		}
		// Fyne quits when its last window is closed; the tray is no
		// window of Fyne's here, so one that is never shown (and so never
		// gets a GL context) keeps the loop alive.
		u.app.NewWindow("deskdial")
		if canPark {
			done := make(chan struct{})
			defer close(done)
			go u.watchIdle(done)
		}
	}
	u.app.Run()
}

// parkAfter is how often the loop checks, while it ticks, whether any
// window is still shown; with none it parks.
const parkAfter = 2 * time.Second

// watchIdle parks Fyne's loop whenever no window has been shown for up to
// parkAfter, until done. Fyne's loop ticks 60 times a second for as long
// as it runs, window or not (fyne-io/fyne#2506), and cannot be stopped and
// started again; parked, it waits for events in one call, so the tray app
// sleeps again after its windows are hidden. While parked this goroutine
// waits too (an unread ticker does not fire).
func (u *UI) watchIdle(done <-chan struct{}) {
	t := time.NewTicker(parkAfter)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		u.mu.Lock()
		quitting := u.quitting
		u.wakeReq = false // requests from now on unpark
		u.mu.Unlock()
		if quitting {
			// Once Fyne's loop is gone, fyne.Do runs its function right
			// here, off the GUI thread: never park then.
			return
		}
		ran := make(chan struct{})
		fyne.Do(func() {
			defer close(ran)
			if !u.windowShown() {
				u.park()
			}
		})
		select {
		case <-done:
			return
		case <-ran:
		}
	}
}

// windowShown says whether any window is shown. On the UI goroutine.
func (u *UI) windowShown() bool {
	return (u.dial != nil && u.dial.Visible()) || (u.prompt != nil && u.prompt.Visible()) ||
		(u.main != nil && u.main.Visible()) || u.settings != nil || u.pair != nil
}

// park holds Fyne's loop (it runs on it) in GLFW's event wait until
// unpark, running what onLoop hands it meanwhile.
func (u *UI) park() {
	for {
		u.mu.Lock()
		work := u.work
		u.work = nil
		leave := u.wakeReq || u.quitting
		u.parked = !leave
		if leave {
			u.wakeReq = false
		}
		u.mu.Unlock()
		for _, f := range work {
			f()
		}
		if leave {
			return
		}
		if len(work) == 0 {
			waitEvents()
		}
	}
}

// unparkLocked makes a parked loop return to Fyne's loop, and one that is
// about to park not park. u.mu is held.
func (u *UI) unparkLocked() {
	u.wakeReq = true
	if u.parked {
		wakeEvents()
	}
}

// onLoop runs f on the GUI loop without unparking it: by the parked loop,
// or queued to Fyne's.
func (u *UI) onLoop(f func()) {
	u.mu.Lock()
	if u.parked {
		u.work = append(u.work, f)
		wakeEvents()
		u.mu.Unlock()
		return
	}
	u.mu.Unlock()
	fyne.Do(f)
}

// showOnLoop runs f, which may show a window, on Fyne's running loop.
func (u *UI) showOnLoop(f func()) {
	u.mu.Lock()
	u.unparkLocked()
	u.mu.Unlock()
	fyne.Do(f)
}

// Quit ends Main. Safe from any goroutine.
func (u *UI) Quit() {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.quitting {
		return
	}
	u.quitting = true
	if u.apart == nil && (u.loopOn || u.own == nil) {
		u.unparkLocked()
		fyne.Do(u.app.Quit)
		return
	}
	close(u.quit)
}

// startLoop makes sure Fyne's loop runs (or will, once Main gets to it);
// it reports false when the UI is quitting.
func (u *UI) startLoop() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.quitting {
		return false
	}
	if !u.loopOn {
		u.loopOn = true
		if u.own != nil {
			close(u.loopWanted)
		}
	}
	return true
}

// loopRunning says whether Fyne's loop runs (or was asked to).
func (u *UI) loopRunning() bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.loopOn || u.own == nil
}

// Run applies state snapshots and requests from the core until ctx ends.
func (u *UI) Run(ctx context.Context, states <-chan core.State, requests <-chan core.Request) error {
	if u.apart != nil {
		return u.runApart(ctx, states, requests)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-states:
			if !u.loopRunning() {
				// No window exists before the loop does: only the
				// tray, which needs no loop, shows the state. Once the
				// loop runs, snapshots go through it, so this goroutine
				// and the loop never touch the UI at the same time.
				u.Apply(s)
				continue
			}
			u.onLoop(func() { u.Apply(s) })
		case r := <-requests:
			if r.Kind == core.ReqQuit {
				u.Quit()
				continue
			}
			if u.startLoop() {
				u.showOnLoop(func() { u.Handle(r) })
			}
		}
	}
}

// runApart is Run with the windows in other processes: this goroutine is
// the only one touching the tray and the windows' handle.
func (u *UI) runApart(ctx context.Context, states <-chan core.State, requests <-chan core.Request) error {
	defer u.apart.Close()
	for {
		select {
		case <-ctx.Done():
			return nil
		case s := <-states:
			u.Apply(s)
			u.apart.Apply(s)
		case <-u.relabel:
			u.apart.Relabel()
			u.Apply(u.state)
		case r := <-requests:
			if r.Kind == core.ReqQuit {
				u.Quit()
				continue
			}
			u.apart.Open(r, u.state)
		}
	}
}

// Apply rebuilds the tray menu and icon from a snapshot and updates the
// open windows. Call it on the UI goroutine.
func (u *UI) Apply(s core.State) {
	u.state = s
	u.menu = TrayMenu(core.BuildMenu(s), u.ctl.Do)
	ic := core.IconFor(s)
	if u.tray != nil {
		u.tray.SetMenu(u.menu)
		if ic != u.icon {
			u.tray.SetIcon(TrayIcon(ic))
		}
	}
	u.icon = ic
	if u.dial != nil {
		u.dial.SetPhones(s)
	}
	if u.pair != nil {
		u.pair.SetPhones(s.Phones)
	}
	if u.main != nil {
		u.main.SetMenu(u.menu)
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
	case core.ReqMain:
		if u.main == nil {
			u.main = NewMainWindow(u.app, u.menu)
		}
		u.main.Show()
	case core.ReqQuit:
		u.Quit()
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
		w := NewSettingsWindow(u.app, u.sdeps)
		w.Window.SetOnClosed(func() {
			if u.settings == w {
				u.settings = nil
			}
		})
		u.settings = w
	}
	return u.settings
}

// Pairing returns the pairing window, making it on first use.
func (u *UI) Pairing() *PairingWindow {
	if u.pair == nil {
		w := NewPairingWindow(u.app, u.pairing, u.refresh)
		w.Window.SetOnClosed(func() {
			if u.pair == w {
				u.pair = nil
			}
		})
		u.pair = w
	}
	return u.pair
}

// Relabel drops the windows so they are rebuilt in the current language
// when opened next, and rebuilds the tray menu.
func (u *UI) Relabel() {
	if u.apart != nil {
		// Called from a window's answer, not from Run: Run does it.
		select {
		case u.relabel <- struct{}{}:
		default:
		}
		return
	}
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
