package desktop

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/testsupport"
)

const signature = "Anna Muster\nTel. +49 30 1234567\nAcme GmbH"

func nextRequest(t *testing.T, c *Core) Request {
	t.Helper()
	select {
	case r := <-c.Requests():
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("no UI request")
	}
	return Request{}
}

func TestCoreCopyPromptCall(t *testing.T) {
	r := newRig(t, pixel, nokia)
	r.core.Clipboard(ClipChange{Text: signature})
	s := r.waitState(t, func(s State) bool { return s.Clip != nil })
	if s.Clip.Number != "+49301234567" {
		t.Fatalf("clipboard offer %+v", s.Clip)
	}
	r.core.Sync()
	n := r.notifier.last()
	if n.Title != "prompt.title{Number=+49 30 1234567 Phone=Pixel}" || len(n.Actions) != 2 {
		t.Fatalf("prompt notice %+v", n)
	}
	// The same copy again (the owner re-asserting it) asks nothing more.
	r.core.Clipboard(ClipChange{Text: signature})
	r.core.Sync()
	if got := len(r.notifier.titles()); got != 1 {
		t.Fatalf("%d notices after a repeated copy, want 1", got)
	}

	r.core.NoticeEvent(1, KeyCall)
	testsupport.WaitFor(t, "the dial request", func() bool { return len(r.remote.dialed()) == 1 })
	if d := r.remote.dialed()[0]; d != (dialed{pixel.ID, "+49301234567", call.ModeCall}) {
		t.Fatalf("dialed %+v", d)
	}
	s = r.waitState(t, func(s State) bool { return s.Call != nil })
	if IconFor(s) != IconCalling {
		t.Errorf("icon while calling: %s", IconFor(s))
	}

	h := r.remote.handle(0)
	t0 := time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC)
	h.ch <- CallUpdate{Phase: call.Sent, At: t0}
	h.ch <- CallUpdate{Phase: call.Dialing, At: t0}
	h.ch <- CallUpdate{Phase: call.Active, At: t0.Add(time.Second)}
	r.waitState(t, func(s State) bool { return s.Call.Phase == call.Active })
	r.core.Sync()
	last := r.notifier.last()
	if last.Title != "call.active{Who=+49 30 1234567}" || len(last.Actions) != 1 || last.Actions[0].Key != KeyHangup {
		t.Fatalf("active notice %+v", last)
	}
	// Call feedback updates one notification in place.
	if last.Replaces == 0 {
		t.Error("call notices do not replace each other")
	}
	r.core.NoticeEvent(last.Replaces, KeyHangup)
	testsupport.WaitFor(t, "hang up", func() bool { h.mu.Lock(); defer h.mu.Unlock(); return h.hangups == 1 })

	h.ch <- CallUpdate{Phase: call.Ended, At: t0.Add(62 * time.Second)}
	close(h.ch)
	s = r.waitState(t, func(s State) bool { return s.Call.Phase == call.Ended && len(s.Recent) == 1 })
	if IconFor(s) != IconIdle {
		t.Errorf("icon after the call: %s", IconFor(s))
	}
	if got := r.notifier.last().Title; got != "call.ended{Duration=1:01 Who=+49 30 1234567}" {
		t.Errorf("ended notice %q", got)
	}
	rec := r.hist.record(0)
	if rec.Phase != call.Ended || rec.Number != "+49301234567" || rec.Phone != pixel.ID {
		t.Errorf("history %+v", rec)
	}
	// Found again under Recent.
	m := render(BuildMenu(s), "")
	found := false
	for _, l := range m {
		if l == "  menu.recent_number{Number=+49 30 1234567} ->call:+49301234567" {
			found = true
		}
	}
	if !found {
		t.Errorf("recent menu lacks the call: %q", m)
	}
}

func TestCoreFallbackPromptWindow(t *testing.T) {
	r := newRig(t, pixel)
	r.notifier.noBtns = true
	r.core.Clipboard(ClipChange{Text: signature})
	req := nextRequest(t, r.core)
	if req.Kind != ReqPrompt || req.Offer == nil || req.Offer.Number != "+49301234567" ||
		req.Title != "prompt.title{Number=+49 30 1234567 Phone=Pixel}" {
		t.Fatalf("request %+v", req)
	}
	r.core.Do(Action{Kind: ActCall, Number: req.Offer.Number})
	testsupport.WaitFor(t, "dial", func() bool { return len(r.remote.dialed()) == 1 })
}

func TestCoreOfflineAndRefused(t *testing.T) {
	for _, tt := range []struct {
		err   error
		title string
		phase call.State
	}{
		{fmt.Errorf("call: %w", ErrOffline), "call.offline{Phone=Pixel}", call.Offline},
		{&RefusedError{Reason: "premium-rate number"}, "call.refused{Phone=Pixel}", call.Refused},
		{errors.New("boom"), "call.failed{Who=+49 30 1234567}", call.Failed},
	} {
		r := newRig(t, pixel)
		r.remote.err = tt.err
		r.core.Do(Action{Kind: ActCall, Number: "+49301234567"})
		s := r.waitState(t, func(s State) bool { return s.Call != nil && s.Call.Phase == tt.phase })
		if IconFor(s) == IconCalling {
			t.Errorf("%s: still calling", tt.phase)
		}
		r.core.Sync()
		if got := r.notifier.last().Title; got != tt.title {
			t.Errorf("%s: notice %q, want %q", tt.phase, got, tt.title)
		}
	}
}

func TestCorePrefillPhone(t *testing.T) {
	r := newRig(t, nokia)
	r.core.Do(Action{Kind: ActCall, Number: "+49301234567"})
	testsupport.WaitFor(t, "dial", func() bool { return len(r.remote.dialed()) == 1 })
	if d := r.remote.dialed()[0]; d.Mode != call.ModePrefill || d.Phone != nokia.ID {
		t.Errorf("dialed %+v, want prefill on P2", d)
	}
}

func TestCoreNoPhone(t *testing.T) {
	r := newRig(t)
	r.core.Clipboard(ClipChange{Text: signature})
	r.waitState(t, func(s State) bool { return s.Clip != nil })
	r.core.Sync()
	if got := r.notifier.titles(); len(got) != 1 || got[0] != "notice.no_phone" {
		t.Errorf("notices %q", got)
	}
}

func TestCorePausedAndSensitive(t *testing.T) {
	r := newRig(t, pixel)
	r.core.Clipboard(ClipChange{Text: "pw +49 30 1234567", Sensitive: true})
	r.core.Do(Action{Kind: ActTogglePause})
	r.waitState(t, func(s State) bool { return s.Paused })
	r.core.Clipboard(ClipChange{Text: signature})
	r.core.Sync()
	if got := r.notifier.titles(); len(got) != 0 {
		t.Errorf("notices while paused or for a password: %q", got)
	}
}

func TestCoreCallAtOnce(t *testing.T) {
	r := newRig(t, pixel)
	if err := r.settings.Modify(func(s *config.Settings) { s.CallAtOnce = map[string]bool{pixel.ID.String(): true} }); err != nil {
		t.Fatal(err)
	}
	r.core.Clipboard(ClipChange{Text: signature})
	testsupport.WaitFor(t, "dial", func() bool { return len(r.remote.dialed()) == 1 })
}

func TestCoreSelectPhoneSaves(t *testing.T) {
	r := newRig(t, pixel, nokia)
	r.core.Do(Action{Kind: ActSelectPhone, Phone: nokia.ID})
	r.waitState(t, func(s State) bool { p, _ := s.Selected(); return p.ID == nokia.ID })
	if got := r.settings.Get().DefaultPhone; got != nokia.ID.String() {
		t.Errorf("default phone saved as %q", got)
	}
}

func TestCoreHotkey(t *testing.T) {
	r := newRig(t, pixel)
	// Nothing selected: the dial box opens.
	r.core.Hotkey()
	if req := nextRequest(t, r.core); req.Kind != ReqDialBox || req.Text != "" {
		t.Fatalf("request %+v", req)
	}
	// The selection wins over the clipboard.
	r.clip.sels[Clipboard] = "+49 89 7654321"
	r.clip.sels[Primary] = "call me: +49 30 1234567"
	r.core.Hotkey()
	testsupport.WaitFor(t, "dial", func() bool { return len(r.remote.dialed()) == 1 })
	if got := r.remote.dialed()[0].Target; got != "+49301234567" {
		t.Errorf("dialed %s", got)
	}
	// Several numbers: the dial box picks.
	r.clip.sels[Primary] = "+49 30 1234567;+49 89 7654321"
	r.core.Hotkey()
	if req := nextRequest(t, r.core); req.Kind != ReqDialBox || req.Text != r.clip.sels[Primary] {
		t.Fatalf("request %+v", req)
	}
}

// A number copied a while ago is never called by the hotkey alone: with
// nothing highlighted the dial box opens with it and waits for Enter.
func TestCoreHotkeyOldCopyWaitsForEnter(t *testing.T) {
	r := newRig(t, pixel)
	r.clip.sels[Clipboard] = "Tel. +49 89 7654321"
	r.clip.sels[Primary] = "some highlighted words"
	r.core.Hotkey()
	req := nextRequest(t, r.core)
	if req.Kind != ReqDialBox || req.Text != "+49897654321" {
		t.Fatalf("request %+v, want the dial box prefilled with the copied number", req)
	}
	r.core.Sync()
	if d := r.remote.dialed(); len(d) != 0 {
		t.Fatalf("the hotkey called an old copy: %+v", d)
	}
	// Enter in the dial box calls it.
	r.core.Do(Action{Kind: ActDialText, Text: req.Text})
	testsupport.WaitFor(t, "dial", func() bool { return len(r.remote.dialed()) == 1 })
	if got := r.remote.dialed()[0].Target; got != "+49897654321" {
		t.Errorf("dialed %s", got)
	}
	// A clipboard with several numbers opens the dial box with all of them.
	r.clip.sels[Clipboard] = "+49 30 1234567;+49 89 7654321"
	r.clip.sels[Primary] = ""
	r.core.Hotkey()
	if req := nextRequest(t, r.core); req.Kind != ReqDialBox || req.Text != r.clip.sels[Clipboard] {
		t.Fatalf("request %+v", req)
	}
}

func TestCoreOwnWriteDoesNotPrompt(t *testing.T) {
	r := newRig(t, pixel)
	r.core.CopyNumber("+49301234567")
	testsupport.WaitFor(t, "clipboard write", func() bool {
		v, _ := r.clip.Read(context.Background(), Clipboard)
		return v == "+49301234567"
	})
	r.core.Clipboard(ClipChange{Text: "+49301234567"})
	r.core.Sync()
	if got := r.notifier.titles(); len(got) != 0 {
		t.Errorf("prompted for our own write: %q", got)
	}
}

func TestCoreSearch(t *testing.T) {
	r := newRig(t, pixel)
	r.hist.contacts = []Contact{{Name: "Anna Muster", Number: "+49301234567"}, {Name: "Bob", Number: "+4989765432"}}
	r.hist.calls = []CallRecord{{Number: "+4940111222", Name: "Carla"}}
	tests := []struct {
		q    string
		want string
	}{
		{"", "Carla +4940111222 recent"},
		{"ann", "Anna Muster +49301234567 contact"},
		{"tel:+49-30-1234567", "Anna Muster +49301234567 typed"},
		{"4011", "Carla +4940111222 recent"},
		{"+49 171 5551234", " +491715551234 typed"},
		{"nobody", ""},
	}
	for _, tt := range tests {
		got, err := r.core.Search(context.Background(), tt.q, 10)
		if err != nil {
			t.Fatal(err)
		}
		s := ""
		for i, c := range got {
			if i > 0 {
				s += "; "
			}
			s += c.Name + " " + c.Number + " " + c.Source
		}
		if s != tt.want {
			t.Errorf("Search(%q) = %q, want %q", tt.q, s, tt.want)
		}
	}
}

// A tel: link clicked in another program prompts like a copy — even with
// "call at once" on and the clipboard watcher paused — and dials only
// when the user presses Call.
func TestCoreLinkPrompts(t *testing.T) {
	r := newRig(t, pixel)
	if err := r.settings.Modify(func(s *config.Settings) { s.CallAtOnce = map[string]bool{pixel.ID.String(): true} }); err != nil {
		t.Fatal(err)
	}
	r.core.Do(Action{Kind: ActTogglePause})
	r.waitState(t, func(s State) bool { return s.Paused })
	r.core.Do(Action{Kind: ActOfferLink, Text: "tel:+49-30-1234567"})
	r.core.Sync()
	if n := r.notifier.last(); n.Title != "prompt.title{Number=+49 30 1234567 Phone=Pixel}" || len(n.Actions) != 2 {
		t.Fatalf("link prompt %+v", n)
	}
	if len(r.remote.dialed()) != 0 {
		t.Fatal("a clicked link dialled without asking")
	}
	r.core.NoticeEvent(1, KeyCall)
	testsupport.WaitFor(t, "the dial request", func() bool { return len(r.remote.dialed()) == 1 })
	if d := r.remote.dialed()[0]; d.Target != "+49301234567" {
		t.Fatalf("dialed %+v", d)
	}

	// A link without a number says so and asks nothing.
	r.core.Do(Action{Kind: ActOfferLink, Text: "tel:not-a-number"})
	r.core.Sync()
	if got := r.notifier.last().Title; got != "notice.no_number" {
		t.Errorf("notice for a link without a number: %q", got)
	}
}

// A premium-rate copy is offered as "Pixel will open its dialer with the
// number"; answering Call must do just that, not send a call the phone
// refuses. The same holds for a premium number picked anywhere else.
func TestCoreUnsafeNumberOpensDialer(t *testing.T) {
	r := newRig(t, pixel)
	r.core.Clipboard(ClipChange{Text: "Hotline: +49 900 1234567"})
	r.waitState(t, func(s State) bool { return s.Clip != nil })
	r.core.Sync()
	n := r.notifier.last()
	if n.Body != "prompt.body_dialer{Phone=Pixel}" {
		t.Fatalf("prompt for a premium number %+v", n)
	}
	r.core.NoticeEvent(1, KeyCall)
	testsupport.WaitFor(t, "the dial request", func() bool { return len(r.remote.dialed()) == 1 })
	if d := r.remote.dialed()[0]; d != (dialed{pixel.ID, "+499001234567", call.ModePrefill}) {
		t.Fatalf("dialed %+v, want the dialer opened with the number", d)
	}
	r.core.Do(Action{Kind: ActCall, Number: "+499001234567"})
	testsupport.WaitFor(t, "the second dial request", func() bool { return len(r.remote.dialed()) == 2 })
	if d := r.remote.dialed()[1]; d.Mode != call.ModePrefill {
		t.Errorf("a premium number from the menu dialled with %s", d.Mode)
	}
}

// A call started while another is still going replaces it on screen; the
// first call's outcome still reaches the history.
func TestCoreSecondCallKeepsTheFirstsOutcome(t *testing.T) {
	r := newRig(t, pixel)
	r.core.Do(Action{Kind: ActCall, Number: "+49301234567"})
	testsupport.WaitFor(t, "the first call", func() bool { return len(r.remote.dialed()) == 1 })
	first := r.remote.handle(0)
	t0 := time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC)
	first.ch <- CallUpdate{Phase: call.Active, At: t0}
	r.waitState(t, func(s State) bool { return s.Call != nil && s.Call.Phase == call.Active })

	r.core.Do(Action{Kind: ActCall, Number: "+49897654321"})
	testsupport.WaitFor(t, "the second call", func() bool { return len(r.remote.dialed()) == 2 })
	r.waitState(t, func(s State) bool { return s.Call != nil && s.Call.Number == "+49897654321" })

	first.ch <- CallUpdate{Phase: call.Ended, At: t0.Add(90 * time.Second)}
	close(first.ch)
	testsupport.WaitFor(t, "the first call's outcome in the history", func() bool {
		rec := r.hist.record(0)
		return rec.Phase == call.Ended && rec.Talk == 90*time.Second
	})
	r.waitState(t, func(s State) bool {
		return s.Call != nil && s.Call.Number == "+49897654321" && s.Call.Live()
	})
}

// A tel: link that starts the tray arrives before the phones' presence is
// known: it waits for it and then prompts, instead of saying no phone is
// paired.
func TestCoreLinkWaitsForPresence(t *testing.T) {
	hold := make(chan struct{})
	r := startRig(t, hold, []Phone{pixel})
	r.core.Do(Action{Kind: ActOfferLink, Text: "tel:+49-30-1234567"})
	r.core.Sync()
	if got := r.notifier.titles(); len(got) != 0 {
		t.Fatalf("notices before presence was known: %q", got)
	}
	close(hold)
	testsupport.WaitFor(t, "the prompt", func() bool { return len(r.notifier.titles()) == 1 })
	if got := r.notifier.last().Title; got != "prompt.title{Number=+49 30 1234567 Phone=Pixel}" {
		t.Fatalf("notice %q, want the prompt for Pixel", got)
	}
}

// The wait is bounded: presence that never comes ends in "no phone".
func TestCoreLinkPresenceWaitIsBounded(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	r := startRig(t, hold, []Phone{pixel}, WithPresenceWait(time.Millisecond))
	r.core.Do(Action{Kind: ActOfferLink, Text: "tel:+49-30-1234567"})
	testsupport.WaitFor(t, "a notice", func() bool { return len(r.notifier.titles()) == 1 })
	if got := r.notifier.last().Title; got != "notice.no_phone" {
		t.Fatalf("notice %q", got)
	}
}

// With the chosen phone offline, the prompt offers the phone that is
// online, and its button calls there.
func TestCoreOfflinePromptOffersOnlinePhone(t *testing.T) {
	r := newRig(t, pixel, nokia)
	r.core.Do(Action{Kind: ActSelectPhone, Phone: nokia.ID})
	r.waitState(t, func(s State) bool { return s.Default == nokia.ID })
	r.core.Clipboard(ClipChange{Text: signature})
	r.core.Sync()
	n := r.notifier.last()
	if n.Title != "prompt.title_offline{Number=+49 30 1234567 Phone=Nokia}" || len(n.Actions) != 2 || n.Actions[0].Key != KeyCallOn+pixel.ID.String() {
		t.Fatalf("prompt %+v", n)
	}
	r.core.NoticeEvent(1, KeyCallOn+pixel.ID.String())
	testsupport.WaitFor(t, "the dial request", func() bool { return len(r.remote.dialed()) == 1 })
	if d := r.remote.dialed()[0]; d.Phone != pixel.ID || d.Target != "+49301234567" {
		t.Fatalf("dialed %+v, want the number on Pixel", d)
	}
}

// Without a tray host the user is told once what to install, and the main
// window offers the menu instead; starting deskdial again opens it too.
func TestCoreNoTrayHost(t *testing.T) {
	r := newRig(t, pixel)
	r.core.NoTrayHost("install the AppIndicator extension")
	if req := nextRequest(t, r.core); req.Kind != ReqMain {
		t.Fatalf("request %+v, want the main window", req)
	}
	r.core.Sync()
	if got := r.notifier.titles(); len(got) != 1 || got[0] != "notice.no_tray" {
		t.Fatalf("notices %q", got)
	}
	if b := r.notifier.last().Body; b != "notice.no_tray_body{Advice=install the AppIndicator extension}" {
		t.Errorf("body %q", b)
	}
	r.core.Do(Action{Kind: ActOpenMain})
	if req := nextRequest(t, r.core); req.Kind != ReqMain {
		t.Fatalf("request %+v, want the main window", req)
	}
}
