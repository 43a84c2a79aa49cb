//go:build cgo

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/deskdial/deskdial/internal/autostart"
	"github.com/deskdial/deskdial/internal/clipwatch"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/hotkey"
	"github.com/deskdial/deskdial/internal/instance"
	"github.com/deskdial/deskdial/internal/notify"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/remote"
	"github.com/deskdial/deskdial/internal/ui"
	"github.com/deskdial/deskdial/internal/webagent"
)

// envExitAfter makes the tray app quit by itself that long after it is up
// ("2s"): for `make run` smoke checks and footprint measurements.
const envExitAfter = "DESKDIAL_EXIT_AFTER_START"

// appID is the Fyne application ID (preferences, notifications).
const appID = "io.github.deskdial"

// presenceEvery is how often the tray asks which phones are online. The
// embedded server tells nobody when a phone drops off, so the tray asks;
// once a minute keeps the menu honest without keeping the CPU awake.
const presenceEvery = time.Minute

// trayMemLimit is the tray app's soft limit for memory the Go runtime
// holds. The app sits in the background all day; past a burst of work (a
// big paste scanned, a window drawn) the runtime returns freed memory to
// the system sooner under a limit than by its default pacing. It is no
// hard cap: the live heap of the idle app is a few MB.
const trayMemLimit = 64 << 20

// runTray runs the tray app until the user quits or ctx ends. It must run on
// the main goroutine: the GUI event loop needs it.
// links are tel:/callto: links to offer once the tray runs (the link
// that started it from a browser or mail program).
func runTray(ctx context.Context, e *env, links []string) error {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(trayMemLimit)
	}
	// Setting GOMAXPROCS, even to its current value, stops the runtime
	// from re-reading the CPU affinity and cgroup limits every second
	// (Go 1.25's automatic GOMAXPROCS), which would wake the idle app; a
	// desktop session's CPU limits do not change under it.
	runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	p, err := e.paths()
	if err != nil {
		return err
	}
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

	hist, err := history.Open(filepath.Join(p.Data, "history.db"))
	if err != nil {
		return err
	}
	defer hist.Close()

	d, err := remote.OpenDesktop(p, s, e.server, e.creds)
	if err != nil {
		return err
	}

	// Everything below runs until the GUI loop ends; ctx ending quits it.
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	goRun := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Warn("tray: "+name+" stopped", "err", err)
			}
		}()
	}
	defer wg.Wait()
	defer cancel()

	var core *desktop.Core
	pairEvents := make(chan struct{}, 1)
	// The tray is the long-lived instance: its service writes the run file,
	// so `deskdial call`, `pair` and `phones` in a terminal use it too.
	svc := remote.NewService(d, remote.OnPair(func(remote.PairEvent) {
		select {
		case pairEvents <- struct{}{}:
		default:
		}
	}))
	goRun("service", svc.Run)
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
	}

	finder := func(text, region string) []desktop.Found {
		return findNumbers(text, region, store.Get().ScanLimit)
	}
	a := fyneapp.NewWithID(appID)
	a.SetIcon(ui.AppIcon())
	core = desktop.New(&remotePort{c: client, caps: map[string]desktop.Phone{}}, histPort{hist}, clip, notes, store, finder,
		desktop.WithLocalizer(ui.Localizer{}), desktop.WithLogger(log))

	hk := &hotkeys{core: core, log: log}
	// prune drops calls older than the retention setting (0 keeps them).
	prune := func(days int) {
		if err := hist.Prune(ctx, days); err != nil {
			log.Warn("tray: prune call history", "err", err)
		}
		core.Refresh()
	}
	var u *ui.UI
	u = ui.New(a, core, pairingPort{c: client, d: d}, ui.SettingsDeps{
		Store: store,
		TestConnection: func(ctx context.Context, server, creds string) error {
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
		},
		CheckHotkey: func(s string) error { _, err := hotkey.Parse(s); return err },
		SetAutostart: func(on bool) error {
			if !on {
				return autostart.Disable()
			}
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			return autostart.Enable(exe)
		},
		Saved: func(s config.Settings) {
			if err := ui.SetLanguage(s.Language); err != nil {
				log.Warn("tray: load translations", "err", err)
			}
			u.Relabel()
			core.SettingsChanged()
			hk.set(ctx, s.Hotkey)
			prune(s.RetentionDays)
		},
		ClearHistory: func() error {
			err := hist.ClearCalls(ctx)
			core.Refresh()
			return err
		},
	}, core.Refresh, ui.WithIdleLoop())

	// The first menu is set here, before the goroutines that update it:
	// where the tray goes through Fyne (macOS, Windows), Fyne starts it
	// only if it has a menu when its loop starts (glfw driver: trayStart
	// runs once in runGL); on Linux it is on the bus from now on.
	u.Apply(desktop.State{Default: s.DefaultPhone})
	goRun("core", core.Run)
	goRun("history retention", func(ctx context.Context) error {
		// Once at start and then daily: a tray runs for weeks.
		t := time.NewTicker(24 * time.Hour)
		defer t.Stop()
		for {
			prune(store.Get().RetentionDays)
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	})
	if d.Hosted() {
		// With a hosted server, recents follow the user across desktops
		// that share the sync key (`deskdial sync-key`).
		y, err := newHistorySyncer(ctx, client.Conn(), hist, p.Config, s, log, history.WithApplied(core.Refresh))
		switch {
		case err != nil:
			log.Warn("tray: history sync off", "err", err)
		case y != nil:
			goRun("history sync", y.Run)
		}
	}
	goRun("ui", func(ctx context.Context) error { return u.Run(ctx, core.States(), core.Requests()) })
	goRun("instance", inst.Run)
	goRun("links", func(ctx context.Context) error {
		// A tel: link clicked elsewhere while the tray runs (handed over
		// by a second deskdial process) prompts like a copied number.
		for {
			select {
			case <-ctx.Done():
				return nil
			case m, ok := <-inst.Messages():
				if !ok {
					return nil
				}
				core.Do(desktop.Action{Kind: desktop.ActOfferLink, Text: m})
			}
		}
	})
	for _, l := range links {
		core.Do(desktop.Action{Kind: desktop.ActOfferLink, Text: l})
	}
	if clip.w != nil {
		goRun("clipboard", clip.w.Run)
		goRun("clipboard events", func(ctx context.Context) error {
			for ch := range clip.w.Events() {
				core.Clipboard(desktop.ClipChange{Text: ch.Text, Selection: selFrom(ch.Selection), Sensitive: ch.Sensitive})
			}
			return nil
		})
	}
	if notes.n != nil {
		goRun("notifications", notes.n.Run)
		goRun("notification events", func(ctx context.Context) error {
			for ev := range notes.n.Events() {
				key := ev.Action
				if ev.Closed {
					key = ""
				}
				core.NoticeEvent(ev.ID, key)
			}
			return nil
		})
	}
	goRun("presence", func(ctx context.Context) error {
		t := time.NewTicker(presenceEvery)
		defer t.Stop()
		// After a phone pairs, and after the tray (and its server) starts,
		// phones take a moment to connect and announce themselves; look
		// again shortly after, backing off.
		wait := time.Second
		soon := time.After(wait)
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-pairEvents:
				wait = time.Second
				soon = time.After(wait)
			case <-soon:
				if wait < 8*time.Second {
					wait *= 2
					soon = time.After(wait)
				} else {
					soon = nil
				}
			case <-t.C:
			}
			core.Refresh()
		}
	})
	goRun("connection", func(ctx context.Context) error {
		err := svc.Ready(ctx)
		core.SetConnection(err == nil, err)
		return nil
	})
	hk.set(ctx, s.Hotkey)
	defer hk.close()

	if v := os.Getenv(envExitAfter); v != "" {
		dur, err := time.ParseDuration(v)
		if err != nil {
			return usageErr("%s=%q: %v", envExitAfter, v, err)
		}
		goRun("exit timer", func(ctx context.Context) error {
			select {
			case <-ctx.Done():
			case <-time.After(dur):
				u.Quit()
			}
			return nil
		})
	}
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
	u.Main()
	close(guiDone)
	return nil
}

// hotkeys keeps the global hotkey registered as the settings say.
type hotkeys struct {
	core *desktop.Core
	log  *slog.Logger
	mu   sync.Mutex
	cur  *hotkey.Hotkey
	spec string
}

func (h *hotkeys) set(ctx context.Context, spec string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if spec == h.spec && h.cur != nil {
		return
	}
	if h.cur != nil {
		h.cur.Close()
		h.cur = nil
	}
	h.spec = spec
	sp, err := hotkey.Parse(spec)
	if err == nil {
		h.cur, err = hotkey.Register(ctx, sp)
	}
	switch {
	case errors.Is(err, hotkey.ErrTaken):
		h.core.Tell(desktop.M("notice.hotkey_taken", "Key", spec), desktop.M("notice.hotkey_body"))
		h.log.Warn("tray: hotkey taken", "key", spec)
		return
	case errors.Is(err, hotkey.ErrUnsupported):
		h.core.Tell(desktop.M("notice.hotkey_none"), desktop.Msg{})
		return
	case err != nil:
		h.log.Warn("tray: hotkey", "key", spec, "err", err)
		return
	}
	hk := h.cur
	go func() {
		// Owned by this registration: Events ends when it is closed or ctx ends.
		for {
			select {
			case <-ctx.Done():
				return
			case _, ok := <-hk.Events():
				if !ok {
					return
				}
				h.core.Hotkey()
			}
		}
	}()
}

func (h *hotkeys) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur != nil {
		h.cur.Close()
		h.cur = nil
	}
}

// findNumbers is the desktop's Finder: a tel:/callto: link is one number;
// other text is searched for numbers.
func findNumbers(text, region string, limit int) []desktop.Found {
	t := strings.TrimSpace(text)
	lt := strings.ToLower(t)
	if strings.HasPrefix(lt, "tel:") || strings.HasPrefix(lt, "callto:") {
		if n, err := number.Parse(t, region); err == nil {
			return []desktop.Found{{E164: n.E164, Raw: t, Ext: n.Extension, SafeToAutoDial: n.SafeToAutoDial()}}
		}
	}
	var out []desktop.Found
	for _, m := range number.FindUnique(text, region, number.WithScanLimit(limit)) {
		out = append(out, desktop.Found{E164: m.E164, Raw: m.Raw, Ext: m.Extension, SafeToAutoDial: m.SafeToAutoDial()})
	}
	return out
}

func selFrom(s clipwatch.Selection) desktop.Selection {
	if s == clipwatch.Primary {
		return desktop.Primary
	}
	return desktop.Clipboard
}

// clipPort adapts the clipboard watcher (nil: no clipboard).
type clipPort struct{ w *clipwatch.Watcher }

func (c *clipPort) Read(ctx context.Context, sel desktop.Selection) (string, error) {
	if c.w == nil {
		return "", clipwatch.ErrUnsupported
	}
	s := clipwatch.Clipboard
	if sel == desktop.Primary {
		s = clipwatch.Primary
	}
	return c.w.Read(ctx, s)
}

func (c *clipPort) Write(ctx context.Context, text string) error {
	if c.w == nil {
		return clipwatch.ErrUnsupported
	}
	return c.w.Write(ctx, text)
}

// notifyPort adapts the notifier (nil: none, so prompts open a window).
type notifyPort struct{ n *notify.Notifier }

func (p *notifyPort) Show(ctx context.Context, n desktop.Notice) (uint32, error) {
	if p.n == nil {
		return 0, desktop.ErrNoActions
	}
	note := notify.Notification{Title: n.Title, Body: n.Body, Replaces: n.Replaces, Icon: "phone"}
	for _, a := range n.Actions {
		note.Actions = append(note.Actions, notify.Action{Key: a.Key, Label: a.Label})
	}
	id, err := p.n.Show(ctx, note)
	if errors.Is(err, notify.ErrNoActions) || errors.Is(err, notify.ErrNoServer) || errors.Is(err, notify.ErrClosed) {
		return 0, fmt.Errorf("%w: %v", desktop.ErrNoActions, err)
	}
	return id, err
}

// histPort adapts the history store.
type histPort struct{ s *history.Store }

func (h histPort) Recent(ctx context.Context, n int) ([]desktop.RecentCall, error) {
	calls, err := h.s.Recent(ctx, n)
	if err != nil {
		return nil, err
	}
	out := make([]desktop.RecentCall, 0, len(calls))
	for _, c := range calls {
		out = append(out, desktop.RecentCall{Name: c.Name, Number: c.Number, Phone: c.PhoneID, At: c.At})
	}
	return out, nil
}

func (h histPort) Search(ctx context.Context, q string, limit int) ([]desktop.Contact, error) {
	hits, err := h.s.Search(ctx, q, limit)
	if err != nil {
		return nil, err
	}
	out := make([]desktop.Contact, 0, len(hits))
	for _, hit := range hits {
		out = append(out, desktop.Contact{Name: hit.Name, Number: hit.E164, Ext: hit.Ext})
	}
	return out, nil
}

func (h histPort) RecordCall(ctx context.Context, r desktop.CallRecord) (int64, error) {
	return h.s.RecordCall(ctx, history.Call{At: r.Started, Number: r.Number, Name: r.Name, PhoneID: r.Phone,
		Outcome: history.OutcomeRequested})
}

func (h histPort) UpdateCall(ctx context.Context, id int64, r desktop.CallRecord) error {
	outcome := string(r.Phase)
	switch r.Phase {
	case desktop.PhaseEnded:
		outcome = history.OutcomeEnded
		if r.Talk > 0 {
			outcome = history.OutcomeAnswered
		}
	case desktop.PhaseOffline:
		outcome = history.OutcomeOffline
	case desktop.PhaseRefused:
		outcome = history.OutcomeRefused
	case desktop.PhaseFailed:
		outcome = history.OutcomeFailed
	}
	return h.s.UpdateCall(ctx, id, outcome, r.Talk)
}

// remotePort adapts the NATS client. It remembers each phone's
// capabilities from when it was last online, so an offline phone is still
// shown as "calls" or "opens dialer".
type remotePort struct {
	c    *remote.Client
	mu   sync.Mutex
	caps map[string]desktop.Phone
}

func (r *remotePort) Phones(ctx context.Context) ([]desktop.Phone, error) {
	infos, err := r.c.Phones(ctx)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]desktop.Phone, 0, len(infos))
	for _, in := range infos {
		id := in.Peer.ID.String()
		p := r.caps[id]
		p.ID, p.Name, p.Online = id, in.Peer.Name, in.Online
		if in.Online {
			p.PlacesCalls, p.CanHangup = in.Presence.PlacesCalls, in.Presence.CanHangup
			r.caps[id] = p
		}
		out = append(out, p)
	}
	return out, nil
}

func (r *remotePort) Call(ctx context.Context, phoneID, target string, mode desktop.Mode) (desktop.CallHandle, error) {
	id, err := device.ParseID(phoneID)
	if err != nil {
		return nil, err
	}
	h, err := r.c.Call(ctx, id, target, protocol.Mode(mode))
	var re *remote.RefusedError
	switch {
	case errors.As(err, &re):
		reason := re.Reply.Reason
		if reason == "" {
			reason = re.Reply.Code
		}
		return nil, &desktop.RefusedError{Reason: reason}
	case errors.Is(err, remote.ErrOffline), errors.Is(err, remote.ErrTimeout):
		return nil, fmt.Errorf("%w: %v", desktop.ErrOffline, err)
	case err != nil:
		return nil, err
	}
	out := make(chan desktop.CallUpdate, 16)
	go func() {
		// Owned by the call: ends when the phone's updates end or ctx does.
		defer close(out)
		defer h.Close()
		out <- desktop.CallUpdate{Phase: desktop.PhaseSent, At: time.Now()}
		for {
			select {
			case <-ctx.Done():
				return
			case st, ok := <-h.Updates:
				if !ok {
					return
				}
				u := desktop.CallUpdate{Phase: desktop.Phase(st.State), Reason: st.Reason, At: time.UnixMilli(st.At)}
				select {
				case out <- u:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return &callPort{c: r.c, phone: id, h: h, updates: out}, nil
}

type callPort struct {
	c       *remote.Client
	phone   device.ID
	h       *remote.CallHandle
	updates chan desktop.CallUpdate
}

func (c *callPort) Updates() <-chan desktop.CallUpdate { return c.updates }
func (c *callPort) Hangup(ctx context.Context) error   { return c.c.Hangup(ctx, c.phone, c.h.ID) }

// pairingPort adapts pairing and the device registry for the pairing window.
type pairingPort struct {
	c *remote.Client
	d *remote.Desktop
}

func (p pairingPort) NewOffer(ctx context.Context) (string, error) {
	o, err := p.c.Offer(ctx)
	if err != nil {
		return "", err
	}
	return o.URI(), nil
}

// PairLink is the pairing link a phone's camera opens: the web agent's
// page with the offer in the URL fragment; "" when no page is served.
func (p pairingPort) PairLink(uri string) string {
	if pages := p.c.PageURLs(); len(pages) > 0 {
		return webagent.PairURL(pages[0], uri)
	}
	return ""
}

func (p pairingPort) Rename(ctx context.Context, id, name string) error {
	did, err := device.ParseID(id)
	if err != nil {
		return err
	}
	return p.d.Registry.Rename(did, name)
}

func (p pairingPort) Remove(ctx context.Context, id string) error {
	did, err := device.ParseID(id)
	if err != nil {
		return err
	}
	return p.c.Unpair(ctx, did)
}
