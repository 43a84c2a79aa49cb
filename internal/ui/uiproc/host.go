//go:build cgo

package uiproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/deskdial/deskdial/internal/config"
	core "github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/textsafe"
	"github.com/deskdial/deskdial/internal/ui"
)

// Deps is what the tray's windows reach through a Host.
type Deps struct {
	// Exe is the program started for a window: the tray's own executable,
	// whose main calls RunChild first when EnvWindow is set.
	Exe   string
	AppID string        // the Fyne application ID
	Lang  func() string // the language setting, for a window's labels
	Ctl   ui.Controller
	// Pairing makes offers and renames and removes phones; Refresh asks
	// the core for fresh phones after a change.
	Pairing  ui.Pairing
	Refresh  func()
	Settings ui.SettingsDeps
	// Copy puts text on the clipboard and keeps it there after the window
	// that asked has ended (nil: the pairing window cannot copy).
	Copy   func(ctx context.Context, text string) error
	Log    *slog.Logger
	Stderr io.Writer // where a window process's own messages go
}

// Host shows the tray's windows in child processes: one process per
// window kind at a time, started when the window is asked for and ended
// when it closes. It implements ui.Windows.
type Host struct {
	d Deps

	mu    sync.Mutex // guards kids, state
	kids  map[string]*kid
	state core.State
}

// NewHost makes a Host; nothing runs until a window is opened.
func NewHost(d Deps) *Host {
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.Stderr == nil {
		d.Stderr = io.Discard
	}
	return &Host{d: d, kids: map[string]*kid{}}
}

var _ ui.Windows = (*Host)(nil)

// kindOf is the window a request opens.
func kindOf(r core.Request) string {
	switch r.Kind {
	case core.ReqDialBox:
		return WinDial
	case core.ReqPrompt, core.ReqNotice:
		return WinPrompt
	case core.ReqPairing:
		return WinPairing
	case core.ReqSettings:
		return WinSettings
	case core.ReqMain:
		return WinMain
	}
	return ""
}

// Open shows the window r asks for, raising the one already open.
func (h *Host) Open(r core.Request, s core.State) {
	kind := kindOf(r)
	if kind == "" {
		return
	}
	h.mu.Lock()
	h.state = s
	k := h.kids[kind]
	h.mu.Unlock()
	if k == nil {
		var err error
		k, err = h.start(kind)
		if err != nil {
			h.d.Log.Warn("ui: open a window", "window", kind, "err", err)
			return
		}
	}
	k.send(h.openMsg(k, r, s))
}

// Apply hands the state to the open windows that show it.
func (h *Host) Apply(s core.State) {
	h.mu.Lock()
	h.state = s
	kids := make([]*kid, 0, len(h.kids))
	for _, k := range h.kids {
		kids = append(kids, k)
	}
	h.mu.Unlock()
	for _, k := range kids {
		switch k.kind {
		case WinDial, WinPairing:
			k.send(Msg{Kind: KState, Phones: phonesToWire(s.Phones), Default: idText(s.Default)})
		case WinMain:
			k.send(Msg{Kind: KState, Menu: k.setMenu(s)})
		}
	}
}

// Relabel closes the windows that show labels of their own, so they open
// in the new language next time; the main window gets its entries anew
// and the settings window stays.
func (h *Host) Relabel() {
	h.mu.Lock()
	var kids []*kid
	for kind, k := range h.kids {
		if kind != WinSettings && kind != WinMain {
			kids = append(kids, k)
			delete(h.kids, kind)
		}
	}
	main := h.kids[WinMain]
	s := h.state
	h.mu.Unlock()
	for _, k := range kids {
		k.send(Msg{Kind: KClose})
	}
	if main != nil {
		main.send(Msg{Kind: KState, Menu: main.setMenu(s)})
	}
}

// closeWait is how long a window process gets to end after close.
const closeWait = 3 * time.Second

// Close closes every window and waits for their processes.
func (h *Host) Close() {
	h.mu.Lock()
	kids := h.kids
	h.kids = map[string]*kid{}
	h.mu.Unlock()
	for _, k := range kids {
		k.send(Msg{Kind: KClose})
	}
	for _, k := range kids {
		select {
		case <-k.done:
		case <-time.After(closeWait):
			k.kill()
			<-k.done
		}
	}
}

// Running says which windows have a process (for tests).
func (h *Host) Running() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for kind := range h.kids {
		out = append(out, kind)
	}
	return out
}

// kid is one window process, as the tray sees it.
type kid struct {
	h    *Host
	kind string
	cmd  *exec.Cmd
	out  chan Msg // to its stdin; full means it stopped reading
	done chan struct{}

	mu     sync.Mutex         // guards the fields below: what the window was offered
	offer  string             // prompt: the number it asks about
	callOn map[device.ID]bool // prompt: the phones its "Call on" buttons name
	found  map[string]bool    // dial box: numbers its searches returned
	offers map[string]bool    // pairing: offers made for it
	acts   []core.Action      // main window: what entry n does (acts[n-1])
	snap   []byte             // settings: the settings it was shown, as JSON
	killed bool
}

// outQueue is how many messages may wait for a window process to read
// them; one that falls that far behind is ended.
const outQueue = 64

func (h *Host) start(kind string) (*kid, error) {
	t0 := time.Now()
	cmd := exec.Command(h.d.Exe)
	cmd.Env = append(os.Environ(), EnvWindow+"="+kind)
	cmd.Stderr = h.d.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("start window process: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("start window process: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start window process: %w", err)
	}
	k := &kid{h: h, kind: kind, cmd: cmd, out: make(chan Msg, outQueue), done: make(chan struct{}),
		found: map[string]bool{}, callOn: map[device.ID]bool{}, offers: map[string]bool{}}
	lang := ""
	if h.d.Lang != nil {
		lang = h.d.Lang()
	}
	k.out <- Msg{Kind: KHello, V: Version, AppID: h.d.AppID, Lang: lang}
	h.mu.Lock()
	h.kids[kind] = k
	h.mu.Unlock()
	wrote := make(chan struct{})
	go func() {
		// Owned by the kid: ends when its queue is closed (run's end).
		defer close(wrote)
		defer stdin.Close()
		for m := range k.out {
			if err := Encode(stdin, m); err != nil {
				k.kill()
				for range k.out {
				}
				return
			}
		}
	}()
	go func() {
		// Owned by the kid: reads until the process ends or misbehaves,
		// then forgets the window.
		err := k.run(stdout, t0)
		if err != nil {
			h.d.Log.Warn("ui: window process ended; its window counts as closed", "window", kind, "err", err)
			k.kill()
		}
		h.forget(k)
		k.mu.Lock()
		close(k.out)
		k.killed = true
		k.mu.Unlock()
		<-wrote
		werr := cmd.Wait()
		if werr != nil && err == nil {
			h.d.Log.Warn("ui: window process", "window", kind, "err", werr)
		}
		close(k.done)
	}()
	return k, nil
}

func (h *Host) forget(k *kid) {
	h.mu.Lock()
	if h.kids[k.kind] == k {
		delete(h.kids, k.kind)
	}
	h.mu.Unlock()
}

// send queues m for the process; one that does not read is ended.
func (k *kid) send(m Msg) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.killed {
		return
	}
	select {
	case k.out <- m:
	default:
		k.h.d.Log.Warn("ui: window process does not read; ending it", "window", k.kind)
		k.killed = true
		k.cmd.Process.Kill()
	}
}

func (k *kid) kill() { k.cmd.Process.Kill() }

// errRefused is a message the window was not offered.
var errRefused = errors.New("not offered to this window")

// run reads the process's messages until it ends; an error means it sent
// something it must not.
func (k *kid) run(stdout io.Reader, t0 time.Time) error {
	r := NewReader(stdout, FromChild)
	m, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("ended before it was ready")
		}
		return err
	}
	if m.Kind != KReady || m.V != Version {
		return fmt.Errorf("%w: %s, version %d, first", ErrBadMsg, m.Kind, m.V)
	}
	k.h.d.Log.Info("ui: window process ready", "window", k.kind, "after", time.Since(t0).Round(time.Millisecond))
	for {
		m, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if m.Kind == KClosed {
			// The window is gone: the next request starts a new one.
			k.h.forget(k)
			continue
		}
		if err := k.handle(m); err != nil {
			return fmt.Errorf("%s: %w", m.Kind, err)
		}
	}
}

// handle acts on one message, checked against what the window was shown.
func (k *kid) handle(m Msg) error {
	d := k.h.d
	allowed := map[string][]string{
		KCall: {WinDial, WinPrompt}, KDialText: {WinDial}, KSearch: {WinDial},
		KDismiss: {WinPrompt}, KMenu: {WinMain},
		KOffer: {WinPairing}, KRename: {WinPairing}, KRemove: {WinPairing}, KCopy: {WinPairing},
		KTest: {WinSettings}, KSave: {WinSettings}, KAutostart: {WinSettings}, KSaved: {WinSettings},
		KClear: {WinSettings}, KScan: {WinSettings},
	}
	ok := false
	for _, w := range allowed[m.Kind] {
		ok = ok || w == k.kind
	}
	if !ok {
		return fmt.Errorf("%w: no such message from the %s window", errRefused, k.kind)
	}
	phone := parseID(m.Phone)
	switch m.Kind {
	case KCall:
		k.mu.Lock()
		offered := k.found[m.Number]
		if k.kind == WinPrompt {
			offered = m.Number == k.offer && (phone.IsZero() || k.callOn[phone])
		}
		k.mu.Unlock()
		if !offered {
			return fmt.Errorf("%w: call %s", errRefused, m.Number)
		}
		if k.kind == WinDial && !phone.IsZero() && !k.h.paired(phone) {
			return fmt.Errorf("%w: phone %s", errRefused, m.Phone)
		}
		d.Ctl.Do(core.Action{Kind: core.ActCall, Number: m.Number, Name: m.Name, Phone: phone})
	case KDialText:
		if m.Text == "" || (!phone.IsZero() && !k.h.paired(phone)) {
			return fmt.Errorf("%w: dial text", errRefused)
		}
		d.Ctl.Do(core.Action{Kind: core.ActDialText, Text: m.Text, Phone: phone})
	case KDismiss:
		d.Ctl.Do(core.Action{Kind: core.ActDismiss})
	case KMenu:
		k.mu.Lock()
		var a core.Action
		if m.Item <= len(k.acts) {
			a = k.acts[m.Item-1]
		}
		k.mu.Unlock()
		if a.Kind == "" {
			return fmt.Errorf("%w: entry %d", errRefused, m.Item)
		}
		d.Ctl.Do(a)
	case KSaved:
		if d.Settings.Saved != nil && d.Settings.Store != nil {
			d.Settings.Saved(d.Settings.Store.Get())
		}
	case KClear:
		if d.Settings.ClearHistory == nil {
			return fmt.Errorf("%w: clear", errRefused)
		}
		go k.answer(m, time.Minute, func(context.Context) Msg { return errMsg(d.Settings.ClearHistory()) })
	case KScan:
		if d.Settings.ScanLocal == nil {
			return fmt.Errorf("%w: scan", errRefused)
		}
		go k.answer(m, time.Minute, func(ctx context.Context) Msg {
			s := scanToWire(d.Settings.ScanLocal(ctx))
			return Msg{Scan: &s}
		})
	case KSearch:
		limit := m.Limit
		if limit == 0 {
			limit = 1
		}
		q := m.Text
		go k.answer(m, 10*time.Second, func(ctx context.Context) Msg {
			res, err := d.Ctl.Search(ctx, q, limit)
			if err != nil {
				return errMsg(err)
			}
			r := Msg{Choices: choicesToWire(res)}
			k.mu.Lock()
			for _, c := range r.Choices {
				k.found[c.Number] = true
			}
			k.mu.Unlock()
			return r
		})
	case KOffer:
		go k.answer(m, 20*time.Second, func(ctx context.Context) Msg {
			uri, err := d.Pairing.NewOffer(ctx)
			if err != nil {
				return errMsg(err)
			}
			r := Msg{Text: uri}
			if l, ok := d.Pairing.(ui.PairingLinker); ok {
				r.Link = l.PairLink(uri)
			}
			if textOK(r.Text, maxText) != nil || textOK(r.Link, maxText) != nil {
				return Msg{Err: "the pairing offer is too long to show"}
			}
			k.mu.Lock()
			k.offers[uri] = true
			k.mu.Unlock()
			return r
		})
	case KCopy:
		k.mu.Lock()
		offered := k.offers[m.Text]
		k.mu.Unlock()
		if !offered {
			return fmt.Errorf("%w: copy", errRefused)
		}
		if d.Copy == nil {
			d.Log.Warn("ui: no clipboard to copy the pairing offer to")
			break
		}
		text := m.Text
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := d.Copy(ctx, text); err != nil {
				d.Log.Warn("ui: copy the pairing offer", "err", err)
			}
		}()
	case KRename, KRemove:
		if !k.h.paired(phone) {
			return fmt.Errorf("%w: phone %s", errRefused, m.Phone)
		}
		name := m.Name
		kind := m.Kind
		go k.answer(m, 20*time.Second, func(ctx context.Context) Msg {
			var err error
			if kind == KRename {
				err = d.Pairing.Rename(ctx, phone, name)
			} else {
				err = d.Pairing.Remove(ctx, phone)
			}
			if err == nil && d.Refresh != nil {
				d.Refresh()
			}
			return errMsg(err)
		})
	case KTest:
		if d.Settings.TestConnection == nil {
			return fmt.Errorf("%w: test", errRefused)
		}
		server, creds := m.Server, m.Creds
		go k.answer(m, 15*time.Second, func(ctx context.Context) Msg {
			return errMsg(d.Settings.TestConnection(ctx, server, creds))
		})
	case KAutostart:
		if d.Settings.SetAutostart == nil {
			return fmt.Errorf("%w: autostart", errRefused)
		}
		on := m.On
		go k.answer(m, 10*time.Second, func(context.Context) Msg { return errMsg(d.Settings.SetAutostart(on)) })
	case KSave:
		var after config.Settings
		dec := json.NewDecoder(bytes.NewReader(m.Settings))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&after); err != nil {
			return fmt.Errorf("%w: settings: %v", ErrBadMsg, err)
		}
		k.answerNow(m, k.save(m.Settings, after))
	}
	return nil
}

// save stores what the settings window changed: the fields that differ
// between what it was shown and what it sends are set on the settings as
// they are now, so a change the tray made meanwhile is kept.
func (k *kid) save(raw json.RawMessage, after config.Settings) Msg {
	d := k.h.d.Settings
	if hk := strings.TrimSpace(after.Hotkey); hk != "" && d.CheckHotkey != nil {
		if err := d.CheckHotkey(hk); err != nil {
			return Msg{Err: clean(err.Error(), maxText), Field: "hotkey"}
		}
	}
	k.mu.Lock()
	before := k.snap
	k.mu.Unlock()
	var bm, am map[string]json.RawMessage
	if json.Unmarshal(before, &bm) != nil || json.Unmarshal(raw, &am) != nil {
		return Msg{Err: "the settings window sent settings that cannot be read"}
	}
	var merr error
	err := d.Store.Modify(func(cur *config.Settings) {
		b, err := json.Marshal(cur)
		if err != nil {
			merr = err
			return
		}
		var cm map[string]json.RawMessage
		if err := json.Unmarshal(b, &cm); err != nil {
			merr = err
			return
		}
		for key := range keys(bm, am) {
			switch v, ok := am[key]; {
			case !ok:
				delete(cm, key)
			case !bytes.Equal(v, bm[key]):
				cm[key] = v
			}
		}
		b, err = json.Marshal(cm)
		if err != nil {
			merr = err
			return
		}
		var next config.Settings
		if err := json.Unmarshal(b, &next); err != nil {
			merr = err
			return
		}
		*cur = next
	})
	if err == nil {
		err = merr
	}
	var fe *config.FieldError
	if errors.As(err, &fe) {
		return Msg{Err: clean(fe.Msg, maxText), Field: clean(fe.Field, 64)}
	}
	if err != nil {
		return errMsg(err)
	}
	snap, err := json.Marshal(d.Store.Get())
	if err != nil {
		return errMsg(err)
	}
	k.mu.Lock()
	k.snap = snap
	k.mu.Unlock()
	return Msg{Settings: snap}
}

func keys(ms ...map[string]json.RawMessage) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		for k := range m {
			out[k] = true
		}
	}
	return out
}

// answer answers the question q with what f returns, f bounded by limit.
func (k *kid) answer(q Msg, limit time.Duration, f func(context.Context) Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	k.answerNow(q, f(ctx))
}

func (k *kid) answerNow(q Msg, r Msg) {
	r.Kind, r.ID = KReply, q.ID
	k.send(r)
}

func errMsg(err error) Msg {
	if err == nil {
		return Msg{}
	}
	return Msg{Err: clean(err.Error(), maxText)}
}

func (h *Host) paired(id device.ID) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, ok := h.state.Phone(id)
	return ok
}

// openMsg is the open message for request r, noting what the window is
// offered.
func (h *Host) openMsg(k *kid, r core.Request, s core.State) Msg {
	m := Msg{Kind: KOpen, Phones: phonesToWire(s.Phones), Default: idText(s.Default)}
	switch k.kind {
	case WinDial:
		m.Text = clean(r.Text, maxText)
	case WinPrompt:
		m.Title, m.Body = clean(r.Title, maxLabel), clean(r.Body, maxText)
		callOn := map[device.ID]bool{}
		for _, a := range r.Actions {
			if id, ok := core.CallOnPhone(a.Key); ok {
				callOn[id] = true
			}
			m.Buttons = append(m.Buttons, Button{Key: clean(a.Key, maxLabel), Label: clean(a.Label, maxLabel)})
		}
		offer := ""
		if r.Offer != nil && number.IsE164(r.Offer.Number) {
			offer = r.Offer.Number
		}
		m.Number = offer
		k.mu.Lock()
		k.offer, k.callOn = offer, callOn
		k.mu.Unlock()
	case WinMain:
		m.Menu = k.setMenu(s)
	case WinSettings:
		st := h.d.Settings
		b, err := json.Marshal(st.Store.Get())
		if err == nil {
			m.Settings = b
			k.mu.Lock()
			k.snap = b
			k.mu.Unlock()
		}
		m.ClearHistory, m.ScanLocal = st.ClearHistory != nil, st.ScanLocal != nil
	}
	return m
}

// setMenu is the main window's entries for s, noting what each does.
func (k *kid) setMenu(s core.State) []Item {
	var acts []core.Action
	var conv func(items []core.Item) []Item
	conv = func(items []core.Item) []Item {
		out := make([]Item, 0, len(items))
		for _, it := range items {
			if len(acts) >= maxMenu {
				break
			}
			w := Item{Label: clean(ui.Localizer{}.T(it.Label), maxLabel), Disabled: it.Disabled, Checked: it.Checked,
				Separator: it.Separator}
			if it.Action.Kind != "" {
				acts = append(acts, it.Action)
				w.Action = len(acts)
			}
			if len(it.Children) > 0 {
				w.Children = conv(it.Children)
			}
			out = append(out, w)
		}
		return out
	}
	items := conv(core.BuildMenu(s))
	k.mu.Lock()
	k.acts = acts
	k.mu.Unlock()
	return items
}

func idText(id device.ID) string {
	if id.IsZero() {
		return ""
	}
	return id.String()
}

func phonesToWire(ps []core.Phone) []Phone {
	out := make([]Phone, 0, len(ps))
	for _, p := range ps {
		if len(out) == maxList {
			break
		}
		out = append(out, Phone{ID: p.ID.String(), Name: clean(p.Name, maxLabel), Online: p.Online,
			PlacesCalls: p.PlacesCalls, CanHangup: p.CanHangup})
	}
	return out
}

func choicesToWire(cs []core.Choice) []Choice {
	out := make([]Choice, 0, len(cs))
	for _, c := range cs {
		if len(out) == maxList {
			break
		}
		if !number.IsE164(c.Number) || textOK(c.Ext, maxNumber) != nil {
			continue
		}
		out = append(out, Choice{Name: clean(c.Name, maxLabel), Number: c.Number, Ext: c.Ext, Source: clean(c.Source, 16)})
	}
	return out
}

func scanToWire(s ui.LocalScan) Scan {
	out := Scan{NoBluetooth: clean(s.NoBluetooth, maxText), NoKDEConnect: clean(s.NoKDEConnect, maxText)}
	for _, p := range s.Phones {
		if len(out.Phones) == maxList {
			break
		}
		out.Phones = append(out.Phones, LocalPhone{Bluetooth: p.Bluetooth, Backend: clean(p.Backend, maxLabel),
			Name: clean(p.Name, maxLabel), Via: clean(p.Via, maxLabel), Places: p.Places, Ready: p.Ready, Why: clean(p.Why, maxLabel)})
	}
	return out
}

// clean makes s fit a field the other side checks: characters textsafe
// refuses become spaces (line breaks stay), and it is cut to max
// characters.
func clean(s string, max int) string {
	if len(s) > 4*max { // a big copy: no more than max characters are kept
		s = s[:4*max]
	}
	s = strings.ToValidUTF8(s, " ")
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if textsafe.Unsafe(r) {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max])
	}
	return s
}
