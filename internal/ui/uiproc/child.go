//go:build cgo

package uiproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/deskdial/deskdial/internal/config"
	core "github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/ui"
)

// RunChild runs the window process: it answers the tray's hello, shows
// the window EnvWindow names with the data of the tray's first open, and
// returns the exit code when the window closes, the tray says close, or
// the pipe ends. It must run on the main goroutine (Fyne's loop needs it).
func RunChild() int {
	return runChild(os.Getenv(EnvWindow), os.Stdin, os.Stdout, os.Stderr)
}

func runChild(kind string, in io.Reader, out io.Writer, errw io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(errw, "deskdial window %s: %v\n", kind, err)
		return 1
	}
	if !IsWindow(kind) {
		return fail(errors.New("unknown window"))
	}
	c := &child{kind: kind, out: out, pending: map[uint64]chan Msg{}}
	r := NewReader(in, FromTray)
	hello, err := r.Read()
	if err != nil {
		return fail(fmt.Errorf("read hello: %w", err))
	}
	if hello.Kind != KHello || hello.V != Version {
		return fail(fmt.Errorf("the tray speaks version %d, this window %d: restart deskdial", hello.V, Version))
	}
	if err := c.send(Msg{Kind: KReady, V: Version}); err != nil {
		return fail(err)
	}
	if err := ui.SetLanguage(hello.Lang); err != nil {
		fmt.Fprintf(errw, "deskdial window %s: load translations: %v\n", kind, err)
	}
	first, err := r.Read()
	if err != nil {
		return fail(fmt.Errorf("read open: %w", err))
	}
	if first.Kind != KOpen {
		return fail(fmt.Errorf("%w: %s before open", ErrBadMsg, first.Kind))
	}
	c.app = fyneapp.NewWithID(hello.AppID)
	c.app.SetIcon(ui.AppIcon())
	if err := c.build(first); err != nil {
		return fail(err)
	}
	c.open(first)
	go func() {
		// Owned by the process: it ends with the pipe, and a bad line
		// ends the window (the tray sent it, so nothing is safe to show).
		for {
			m, err := r.Read()
			if err != nil {
				if !errors.Is(err, io.EOF) {
					fmt.Fprintf(errw, "deskdial window %s: %v\n", kind, err)
				}
				c.failPending()
				fyne.Do(c.app.Quit)
				return
			}
			switch m.Kind {
			case KOpen:
				fyne.Do(func() { c.open(m) })
			case KState:
				fyne.Do(func() { c.state(m) })
			case KReply:
				c.reply(m)
			case KClose:
				fyne.Do(c.app.Quit)
			}
		}
	}()
	c.app.Run()
	c.send(Msg{Kind: KClosed})
	return 0
}

// child is the window process's side of the pipe.
type child struct {
	kind string
	app  fyne.App

	mu      sync.Mutex // guards out, id, pending, gone
	out     io.Writer
	id      uint64
	pending map[uint64]chan Msg
	gone    bool // the pipe from the tray ended

	dial   *ui.DialBox
	prompt *ui.PromptWindow
	set    *ui.SettingsWindow
	pair   *ui.PairingWindow
	main   *ui.MainWindow
	store  *proxyStore
	phones []core.Phone
	links  map[string]string // offer URI → QR content
}

func (c *child) send(m Msg) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return Encode(c.out, m)
}

// ask sends a question and waits for its reply.
func (c *child) ask(ctx context.Context, m Msg) (Msg, error) {
	ch := make(chan Msg, 1)
	c.mu.Lock()
	if c.gone {
		c.mu.Unlock()
		return Msg{}, errTrayGone
	}
	c.id++
	m.ID = c.id
	c.pending[m.ID] = ch
	err := Encode(c.out, m)
	c.mu.Unlock()
	if err != nil {
		return Msg{}, err
	}
	select {
	case <-ctx.Done():
		c.mu.Lock()
		delete(c.pending, m.ID)
		c.mu.Unlock()
		return Msg{}, ctx.Err()
	case r, ok := <-ch:
		if !ok {
			return Msg{}, errTrayGone
		}
		if r.Err != "" && r.Field == "" {
			return r, errors.New(r.Err)
		}
		return r, nil
	}
}

var errTrayGone = errors.New("deskdial's tray has ended")

func (c *child) reply(m Msg) {
	c.mu.Lock()
	ch := c.pending[m.ID]
	delete(c.pending, m.ID)
	c.mu.Unlock()
	if ch != nil {
		ch <- m
	}
}

func (c *child) failPending() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gone = true
	for id, ch := range c.pending {
		close(ch)
		delete(c.pending, id)
	}
}

// closed ends the process once its window is closed or hidden.
func (c *child) closed() { c.app.Quit() }

// build makes the window the process shows.
func (c *child) build(first Msg) error {
	ctl := proxyCtl{c}
	switch c.kind {
	case WinDial:
		c.dial = ui.NewDialBox(c.app, ctl)
		c.dial.OnHide = c.closed
	case WinPrompt:
		c.prompt = ui.NewPromptWindow(c.app, ctl)
		c.prompt.OnHide = c.closed
	case WinMain:
		c.main = ui.NewMainWindow(c.app, c.menu(first.Menu))
		c.main.OnHide = c.closed
	case WinPairing:
		c.links = map[string]string{}
		c.pair = ui.NewPairingWindow(c.app, proxyPairing{c}, nil)
		c.pair.Window.SetOnClosed(c.closed)
		c.pair.OnCopy = func(offer string) {
			if offer != "" {
				c.send(Msg{Kind: KCopy, Text: offer})
			}
		}
	case WinSettings:
		var s config.Settings
		if err := json.Unmarshal(first.Settings, &s); err != nil {
			return fmt.Errorf("%w: settings: %v", ErrBadMsg, err)
		}
		c.store = &proxyStore{c: c, snap: s}
		deps := ui.SettingsDeps{
			Store: c.store,
			TestConnection: func(ctx context.Context, server, creds string) error {
				_, err := c.ask(ctx, Msg{Kind: KTest, Server: server, Creds: creds})
				return err
			},
			// The tray checks the hotkey when the settings are saved.
			SetAutostart: func(on bool) error {
				_, err := c.ask(context.Background(), Msg{Kind: KAutostart, On: on})
				return err
			},
			Saved: func(config.Settings) { c.send(Msg{Kind: KSaved}) },
		}
		if first.ClearHistory {
			deps.ClearHistory = func() error {
				_, err := c.ask(context.Background(), Msg{Kind: KClear})
				return err
			}
		}
		if first.ScanLocal {
			deps.ScanLocal = func(ctx context.Context) ui.LocalScan {
				r, err := c.ask(ctx, Msg{Kind: KScan})
				if err != nil || r.Scan == nil {
					return ui.LocalScan{}
				}
				return scanFromWire(*r.Scan)
			}
		}
		c.set = ui.NewSettingsWindow(c.app, deps)
		c.set.Window.SetOnClosed(c.closed)
	}
	return nil
}

// open shows the window with m's data, or raises it. On the UI goroutine.
func (c *child) open(m Msg) {
	c.state(m)
	switch {
	case c.dial != nil:
		c.dial.Open(m.Text)
	case c.prompt != nil:
		r := core.Request{Kind: core.ReqNotice, Title: m.Title, Body: m.Body}
		if m.Number != "" {
			r.Kind = core.ReqPrompt
			r.Offer = &core.Offer{Number: m.Number}
		}
		for _, b := range m.Buttons {
			r.Actions = append(r.Actions, core.NoticeAction{Key: b.Key, Label: b.Label})
		}
		c.prompt.Show(r)
	case c.main != nil:
		c.main.Show()
	case c.pair != nil:
		if c.pair.OfferText() == "" {
			c.pair.MakeOffer()
		}
		c.pair.Window.Show()
		c.pair.Window.RequestFocus()
	case c.set != nil:
		if len(m.Settings) > 0 {
			var s config.Settings
			if err := json.Unmarshal(m.Settings, &s); err == nil {
				c.store.set(s)
			}
		}
		c.set.Load(c.phones)
		c.set.Window.Show()
		c.set.Window.RequestFocus()
	}
}

// state applies the tray's state. On the UI goroutine.
func (c *child) state(m Msg) {
	if m.Phones != nil || m.Kind == KState {
		c.phones = phonesFromWire(m.Phones)
	}
	switch {
	case c.dial != nil:
		c.dial.SetPhones(core.State{Phones: c.phones, Default: parseID(m.Default)})
	case c.pair != nil:
		c.pair.SetPhones(c.phones)
	case c.main != nil && m.Kind == KState:
		c.main.SetMenu(c.menu(m.Menu))
	}
}

// menu builds the main window's entries; a click sends the entry's
// action number.
func (c *child) menu(items []Item) *fyne.Menu {
	return fyne.NewMenu("deskdial", c.menuItems(items)...)
}

func (c *child) menuItems(items []Item) []*fyne.MenuItem {
	out := make([]*fyne.MenuItem, 0, len(items))
	for _, it := range items {
		if it.Separator {
			out = append(out, fyne.NewMenuItemSeparator())
			continue
		}
		mi := fyne.NewMenuItem(it.Label, nil)
		mi.Disabled, mi.Checked = it.Disabled, it.Checked
		if n := it.Action; n > 0 {
			mi.Action = func() { c.send(Msg{Kind: KMenu, Item: n}) }
		}
		if len(it.Children) > 0 {
			mi.ChildMenu = fyne.NewMenu("", c.menuItems(it.Children)...)
		}
		out = append(out, mi)
	}
	return out
}

func parseID(s string) device.ID {
	id, _ := device.ParseID(s) // checked by Decode
	return id
}

func phonesFromWire(ps []Phone) []core.Phone {
	out := make([]core.Phone, 0, len(ps))
	for _, p := range ps {
		out = append(out, core.Phone{ID: parseID(p.ID), Name: p.Name, Online: p.Online, PlacesCalls: p.PlacesCalls, CanHangup: p.CanHangup})
	}
	return out
}

func scanFromWire(s Scan) ui.LocalScan {
	out := ui.LocalScan{NoBluetooth: s.NoBluetooth, NoKDEConnect: s.NoKDEConnect}
	for _, p := range s.Phones {
		out.Phones = append(out.Phones, ui.LocalPhone{Bluetooth: p.Bluetooth, Backend: p.Backend, Name: p.Name,
			Via: p.Via, Places: p.Places, Ready: p.Ready, Why: p.Why})
	}
	return out
}

// proxyCtl is the core as the dial box and the prompt see it.
type proxyCtl struct{ c *child }

func (p proxyCtl) Do(a core.Action) {
	m := Msg{Number: a.Number, Name: a.Name, Text: a.Text}
	if !a.Phone.IsZero() {
		m.Phone = a.Phone.String()
	}
	switch a.Kind {
	case core.ActCall:
		m.Kind = KCall
	case core.ActDialText:
		m.Kind = KDialText
	case core.ActDismiss:
		m.Kind = KDismiss
	default:
		return
	}
	p.c.send(m)
}

func (p proxyCtl) Search(ctx context.Context, q string, limit int) ([]core.Choice, error) {
	if len(q) > maxText {
		q = q[:maxText]
	}
	r, err := p.c.ask(ctx, Msg{Kind: KSearch, Text: q, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]core.Choice, 0, len(r.Choices))
	for _, ch := range r.Choices {
		out = append(out, core.Choice{Name: ch.Name, Number: ch.Number, Ext: ch.Ext, Source: ch.Source})
	}
	return out, nil
}

// proxyPairing is the tray's pairing as the pairing window sees it.
type proxyPairing struct{ c *child }

func (p proxyPairing) NewOffer(ctx context.Context) (string, error) {
	r, err := p.c.ask(ctx, Msg{Kind: KOffer})
	if err != nil {
		return "", err
	}
	p.c.mu.Lock()
	p.c.links[r.Text] = r.Link
	p.c.mu.Unlock()
	return r.Text, nil
}

func (p proxyPairing) PairLink(uri string) string {
	p.c.mu.Lock()
	defer p.c.mu.Unlock()
	return p.c.links[uri]
}

func (p proxyPairing) Rename(ctx context.Context, id device.ID, name string) error {
	_, err := p.c.ask(ctx, Msg{Kind: KRename, Phone: id.String(), Name: name})
	return err
}

func (p proxyPairing) Remove(ctx context.Context, id device.ID) error {
	_, err := p.c.ask(ctx, Msg{Kind: KRemove, Phone: id.String()})
	return err
}

// proxyStore is the tray's settings store as the settings window sees
// it: a snapshot to read, and saves the tray checks and stores.
type proxyStore struct {
	c    *child
	mu   sync.Mutex
	snap config.Settings
}

func (s *proxyStore) set(v config.Settings) {
	s.mu.Lock()
	s.snap = v
	s.mu.Unlock()
}

func (s *proxyStore) Get() config.Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneSettings(s.snap)
}

func (s *proxyStore) Modify(fn func(*config.Settings)) error {
	v := s.Get()
	fn(&v)
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	r, err := s.c.ask(context.Background(), Msg{Kind: KSave, Settings: b})
	if err != nil {
		return err
	}
	if r.Field != "" {
		return &config.FieldError{Field: r.Field, Msg: r.Err}
	}
	var saved config.Settings
	if err := json.Unmarshal(r.Settings, &saved); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	s.set(saved)
	return nil
}

// cloneSettings copies s with its maps and slices, so a change to the copy
// does not show in the snapshot.
func cloneSettings(s config.Settings) config.Settings {
	b, err := json.Marshal(s)
	if err != nil {
		return s
	}
	var out config.Settings
	if json.Unmarshal(b, &out) != nil {
		return s
	}
	return out
}
