//go:build cgo

// Package trayapp is the tray app's composition root: Run builds the tray's
// parts from their packages, connects them through the desktop core's ports
// and runs each long-lived part until the user quits.
//
// A new part (a phone this computer reaches itself, the web agent) is one
// more entry in the parts list Run builds; adapters between a part and the
// core's ports live here, next to their tests.
package trayapp

import (
	"context"
	"fmt"
	"io"
	stdlog "log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"time"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/deskdial/deskdial/internal/autostart"
	"github.com/deskdial/deskdial/internal/clipwatch"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/hotkey"
	"github.com/deskdial/deskdial/internal/instance"
	"github.com/deskdial/deskdial/internal/notify"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/supervise"
	"github.com/deskdial/deskdial/internal/trayhost"
	"github.com/deskdial/deskdial/internal/ui"
	"github.com/deskdial/deskdial/internal/ui/uiproc"
)

// AppID is the Fyne application ID (preferences, notifications).
const AppID = "io.github.deskdial"

// memLimit is the tray app's soft limit for memory the Go runtime holds.
// The app sits in the background all day; past a burst of work (a big
// paste scanned, a window drawn) the runtime returns freed memory to the
// system sooner under a limit than by its default pacing. It is no hard
// cap: the live heap of the idle app is a few MB.
const memLimit = 64 << 20

// Deps is what the tray needs from the command line.
type Deps struct {
	Paths  config.Paths // config and data directories, already made
	Server string       // --server: a hosted server instead of the settings' one
	Creds  string       // --creds
	CA     string       // --ca: the hosted server's certificate authority instead of the settings' one
	Log    io.Writer    // where the tray logs (stderr)
	// Links are tel:/callto: links to offer once the tray runs (the link
	// that started it from a browser or mail program).
	Links []string
	// ExitAfter quits the tray that long after it is up (0: never): for
	// smoke checks and footprint measurements.
	ExitAfter time.Duration
}

// Run runs the tray app until the user quits or ctx ends. It must run on
// the main goroutine: the GUI event loop needs it.
func Run(ctx context.Context, deps Deps) (err error) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memLimit)
	}
	// Setting GOMAXPROCS, even to its current value, stops the runtime
	// from re-reading the CPU affinity and cgroup limits every second
	// (Go 1.25's automatic GOMAXPROCS), which would wake the idle app; a
	// desktop session's CPU limits do not change under it.
	runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	logw := deps.Log
	if logw == nil {
		logw = io.Discard
	}
	log := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelInfo}))
	libLog := &libraryLog{w: logw}
	stdlog.SetOutput(libLog)
	defer stdlog.SetOutput(os.Stderr)
	// Asked before the tray icon is served: the icon's library then
	// reports a missing host in words of its own, which libLog keeps out
	// of the user's way (the tray says it below, with what to install).
	hostErr := trayhost.Check(ctx)
	libLog.noHost.Store(hostErr != nil)
	p := deps.Paths
	store, err := config.Open(p.Config)
	if err != nil {
		return err
	}
	s := store.Get()
	if err := ui.SetLanguage(s.Language); err != nil {
		log.Warn("tray: load translations", "err", err)
	}

	inst, err := instance.Listen(p.Config)
	if err != nil {
		return fmt.Errorf("tray: %w", err)
	}
	defer inst.Close()

	hist, err := history.Open(filepath.Join(p.Data, history.FileName))
	if err != nil {
		return err
	}
	defer hist.Close()

	if deps.CA != "" {
		s.CA = deps.CA
	}
	d, err := remote.OpenDesktop(p, s, deps.Server, deps.Creds)
	if err != nil {
		return err
	}

	// Everything below runs until the GUI loop ends; ctx ending quits it.
	// Each long-lived part runs under one supervisor, which restarts a
	// part that fails (see package supervise).
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sup := supervise.New(supervise.Logger(log))
	supDone := make(chan error, 1)
	go func() { supDone <- sup.Run(ctx) }()
	defer func() {
		cancel()
		if ferr := <-supDone; ferr != nil && err == nil {
			err = fmt.Errorf("tray: %w", ferr)
		}
	}()

	pairEvents := make(chan struct{}, 1)
	announced := make(chan struct{}, 1)
	// The tray is the long-lived instance: its service writes the run file,
	// so `deskdial call`, `pair` and `phones` in a terminal use it too. A
	// call one phone has another make through this desktop goes into the
	// history with the phone that asked, and follows the called phone's
	// states.
	svc := remote.NewService(d, remote.OnPair(func(remote.PairEvent) {
		select {
		case pairEvents <- struct{}{}:
		default:
		}
	}), remote.OnPresence(func(remote.PresenceEvent) {
		// A phone came online or left: list the phones at once (the
		// presence part holds back a flood).
		select {
		case announced <- struct{}{}:
		default:
		}
	}), remote.RecordRelays(hist, func(err error) {
		log.Warn("tray: record a call from a phone", "err", err)
	}))
	// The service owns the embedded server and its listener: it runs once.
	sup.Add(supervise.Part{Name: "service", Run: svc.Run, Once: true})
	if err := svc.Ready(ctx); err != nil {
		return fmt.Errorf("tray: start server: %w", err)
	}
	client, err := remote.Open(ctx, d)
	if err != nil {
		return err
	}
	defer client.Close()

	clip := &clipPort{}
	if w, err := clipwatch.New(clipwatch.WithMaxBytes(s.ScanLimit)); err != nil {
		log.Warn("tray: no clipboard access; copy-to-call is off", "err", err)
	} else {
		clip.w = w
		log.Info("tray: watching the clipboard", "by", w.Mechanism())
	}
	notes := &notifyPort{}
	if n, err := notify.New(ctx, "deskdial"); err != nil {
		log.Warn("tray: no notifications; prompts open a window", "err", err)
	} else {
		notes.n = n
		log.Info("tray: notifications", "by", n.Mechanism())
	}

	finder := func(text, region string) []desktop.Found {
		return findNumbers(text, region, store.Get().ScanLimit)
	}
	a := fyneapp.NewWithID(AppID)
	a.SetIcon(ui.AppIcon())
	core := desktop.New(&remotePort{c: client, caps: map[device.ID]desktop.Phone{}}, histPort{hist}, clip, notes, store, finder,
		desktop.WithLocalizer(ui.Localizer{}), desktop.WithLogger(log))

	// The phones this computer reaches itself run here, paired through
	// this service's offers and served over its server like any phone.
	nudgePresence := func() {
		select {
		case pairEvents <- struct{}{}:
		default:
		}
	}
	local := newLocalPhones(localDeps{Dir: p.Config, Store: store, Creds: d.Creds, Log: log,
		Offer: func(context.Context) (pairing.Offer, error) { return svc.NewOffer() },
		Unpair: func(id device.ID) error {
			err := client.Unpair(ctx, id)
			core.Refresh()
			return err
		},
		Reach: func(online bool) {
			// Gone: the agent is off the server already, so asking now
			// shows it offline. Come back: it takes a moment to connect,
			// so presence looks again shortly, backing off.
			core.Refresh()
			if online {
				nudgePresence()
			}
		},
	})

	hk := &hotkeys{core: core, log: log}
	// prune drops calls older than the retention setting (0 keeps them).
	prune := func(days int) {
		if err := hist.Prune(ctx, days); err != nil {
			log.Warn("tray: prune call history", "err", err)
		}
		core.Refresh()
	}
	var u *ui.UI
	pairPort := pairingPort{c: client, d: d, removed: local.Removed}
	sdeps := ui.SettingsDeps{
		Store:          store,
		TestConnection: testConnection(svc, d),
		CheckHotkey:    func(s string) error { _, err := hotkey.Parse(s); return err },
		SetAutostart:   setAutostart,
		Saved: func(s config.Settings) {
			if err := ui.SetLanguage(s.Language); err != nil {
				log.Warn("tray: load translations", "err", err)
			}
			u.Relabel()
			core.SettingsChanged()
			hk.set(ctx, s.Hotkey)
			prune(s.RetentionDays)
			local.SettingsChanged()
		},
		ClearHistory: func() error {
			err := hist.ClearCalls(ctx)
			core.Refresh()
			return err
		},
		ScanLocal: scanLocal(backends.Options{}, log),
	}
	opts := []ui.Option{ui.WithIdleLoop()}
	if ui.WindowsApartPossible {
		// Each window runs in a process of its own, started from this
		// executable when it is asked for: the tray never loads the GL
		// driver, and a window's memory leaves with its process.
		if exe, err := os.Executable(); err != nil {
			log.Warn("tray: windows stay in the tray's process", "err", err)
		} else {
			opts = append(opts, ui.WithWindowsApart(uiproc.NewHost(uiproc.Deps{
				Exe: exe, AppID: AppID, Lang: func() string { return store.Get().Language },
				Ctl: core, Pairing: pairPort, Refresh: core.Refresh, Settings: sdeps, Copy: clip.Write, Log: log, Stderr: logw,
			})))
		}
	}
	u = ui.New(a, core, pairPort, sdeps, core.Refresh, opts...)

	// The first menu is set here, before the parts that update it: where
	// the tray goes through Fyne (macOS), Fyne starts it only if it has a
	// menu when its loop starts (glfw driver: trayStart runs once in
	// runGL); on Linux and Windows the tray shows it from now on.
	u.Apply(desktop.State{}) // no phones yet: the default phone shows once they are listed

	// The tray's long-lived parts. A new one (the web agent) is one more
	// entry here.
	// Once marks a part that closes what it owns when it ends.
	parts := []supervise.Part{
		{Name: "core", Run: core.Run, Once: true},
		{Name: "history retention", Run: retention(store, prune)},
		{Name: "ui", Run: func(ctx context.Context) error { return u.Run(ctx, core.States(), core.Requests()) }},
		{Name: "instance", Run: inst.Run, Once: true},
		{Name: "links", Run: forwardLinks(inst.Messages(), core)},
		{Name: "presence", Run: presence(pairEvents, announced, core.Refresh, defaultPresenceTimes)},
		{Name: "local phones", Run: local.Run},
		{Name: "connection", Run: func(ctx context.Context) error {
			err := svc.Ready(ctx)
			core.SetConnection(err == nil, err)
			return nil
		}},
	}
	if d.Hosted() {
		// With a hosted server, recents follow the user across desktops
		// that share the sync key (`deskdial sync-key`).
		y, err := remote.HistorySyncer(ctx, client.Conn(), hist, p.Config, s, log, history.WithApplied(core.Refresh))
		switch {
		case err != nil:
			log.Warn("tray: history sync off", "err", err)
		case y != nil:
			parts = append(parts, supervise.Part{Name: "history sync", Run: y.Run})
		}
	}
	if clip.w != nil {
		parts = append(parts, supervise.Part{Name: "clipboard", Run: clip.w.Run, Once: true},
			supervise.Part{Name: "clipboard events", Run: forwardClips(clip.w.Events(), core)})
	}
	if notes.n != nil {
		parts = append(parts, supervise.Part{Name: "notifications", Run: notes.n.Run, Once: true},
			supervise.Part{Name: "notification events", Run: forwardNotices(notes.n.Events(), core)})
	}
	if deps.ExitAfter > 0 {
		parts = append(parts, supervise.Part{Name: "exit timer", Run: func(ctx context.Context) error {
			select {
			case <-ctx.Done():
			case <-time.After(deps.ExitAfter):
				u.Quit()
			}
			return nil
		}})
	}
	for _, pt := range parts {
		sup.Add(pt)
	}
	for _, l := range deps.Links {
		core.Do(desktop.Action{Kind: desktop.ActOfferLink, Text: l})
	}
	// Without a tray host the menu is nowhere: say so once, with what to
	// install, and show it in the main window instead.
	if err := hostErr; err != nil {
		log.Warn("tray: no tray icon", "err", err)
		core.NoTrayHost(trayhost.Advice(os.Getenv("XDG_CURRENT_DESKTOP")))
	}
	hk.set(ctx, s.Hotkey)
	defer hk.close()

	guiDone := make(chan struct{})
	go func() {
		// Owned by the GUI loop: a signal (parent ending) quits it; once
		// the loop is over there is nothing left to quit.
		select {
		case <-parent.Done():
			u.Quit()
		case <-guiDone:
		}
	}()
	log.Info("tray: ready", "home", p.Config, "hotkey", s.Hotkey)
	go func() {
		// Owned by the GUI loop: a part failing fatally ends the tray.
		select {
		case err := <-supDone:
			supDone <- err // for the deferred wait
			if err != nil {
				log.Error("tray: stopping", "err", err)
				u.Quit()
			}
		case <-guiDone:
		}
	}()
	u.Main()
	close(guiDone)
	return nil
}

// testConnection tries a server the settings window is about to save: the
// embedded one ("") is ready or not; another is connected to once.
func testConnection(svc *remote.Service, d *remote.Desktop) func(ctx context.Context, server, creds string) error {
	return func(ctx context.Context, server, creds string) error {
		if server == "" {
			return svc.Ready(ctx)
		}
		dd := *d
		dd.Server, dd.Creds = server, creds
		c, err := remote.Open(ctx, &dd)
		if err != nil {
			return err
		}
		c.Close()
		return nil
	}
}

func setAutostart(on bool) error {
	if !on {
		return autostart.Disable()
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return autostart.Enable(exe)
}
