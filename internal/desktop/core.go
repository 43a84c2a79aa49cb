package desktop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/number"
)

// RequestKind is something the core asks the UI to show.
type RequestKind string

const (
	ReqDialBox  RequestKind = "dialbox"  // Text: prefill
	ReqPrompt   RequestKind = "prompt"   // Offer, Title: the fallback prompt window
	ReqPairing  RequestKind = "pairing"  // open the pairing window
	ReqSettings RequestKind = "settings" // open the settings window
	ReqQuit     RequestKind = "quit"
	ReqNotice   RequestKind = "notice" // Title, Body: feedback the notifier could not show
	ReqMain     RequestKind = "main"   // the main window: the tray menu's content, where no tray shows it
)

// Request asks the UI to open a window.
type Request struct {
	Kind  RequestKind
	Text  string
	Offer *Offer
	Title string
	Body  string
	// Actions are the prompt's buttons (ReqPrompt), as on the notice.
	Actions []NoticeAction
}

// Choice is a dial box search result.
type Choice struct {
	Name   string
	Number string // E.164
	Ext    string // a contact's extension, shown to key in after answer; never dialled
	Source string // "typed", "contact" or "recent"
}

// Option configures a Core.
type Option func(*Core)

// WithLocalizer sets how notifications are translated (default: KeyLocalizer).
func WithLocalizer(l Localizer) Option { return func(c *Core) { c.loc = l } }

// WithClock replaces time.Now (for tests).
func WithClock(now func() time.Time) Option { return func(c *Core) { c.now = now } }

// WithPresenceWait bounds how long a link or call that arrives before the
// phones and their presence are known waits for them (default 3 s).
func WithPresenceWait(d time.Duration) Option { return func(c *Core) { c.presenceWait = d } }

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *Core) { c.log = l } }

// Core owns the tray app's state. Its methods may be called from any
// goroutine; they queue work for the loop in Run, which is the only code
// touching the state.
type Core struct {
	remote   Remote
	hist     History
	clip     Clip
	notifier Notifier
	settings Settings
	find     Finder
	loc      Localizer
	now      func() time.Time
	log      *slog.Logger

	presenceWait time.Duration

	in       chan func()
	states   chan State
	requests chan Request
	done     chan struct{}

	// Owned by the loop.
	ctx      context.Context
	wg       sync.WaitGroup
	st       State
	gate     ClipGate
	promptID uint32 // notification asking about st.Clip
	prompted *Offer
	callID   uint32 // notification showing the call
	handle   CallHandle
	recordID int64
	seq      int
	// known is set once the phones and their presence have been read (or
	// the wait for them is over); until then, what needs a phone waits in
	// pending instead of saying no phone is paired.
	known   bool
	pending []func()
	// earlier holds calls a newer call replaced on screen while they were
	// still going: their states are no longer shown, but their outcome
	// still goes to the history.
	earlier map[int]earlierCall
}

type earlierCall struct {
	call     Call
	recordID int64
}

// New makes a Core. All ports are required.
func New(remote Remote, hist History, clip Clip, notifier Notifier, settings Settings, find Finder, opts ...Option) *Core {
	c := &Core{
		remote: remote, hist: hist, clip: clip, notifier: notifier, settings: settings, find: find,
		loc: KeyLocalizer{}, now: time.Now, log: slog.Default(), presenceWait: 3 * time.Second,
		in:       make(chan func(), 256),
		states:   make(chan State, 1),
		requests: make(chan Request, 16),
		done:     make(chan struct{}),
	}
	for _, o := range opts {
		o(c)
	}
	c.st.Default = defaultPhone(settings.Get())
	return c
}

// States delivers state snapshots; only the newest is kept, so a slow reader
// never sees stale state and never blocks the core.
func (c *Core) States() <-chan State { return c.states }

// Requests delivers windows the UI should open.
func (c *Core) Requests() <-chan Request { return c.requests }

// Run processes events until ctx ends, then waits for the calls it started.
func (c *Core) Run(ctx context.Context) error {
	c.ctx = ctx
	defer close(c.done)
	c.refresh()
	c.publish()
	c.spawn(func(ctx context.Context) {
		t := time.NewTimer(c.presenceWait)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
			c.post(c.phonesKnown)
		}
	})
	for {
		select {
		case <-ctx.Done():
			c.wg.Wait()
			return nil
		case f := <-c.in:
			f()
		}
	}
}

// post queues f for the loop. It never blocks once Run has returned.
func (c *Core) post(f func()) {
	select {
	case c.in <- f:
	case <-c.done:
	}
}

// Sync waits until everything queued before it has been processed; for
// tests and for an orderly shutdown.
func (c *Core) Sync() {
	ch := make(chan struct{})
	c.post(func() { close(ch) })
	select {
	case <-ch:
	case <-c.done:
	}
}

// go runs f in a goroutine the loop waits for at shutdown.
func (c *Core) spawn(f func(ctx context.Context)) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f(c.ctx)
	}()
}

func (c *Core) publish() {
	s := c.st
	select {
	case <-c.states:
	default:
	}
	c.states <- s
}

func (c *Core) request(r Request) {
	select {
	case c.requests <- r:
	default:
		c.log.Warn("desktop: UI request dropped, UI not keeping up", "kind", r.Kind)
	}
}

// Do carries out a user action.
func (c *Core) Do(a Action) { c.post(func() { c.do(a) }) }

// Clipboard handles a clipboard change.
func (c *Core) Clipboard(ch ClipChange) { c.post(func() { c.clipboard(ch) }) }

// Hotkey handles a press of the global hotkey: dial the number highlighted
// now (PRIMARY); without one, open the dial box prefilled with the
// clipboard's number, waiting for Enter.
func (c *Core) Hotkey() { c.post(c.hotkey) }

// NoticeEvent handles a notification button (key) or its closing (key "").
func (c *Core) NoticeEvent(id uint32, key string) { c.post(func() { c.noticeEvent(id, key) }) }

// SetConnection reports the connection to the NATS server.
func (c *Core) SetConnection(ok bool, err error) {
	c.post(func() {
		c.st.Connected = ok
		c.st.ConnErr = ""
		if err != nil {
			c.st.ConnErr = err.Error()
		}
		c.publish()
	})
}

// SetPhones reports the paired phones and their presence.
func (c *Core) SetPhones(ps []Phone) {
	ps = append([]Phone(nil), ps...)
	c.post(func() {
		c.st.Phones = ps
		c.publish()
		c.phonesKnown()
	})
}

// phonesKnown runs what waited for the phones' presence.
func (c *Core) phonesKnown() {
	if c.known {
		return
	}
	c.known = true
	p := c.pending
	c.pending = nil
	for _, f := range p {
		f()
	}
}

// needPhones reports whether f was kept to run once the phones are known:
// a link that starts the tray arrives before presence is.
func (c *Core) needPhones(f func()) bool {
	if c.known {
		return false
	}
	c.pending = append(c.pending, f)
	return true
}

// Tell shows the user a notice without buttons (or a window where there
// are no notifications).
func (c *Core) Tell(title, body Msg) {
	c.post(func() { c.feedback(NoticeSpec{Title: title, Body: body}) })
}

// NoTrayHost says once that the desktop shows no tray icons and what to
// install (advice), and opens the main window, which offers the tray
// menu's content instead.
func (c *Core) NoTrayHost(advice string) {
	c.post(func() {
		c.feedback(NoticeSpec{Title: M("notice.no_tray"), Body: M("notice.no_tray_body", "Advice", advice)})
		c.request(Request{Kind: ReqMain})
	})
}

// Refresh reloads the phones and the recent calls.
func (c *Core) Refresh() { c.post(c.refresh) }

// SettingsChanged re-reads the settings the state depends on.
func (c *Core) SettingsChanged() {
	c.post(func() {
		c.st.Default = defaultPhone(c.settings.Get())
		c.publish()
	})
}

func (c *Core) refresh() {
	c.spawn(func(ctx context.Context) {
		ps, err := c.remote.Phones(ctx)
		if err != nil {
			c.log.Warn("desktop: list phones", "err", err)
		}
		rs, rerr := c.hist.Recent(ctx, 5*MaxRecent)
		if rerr != nil {
			c.log.Warn("desktop: recent calls", "err", rerr)
		}
		c.post(func() {
			if err == nil {
				c.st.Phones = ps
			}
			if rerr == nil {
				c.st.Recent = rs
			}
			c.publish()
			if err == nil {
				c.phonesKnown()
			}
		})
	})
}

func (c *Core) do(a Action) {
	switch a.Kind {
	case ActCall:
		c.dial(a.Number, a.Name, a.Phone)
	case ActDialText:
		if sc, ok := number.Short(a.Text, c.region()); ok {
			c.place(Found{E164: sc.Digits, Raw: a.Text}, a.Name, a.Phone) // prefilled as typed: see safeToAutoDial
			return
		}
		fs := c.findIn(a.Text)
		if len(fs) == 0 {
			c.noNumber(a.Text)
			return
		}
		c.place(fs[0], a.Name, a.Phone)
	case ActDismiss:
		c.promptID, c.prompted = 0, nil
	case ActHangup:
		c.hangup()
	case ActSelectPhone:
		if err := c.settings.Modify(func(s *config.Settings) { s.DefaultPhone = a.Phone.String() }); err != nil {
			c.log.Warn("desktop: save default phone", "err", err)
		}
		c.st.Default = a.Phone
		c.publish()
	case ActTogglePause:
		c.st.Paused = !c.st.Paused
		if c.st.Paused {
			c.st.Clip = nil
		}
		c.publish()
	case ActOpenDial:
		c.request(Request{Kind: ReqDialBox, Text: a.Text})
	case ActOfferLink:
		c.offerLink(a.Text)
	case ActOpenPairing:
		c.request(Request{Kind: ReqPairing})
	case ActOpenMain:
		c.request(Request{Kind: ReqMain})
	case ActOpenSettings:
		c.request(Request{Kind: ReqSettings})
	case ActQuit:
		c.request(Request{Kind: ReqQuit})
	}
}

func (c *Core) findIn(text string) []Found {
	if c.find == nil {
		return nil
	}
	return c.find(text, c.region())
}

// region reads national numbers: the setting or the locale's region, never
// a guess. With none, "030 1234567" is not read as a number of the US.
func (c *Core) region() string { return c.settings.Get().KnownRegion() }

// noNumber says why text gave nothing to dial: a national number with no
// region known says to set the region; anything else, that no number was
// found.
func (c *Core) noNumber(text string) {
	t := strings.TrimSpace(text)
	if c.region() == "" && number.NeedsRegion(t) {
		c.feedback(NoticeSpec{Title: M("notice.no_region", "Number", t), Body: M("notice.no_region_body")})
		return
	}
	c.feedback(NoticeSpec{Title: M("notice.no_number")})
}

func (c *Core) clipboard(ch ClipChange) {
	s := c.settings.Get()
	sel, _ := c.st.Selected()
	d := c.gate.Decide(ch, GateContext{
		Paused:     c.st.Paused,
		Watch:      s.WatchClipboard,
		Region:     s.KnownRegion(),
		Find:       c.find,
		CallAtOnce: !sel.ID.IsZero() && sel.Online && s.CallAtOnce[sel.ID.String()],
	})
	switch d.Verdict {
	case Ignore:
		switch d.Why {
		case WhyRepeat, WhySelection:
			return // nothing changed
		case WhyOwn:
			return // deskdial's own write keeps the current offer
		}
		c.log.Debug("desktop: clipboard ignored", "why", d.Why)
		c.st.Clip = nil
		c.publish()
		// A copied national number would have been offered with a guessed
		// region; say what is missing instead.
		if d.Why == WhyNoNumber && s.WatchClipboard && !c.st.Paused && c.region() == "" && number.NeedsRegion(ch.Text) {
			c.noNumber(ch.Text)
		}
		return
	case CallAtOnce:
		c.st.Clip = d.Offer
		c.publish()
		c.place(d.Offer.Found(), "", device.ID{})
		return
	}
	c.st.Clip = d.Offer
	c.publish()
	if !ok(sel) {
		c.feedback(NoticeSpec{Title: M("notice.no_phone")})
		return
	}
	c.prompt(*d.Offer, sel)
}

func ok(p Phone) bool { return !p.ID.IsZero() }

// offerLink prompts for the number in a tel:/callto: link handed over by
// the desktop (a click in a browser or mail program). A link always asks,
// whatever "call at once" says: a web page can make the browser open one.
// Pausing the clipboard watcher does not apply — the user clicked.
func (c *Core) offerLink(link string) {
	var o Offer
	if sc, ok := number.Short(link, c.region()); ok {
		// tel:112 is offered as 112, to be filled in on the phone.
		o = Offer{Number: sc.Digits, Raw: link, Text: link}
	} else {
		fs := c.findIn(link)
		if len(fs) == 0 {
			c.noNumber(link)
			return
		}
		o = Offer{Number: fs[0].E164, Raw: fs[0].Raw, Ext: fs[0].Ext, Text: link, More: len(fs) - 1, SafeToAutoDial: fs[0].SafeToAutoDial}
	}
	c.st.Clip = &o
	c.publish()
	sel, _ := c.st.Selected()
	if !ok(sel) || !sel.Online {
		if c.needPhones(func() { c.offerLink(link) }) {
			return
		}
	}
	if !ok(sel) {
		c.feedback(NoticeSpec{Title: M("notice.no_phone")})
		return
	}
	c.prompt(o, sel)
}

func (c *Core) prompt(o Offer, phone Phone) {
	n := PromptNotice(o, phone, c.st.Phones).Render(c.loc)
	n.Replaces = c.promptID
	id, err := c.notifier.Show(c.ctx, n)
	if err != nil {
		if !errors.Is(err, ErrNoActions) {
			c.log.Warn("desktop: show prompt", "err", err)
		}
		c.promptID, c.prompted = 0, &o
		c.request(Request{Kind: ReqPrompt, Offer: &o, Title: n.Title, Body: n.Body, Actions: n.Actions})
		return
	}
	c.promptID, c.prompted = id, &o
}

func (c *Core) noticeEvent(id uint32, key string) {
	switch {
	case id != 0 && id == c.promptID:
		o := c.prompted
		c.promptID, c.prompted = 0, nil
		switch {
		case key == KeyCall:
			c.place(o.Found(), "", device.ID{})
		case key == "default":
			// A click on the notice itself does what its first button
			// does; a prompt that offers no call calls nothing.
			if sel, _ := c.st.Selected(); sel.Online {
				c.place(o.Found(), "", device.ID{})
			} else if first := PromptNotice(*o, sel, c.st.Phones).Actions[0].Key; strings.HasPrefix(first, KeyCallOn) {
				if id, ok := CallOnPhone(first); ok {
					c.place(o.Found(), "", id)
				}
			}
		case key == KeyPick:
			c.request(Request{Kind: ReqDialBox, Text: o.Text})
		case strings.HasPrefix(key, KeyCallOn):
			if id, ok := CallOnPhone(key); ok {
				c.place(o.Found(), "", id)
			}
		}
	case id != 0 && id == c.callID:
		if key == KeyHangup {
			c.hangup()
		}
		if key == "" {
			c.callID = 0
		}
	}
}

func (c *Core) hotkey() {
	c.spawn(func(ctx context.Context) {
		// Only what is highlighted now (PRIMARY) is called at once: the
		// clipboard may hold a number copied long ago, and a call is never
		// placed from an old copy without a click or Enter.
		sel := c.readSel(ctx, Primary)
		fs := c.findIn(sel)
		var clip string
		if len(fs) == 0 {
			clip = c.readSel(ctx, Clipboard)
		}
		c.post(func() {
			switch {
			case len(fs) == 1:
				c.place(fs[0], "", device.ID{})
			case len(fs) > 1:
				c.request(Request{Kind: ReqDialBox, Text: sel})
			default:
				c.request(Request{Kind: ReqDialBox, Text: c.prefill(clip)})
			}
		})
	})
}

// readSel reads a selection; one that cannot be read counts as empty.
func (c *Core) readSel(ctx context.Context, sel Selection) string {
	t, err := c.clip.Read(ctx, sel)
	if err != nil {
		c.log.Debug("desktop: read selection", "sel", sel, "err", err)
		return ""
	}
	return t
}

// prefill is what the dial box opens with for a clipboard text: its one
// number (as read, so the dial box does not depend on the region again),
// all of it when it holds several, nothing without one.
func (c *Core) prefill(clip string) string {
	switch fs := c.findIn(clip); len(fs) {
	case 0:
		return ""
	case 1:
		return fs[0].E164
	default:
		return clip
	}
}

// feedback shows a notice without buttons, or asks the UI to.
func (c *Core) feedback(spec NoticeSpec) uint32 {
	n := spec.Render(c.loc)
	id, err := c.notifier.Show(c.ctx, n)
	if err != nil {
		c.request(Request{Kind: ReqNotice, Title: n.Title, Body: n.Body})
		return 0
	}
	return id
}

// dial sends a dial request for number to phoneID (or the selected phone):
// for a number picked from the menu, recents or contacts, whose
// classification is not at hand, so it is classified here.
func (c *Core) dial(number, name string, phoneID device.ID) {
	number = strings.TrimSpace(number)
	c.place(Found{E164: number, Raw: number, SafeToAutoDial: c.safeToAutoDial(number)}, name, phoneID)
}

// place sends a dial request for f, found (and classified) once where it
// was read, to phoneID (or the selected phone).
func (c *Core) place(f Found, name string, phoneID device.ID) {
	number := strings.TrimSpace(f.E164)
	if number == "" {
		c.feedback(NoticeSpec{Title: M("notice.no_number")})
		return
	}
	var p Phone
	var found bool
	if !phoneID.IsZero() {
		p, found = c.st.Phone(phoneID)
	} else {
		p, found = c.st.Selected()
	}
	if !found || !p.Online {
		if c.needPhones(func() { c.place(f, name, phoneID) }) {
			return
		}
	}
	if !found {
		c.feedback(NoticeSpec{Title: M("notice.no_phone")})
		return
	}
	if name == "" {
		name = c.nameFor(number)
	}
	// A prompt about this number is answered by dialling it.
	c.promptID, c.prompted = 0, nil
	if old := c.st.Call; old != nil && old.Live() && c.recordID != 0 {
		if c.earlier == nil {
			c.earlier = map[int]earlierCall{}
		}
		c.earlier[old.Seq] = earlierCall{call: *old, recordID: c.recordID}
	}
	c.seq++
	cur := &Call{
		Seq: c.seq, Number: number, Name: name, Phone: p.ID, PhoneName: p.Name,
		Started: c.now(), CanHangup: p.CanHangup,
	}
	c.st.Call = cur
	c.handle = nil
	c.callID = 0
	c.publish()
	rec := CallRecord{Number: number, Name: name, Phone: p.ID, Started: cur.Started}
	if id, err := c.hist.RecordCall(c.ctx, rec); err != nil {
		c.log.Warn("desktop: record call", "err", err)
		c.recordID = 0
	} else {
		c.recordID = id
	}
	// Premium-rate, shared-cost and emergency numbers are never dialled
	// without a tap on the phone (the prompt says the dialer opens); a call
	// request for one would only be refused.
	mode := call.ModeCall
	if !p.PlacesCalls || !f.SafeToAutoDial {
		mode = call.ModePrefill
	}
	seq := c.seq
	c.spawn(func(ctx context.Context) {
		h, err := c.remote.Call(ctx, p.ID, number, mode)
		if err != nil {
			u := CallUpdate{Phase: call.Failed, Reason: err.Error(), At: c.now()}
			var re *RefusedError
			switch {
			case errors.Is(err, ErrOffline):
				u = CallUpdate{Phase: call.Offline, At: u.At}
			case errors.As(err, &re):
				u = CallUpdate{Phase: call.Refused, Reason: re.Reason, At: u.At}
			}
			c.post(func() { c.update(seq, u) })
			return
		}
		c.post(func() {
			if seq == c.seq {
				c.handle = h
			}
		})
		for {
			select {
			case <-ctx.Done():
				return
			case u, more := <-h.Updates():
				if !more {
					return
				}
				c.post(func() { c.update(seq, u) })
			}
		}
	})
}

// safeToAutoDial reports whether the phone may place a call to number
// without the user confirming on the phone. Targets that are no number
// (codes) are left to the phone to decide.
// A short code (emergency or service number) is only ever filled in.
func (c *Core) safeToAutoDial(target string) bool {
	if _, ok := number.Short(target, c.region()); ok {
		return false
	}
	fs := c.findIn(target)
	return len(fs) == 0 || fs[0].SafeToAutoDial
}

// nameFor finds the contact or recent name of a number.
func (c *Core) nameFor(number string) string {
	for _, r := range c.st.Recent {
		if r.Number == number && r.Name != "" {
			return r.Name
		}
	}
	return ""
}

func (c *Core) update(seq int, u CallUpdate) {
	cur := c.st.Call
	if cur == nil || cur.Seq != seq {
		c.updateEarlier(seq, u)
		return // a newer call replaced it on screen
	}
	if !cur.Live() {
		return // it is over
	}
	if u.At.IsZero() {
		u.At = c.now()
	}
	next := *cur
	next.Phase, next.Reason = u.Phase, u.Reason
	if u.Phase == call.Active && next.ActiveAt.IsZero() {
		next.ActiveAt = u.At
	}
	if !u.Phase.Live() {
		next.Ended = u.At
	}
	c.st.Call = &next
	if spec, show := CallNotice(next); show {
		n := spec.Render(c.loc)
		n.Replaces = c.callID
		if id, err := c.notifier.Show(c.ctx, n); err == nil {
			c.callID = id
		} else if !next.Phase.Live() {
			// Without notifications, at least say how it ended.
			c.request(Request{Kind: ReqNotice, Title: n.Title, Body: n.Body})
		}
	}
	if !next.Phase.Live() {
		c.handle = nil
		c.finish(next)
	}
	c.publish()
}

// finish writes the outcome to the history and reloads the recent calls.
func (c *Core) finish(done Call) {
	c.record(c.recordID, done)
	c.recordID = 0
	c.refresh()
}

// record writes a finished call's outcome to its history row.
func (c *Core) record(id int64, done Call) {
	if id == 0 {
		return
	}
	rec := CallRecord{
		Number: done.Number, Name: done.Name, Phone: done.Phone, Started: done.Started,
		Phase: done.Phase, Reason: done.Reason, Ended: done.Ended,
	}
	if !done.ActiveAt.IsZero() {
		rec.Talk = done.Ended.Sub(done.ActiveAt)
	}
	if err := c.hist.UpdateCall(c.ctx, id, rec); err != nil {
		c.log.Warn("desktop: update call", "err", err)
	}
}

// updateEarlier follows a call that a newer one replaced on screen, so its
// outcome still reaches the history.
func (c *Core) updateEarlier(seq int, u CallUpdate) {
	e, ok := c.earlier[seq]
	if !ok {
		return
	}
	if u.At.IsZero() {
		u.At = c.now()
	}
	e.call.Phase, e.call.Reason = u.Phase, u.Reason
	if u.Phase == call.Active && e.call.ActiveAt.IsZero() {
		e.call.ActiveAt = u.At
	}
	if u.Phase.Live() {
		c.earlier[seq] = e
		return
	}
	e.call.Ended = u.At
	delete(c.earlier, seq)
	c.record(e.recordID, e.call)
	c.refresh()
}

func (c *Core) hangup() {
	h := c.handle
	if h == nil {
		return
	}
	c.spawn(func(ctx context.Context) {
		if err := h.Hangup(ctx); err != nil {
			c.log.Warn("desktop: hang up", "err", err)
		}
	})
}

// Search returns dial box choices for q: the number typed or pasted (also a
// tel: URI), then contacts and recent calls whose name or digits match. It
// may be called from any goroutine.
func (c *Core) Search(ctx context.Context, q string, limit int) ([]Choice, error) {
	q = strings.TrimSpace(q)
	var out []Choice
	seen := map[string]bool{}
	add := func(ch Choice) {
		if ch.Number == "" || seen[ch.Number] || len(out) >= limit {
			return
		}
		seen[ch.Number] = true
		out = append(out, ch)
	}
	if q != "" {
		for _, f := range c.findIn(q) {
			add(Choice{Number: f.E164, Source: "typed", Name: c.nameForSearch(ctx, f.E164)})
		}
	}
	var herr error
	if q != "" {
		hits, err := c.hist.Search(ctx, q, limit)
		herr = err
		for _, h := range hits {
			add(Choice{Name: h.Name, Number: h.Number, Ext: h.Ext, Source: "contact"})
		}
	}
	rs, err := c.hist.Recent(ctx, 5*limit)
	if err != nil && herr == nil {
		herr = err
	}
	for _, r := range rs {
		if q == "" || Matches(r.Name, r.Number, q) {
			add(Choice{Name: r.Name, Number: r.Number, Source: "recent"})
		}
	}
	if herr != nil {
		return out, fmt.Errorf("search history: %w", herr)
	}
	return out, nil
}

func (c *Core) nameForSearch(ctx context.Context, number string) string {
	hits, err := c.hist.Search(ctx, number, 1)
	if err == nil && len(hits) > 0 && hits[0].Number == number {
		return hits[0].Name
	}
	return ""
}

// Matches reports whether a name or number matches what the user typed: a
// case-insensitive part of the name, or the typed digits within the number.
func Matches(name, number, q string) bool {
	q = strings.TrimSpace(q)
	if q == "" {
		return true
	}
	if strings.Contains(strings.ToLower(name), strings.ToLower(q)) {
		return true
	}
	d, n := digits(q), digits(number)
	if len(d) < 2 {
		return false
	}
	// A national spelling ("030 1234") matches the E.164 form too.
	return strings.Contains(n, d) || (d[0] == '0' && len(d) > 2 && strings.Contains(n, strings.TrimLeft(d, "0")))
}

func keepDigit(r rune) rune {
	if r >= '0' && r <= '9' {
		return r
	}
	return -1
}

func digits(s string) string { return strings.Map(keepDigit, s) }

// CopyNumber puts number on the clipboard without prompting about it.
func (c *Core) CopyNumber(number string) {
	c.post(func() {
		c.gate.MarkOwn(number)
		c.spawn(func(ctx context.Context) {
			if err := c.clip.Write(ctx, number); err != nil {
				c.log.Warn("desktop: write clipboard", "err", err)
			}
		})
	})
}

// defaultPhone is the phone the settings name as the default; the zero ID
// when they name none, or one that is no phone ID (a hand-edited file):
// calls then go to the first online phone.
func defaultPhone(s config.Settings) device.ID {
	id, err := device.ParseID(s.DefaultPhone)
	if err != nil {
		return device.ID{}
	}
	return id
}

// CallOnPhone is the phone a KeyCallOn button names (the key carries its
// ID as text: notification actions are strings).
func CallOnPhone(key string) (device.ID, bool) {
	id, err := device.ParseID(strings.TrimPrefix(key, KeyCallOn))
	return id, err == nil
}
