package ui

import (
	"context"
	"errors"
	"log"
	"os"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/testsupport"
)

func TestMain(m *testing.M) {
	os.Setenv("LANG", "en_US.UTF-8")
	os.Unsetenv("LC_ALL")
	os.Unsetenv("LC_MESSAGES")
	os.Exit(m.Run())
}

type fakeCtl struct {
	mu       sync.Mutex
	actions  []desktop.Action
	contacts []desktop.Choice
}

func (f *fakeCtl) Do(a desktop.Action) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.actions = append(f.actions, a)
}

func (f *fakeCtl) Search(ctx context.Context, q string, limit int) ([]desktop.Choice, error) {
	var out []desktop.Choice
	if strings.HasPrefix(q, "tel:") || strings.HasPrefix(q, "+") {
		out = append(out, desktop.Choice{Number: "+" + digitsOf(q), Source: "typed"})
	}
	for _, c := range f.contacts {
		if desktop.Matches(c.Name, c.Number, q) {
			out = append(out, c)
		}
	}
	return out, nil
}

func digitsOf(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func (f *fakeCtl) last() desktop.Action {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.actions) == 0 {
		return desktop.Action{}
	}
	return f.actions[len(f.actions)-1]
}

var (
	pixel = desktop.Phone{ID: device.ID{1}, Name: "Pixel", Online: true, PlacesCalls: true, CanHangup: true}
	nokia = desktop.Phone{ID: device.ID{2}, Name: "Nokia"}
	state = desktop.State{
		Connected: true, Phones: []desktop.Phone{pixel, nokia},
		Clip:   &desktop.Offer{Number: "+49301234567"},
		Recent: []desktop.RecentCall{{Name: "Anna Muster", Number: "+49301234567"}, {Number: "+4989765432"}},
	}
)

func labels(m *fyne.Menu) []string {
	var out []string
	for _, it := range m.Items {
		if it.IsSeparator {
			out = append(out, "---")
			continue
		}
		out = append(out, it.Label)
		if it.ChildMenu != nil {
			for _, c := range it.ChildMenu.Items {
				out = append(out, "  "+c.Label)
			}
		}
	}
	return out
}

func TestTrayMenuFromState(t *testing.T) {
	test.NewTempApp(t)
	for _, tt := range []struct {
		lang string
		want string
	}{
		{"en", `Connected · 1 of 2 phones online
Call +49 30 1234567 on Pixel
---
Recent
  Anna Muster · +49 30 1234567
  +49 89 765432
Phones
  Pixel — online, calls
  Nokia — offline, opens dialer
Dial…
Pause watching clipboard
---
Pair a phone…
Settings…
---
Quit`},
		{"zh-Hans", `已连接 · 1/2 部手机在线
用 Pixel 拨打 +49 30 1234567
---
最近通话
  Anna Muster · +49 30 1234567
  +49 89 765432
手机
  Pixel — 在线，直接拨打
  Nokia — 离线，打开拨号盘
拨号…
暂停监视剪贴板
---
配对手机…
设置…
---
退出`},
	} {
		if err := SetLanguage(tt.lang); err != nil {
			t.Fatal(err)
		}
		ctl := &fakeCtl{}
		m := TrayMenu(desktop.BuildMenu(state), ctl.Do)
		if got := strings.Join(labels(m), "\n"); got != tt.want {
			t.Errorf("%s menu:\n%s\nwant:\n%s", tt.lang, got, tt.want)
		}
		// Clicking a recent contact calls it; the quit item is ours.
		m.Items[3].ChildMenu.Items[0].Action()
		if a := ctl.last(); a.Kind != desktop.ActCall || a.Number != "+49301234567" {
			t.Errorf("recent click: %+v", a)
		}
		if !m.Items[len(m.Items)-1].IsQuit {
			t.Error("last item is not marked as Quit")
		}
		if !m.Items[4].ChildMenu.Items[0].Checked {
			t.Error("selected phone not checked")
		}
	}
	if err := SetLanguage("en"); err != nil {
		t.Fatal(err)
	}
}

func TestUIAppliesState(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	ctl := &fakeCtl{}
	u := New(a, ctl, nil, SettingsDeps{}, nil)
	u.Apply(state)
	if got := u.Menu().Items[0].Label; got != "Connected · 1 of 2 phones online" {
		t.Errorf("status line %q", got)
	}
	if u.icon != desktop.IconIdle {
		t.Errorf("icon %s", u.icon)
	}
}

func TestDialBox(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	ctl := &fakeCtl{contacts: []desktop.Choice{
		{Name: "Anna Muster", Number: "+49301234567", Source: "contact"},
		{Name: "Bob", Number: "+4989765432", Source: "recent"},
		{Name: "Front Desk", Number: "+14186569254", Ext: "102", Source: "contact"},
	}}
	d := NewDialBox(a, ctl)
	d.SetPhones(state)
	if d.Phone.Selected != "Pixel" {
		t.Errorf("phone selector on %q", d.Phone.Selected)
	}
	d.Open("")
	test.Type(d.Entry, "bo")
	testsupport.WaitFor(t, "search results", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.forQuery == "bo" && len(d.choices) == 1
	})
	d.Phone.SetSelected("Nokia")
	d.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if a := ctl.last(); a.Kind != desktop.ActCall || a.Number != "+4989765432" || a.Name != "Bob" || a.Phone != nokia.ID {
		t.Errorf("Enter called %+v", a)
	}

	// A contact's extension is shown with its number; Enter calls the
	// number alone.
	d.Open("")
	test.Type(d.Entry, "front")
	testsupport.WaitFor(t, "search results", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.forQuery == "front" && len(d.choices) == 1
	})
	d.mu.Lock()
	label := choiceLabel(d.choices[0])
	d.mu.Unlock()
	if label != "Front Desk — "+desktop.FormatNumber("+14186569254")+", ext. 102  · contact" {
		t.Errorf("dial box shows %q", label)
	}
	d.Entry.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if a := ctl.last(); a.Kind != desktop.ActCall || a.Number != "+14186569254" {
		t.Errorf("Enter called %+v", a)
	}
	if got := extLabel("1234;9"); got != ", then key in 1234, 9" {
		t.Errorf("digits after a pause shown as %q", got)
	}

	// A pasted tel: URI, with Enter before the search came back.
	d.Open("")
	d.Entry.SetText("tel:+49-30-1234567")
	d.submit()
	if a := ctl.last(); a.Kind != desktop.ActCall || a.Number != "+49301234567" {
		t.Errorf("pasted tel: called %+v", a)
	}

	// Nothing matches: the text goes to the core as typed.
	d.Open("")
	d.Entry.SetText("nobody")
	testsupport.WaitFor(t, "no match", func() bool { return d.Status.Text == "No match" })
	d.submit()
	if a := ctl.last(); a.Kind != desktop.ActDialText || a.Text != "nobody" {
		t.Errorf("no-match Enter: %+v", a)
	}
}

func TestSettingsValidation(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	dir := t.TempDir()
	st, err := config.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var saved []config.Settings
	w := NewSettingsWindow(a, SettingsDeps{
		Store: st,
		CheckHotkey: func(s string) error {
			if !strings.Contains(s, "+") {
				return errors.New("hotkey: needs a modifier, like Ctrl+Alt+D")
			}
			return nil
		},
		Saved: func(s config.Settings) { saved = append(saved, s) },
	})
	w.SetPhones([]desktop.Phone{pixel})

	w.Region.SetText("Germany")
	w.Save.OnTapped()
	if l := w.Errors["region"]; !l.Visible() || !strings.Contains(l.Text, "two-letter") {
		t.Errorf("region error %q visible=%v", l.Text, l.Visible())
	}
	if st.Get().Region != "" || len(saved) != 0 {
		t.Error("an invalid region was saved")
	}

	w.Region.SetText("de")
	w.Hotkey.SetText("D")
	w.Save.OnTapped()
	if l := w.Errors["hotkey"]; !l.Visible() || !strings.Contains(l.Text, "modifier") {
		t.Errorf("hotkey error %q", l.Text)
	}
	if w.Errors["region"].Visible() {
		t.Error("old region error still shown")
	}

	w.Hotkey.SetText("Ctrl+Alt+K")
	w.Server.SetSelected(w.Server.Options[1])
	w.URL.SetText("http://example.com")
	w.Save.OnTapped()
	if l := w.Errors["server"]; !l.Visible() || !strings.Contains(l.Text, "scheme") {
		t.Errorf("server error %q", l.Text)
	}

	w.URL.SetText("tls://nats.example.com:4222")
	w.PerPhone[pixel.ID.String()].SetSelected("Call at once")
	w.Watch.SetChecked(false)
	w.Language.SetSelectedIndex(2)
	w.Save.OnTapped()
	got := st.Get()
	if got.Region != "DE" || got.Hotkey != "Ctrl+Alt+K" || got.Server != "tls://nats.example.com:4222" ||
		!got.CallAtOnce[pixel.ID.String()] || got.WatchClipboard || got.Language != "zh-Hans" {
		t.Errorf("saved %+v", got)
	}
	// The running tray keeps its connection until it starts again: the
	// window says so instead of a plain "Saved".
	if !strings.Contains(w.Status.Text, "restart deskdial") || len(saved) != 1 {
		t.Errorf("status after changing the server %q, saved %d", w.Status.Text, len(saved))
	}
	w.Watch.SetChecked(true)
	w.Save.OnTapped()
	if w.Status.Text != "Saved" || len(saved) != 2 {
		t.Errorf("status %q, saved %d", w.Status.Text, len(saved))
	}
	// Saved atomically to disk: a fresh store reads the same.
	st2, err := config.Open(dir)
	if err != nil || st2.Get().Region != "DE" {
		t.Errorf("on disk: %v %+v", err, st2)
	}
}

// History retention is a setting like the others; clearing the history
// takes two clicks on the same button and says what happened.
func TestSettingsHistory(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	st, err := config.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cleared := 0
	fail := false
	w := NewSettingsWindow(a, SettingsDeps{Store: st, ClearHistory: func() error {
		if fail {
			return errors.New("disk full")
		}
		cleared++
		return nil
	}})
	if w.Keep.Text != "365" {
		t.Errorf("retention shows %q, want the default 365", w.Keep.Text)
	}
	for _, bad := range []string{"-1", "a year", "1.5"} {
		w.Keep.SetText(bad)
		w.Save.OnTapped()
		if l := w.Errors["retention_days"]; !l.Visible() || !strings.Contains(l.Text, "whole number") {
			t.Errorf("retention %q: error %q visible=%v", bad, l.Text, l.Visible())
		}
		if st.Get().RetentionDays != config.DefaultRetentionDays {
			t.Fatalf("retention %q was saved", bad)
		}
	}
	w.Keep.SetText("30")
	w.SyncCont.SetChecked(true)
	w.Save.OnTapped()
	if got := st.Get(); got.RetentionDays != 30 || !got.SyncContacts {
		t.Errorf("saved retention %d, contact sync %v", got.RetentionDays, got.SyncContacts)
	}
	if !strings.Contains(w.Status.Text, "restart deskdial") {
		t.Errorf("turning contact sync on (read at start) says %q", w.Status.Text)
	}

	test.Tap(w.Clear)
	if cleared != 0 || w.Clear.Text != "Click again to delete every recent call" {
		t.Fatalf("one click cleared %d times, button says %q", cleared, w.Clear.Text)
	}
	test.Tap(w.Clear)
	if cleared != 1 || w.ClearMsg.Text != "History cleared" || w.Clear.Text != "Clear history" {
		t.Errorf("second click: cleared %d, message %q, button %q", cleared, w.ClearMsg.Text, w.Clear.Text)
	}
	fail = true
	test.Tap(w.Clear)
	test.Tap(w.Clear)
	if !strings.Contains(w.ClearMsg.Text, "disk full") {
		t.Errorf("a failed clear says %q", w.ClearMsg.Text)
	}
}

type fakePairing struct {
	mu      sync.Mutex
	offers  int
	renamed map[string]string
	removed []string
}

func (p *fakePairing) NewOffer(ctx context.Context) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.offers++
	return "deskdial://pair?v=1&k=ABCDEF&s=tls://192.0.2.1:4248", nil
}

func (p *fakePairing) Rename(ctx context.Context, id device.ID, name string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.renamed[id.String()] = name
	return nil
}

func (p *fakePairing) Remove(ctx context.Context, id device.ID) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.removed = append(p.removed, id.String())
	return nil
}

func TestPairingWindow(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	p := &fakePairing{renamed: map[string]string{}}
	refreshed := 0
	w := NewPairingWindow(a, p, func() { refreshed++ })
	w.SetPhones(nil)
	w.MakeOffer()
	// The offer and its QR code are filled in together, from another
	// goroutine: wait for both.
	testsupport.WaitFor(t, "offer", func() bool { return w.OfferText() != "" && w.QR.Resource != nil })
	if w.Offer.Text != w.OfferText() || w.QR.Resource == nil || len(w.QR.Resource.Content()) < 100 {
		t.Fatalf("offer %q, QR %v", w.Offer.Text, w.QR.Resource)
	}
	// The offer text cannot be edited by accident.
	test.Type(w.Offer, "x")
	if w.Offer.Text != w.OfferText() {
		t.Errorf("offer edited to %q", w.Offer.Text)
	}
	w.Copy.OnTapped()
	if got := a.Clipboard().Content(); got != w.OfferText() {
		t.Errorf("clipboard %q", got)
	}

	// Live list: a phone joins, comes online.
	w.SetPhones([]desktop.Phone{{ID: pixel.ID, Name: "Pixel"}})
	if got := w.Rows[pixel.ID].Label.Text; got != "Pixel — offline, opens dialer" {
		t.Errorf("row %q", got)
	}
	w.SetPhones([]desktop.Phone{pixel})
	if got := w.Rows[pixel.ID].Label.Text; got != "Pixel — online, calls" {
		t.Errorf("row %q", got)
	}

	w.Rename(pixel.ID, "  ")
	if w.Status.Text != "A name cannot be empty" {
		t.Errorf("empty name: %q", w.Status.Text)
	}
	w.Rename(pixel.ID, "Work phone")
	testsupport.WaitFor(t, "rename", func() bool { p.mu.Lock(); defer p.mu.Unlock(); return p.renamed[pixel.ID.String()] == "Work phone" })
	w.Remove(pixel.ID)
	testsupport.WaitFor(t, "remove", func() bool { p.mu.Lock(); defer p.mu.Unlock(); return len(p.removed) == 1 })
	testsupport.WaitFor(t, "refresh", func() bool { return refreshed == 2 })
}

func TestPromptWindow(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	ctl := &fakeCtl{}
	p := NewPromptWindow(a, ctl)
	p.Show(desktop.Request{Kind: desktop.ReqPrompt, Offer: &desktop.Offer{Number: "+49301234567"},
		Title: "Call +49 30 1234567 on Pixel?"})
	if !p.Call.Visible() || p.Title.Text != "Call +49 30 1234567 on Pixel?" {
		t.Fatal("prompt not shown")
	}
	test.Tap(p.Call)
	if a := ctl.last(); a.Kind != desktop.ActCall || a.Number != "+49301234567" {
		t.Errorf("Call tapped: %+v", a)
	}
	p.Show(desktop.Request{Kind: desktop.ReqPrompt, Offer: &desktop.Offer{Number: "+49301234567"}, Title: "x"})
	test.Tap(p.Dismiss)
	if a := ctl.last(); a.Kind != desktop.ActDismiss {
		t.Errorf("Dismiss tapped: %+v", a)
	}

	// The chosen phone is offline: no Call button, one per online phone.
	p.Show(desktop.Request{Kind: desktop.ReqPrompt, Offer: &desktop.Offer{Number: "+49301234567"},
		Title:   "Nokia is offline. Call +49 30 1234567 on another phone?",
		Actions: []desktop.NoticeAction{{Key: desktop.KeyCallOn + pixel.ID.String(), Label: "Call on Pixel"}, {Key: desktop.KeyDismiss, Label: "Dismiss"}}})
	if p.Call.Visible() || len(p.Others.Objects) != 1 {
		t.Fatalf("offline prompt: Call shown %v, %d other buttons", p.Call.Visible(), len(p.Others.Objects))
	}
	b := p.Others.Objects[0].(*widget.Button)
	if b.Text != "Call on Pixel" {
		t.Errorf("button %q", b.Text)
	}
	test.Tap(b)
	if a := ctl.last(); a.Kind != desktop.ActCall || a.Phone != pixel.ID || a.Number != "+49301234567" {
		t.Errorf("Call on Pixel tapped: %+v", a)
	}
	// None online: nothing to call.
	p.Show(desktop.Request{Kind: desktop.ReqPrompt, Offer: &desktop.Offer{Number: "+49301234567"}, Title: "No phone is online",
		Actions: []desktop.NoticeAction{{Key: desktop.KeyDismiss, Label: "Dismiss"}}})
	if p.Call.Visible() || len(p.Others.Objects) != 0 {
		t.Error("a prompt with no phone online offers a call")
	}
}

// The prompt window is reused: Space answers what the prompt asks (Call,
// or the first other phone, or Dismiss on a notice), never the button the
// last prompt was left on.
func TestPromptWindowSpaceAnswers(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	ctl := &fakeCtl{}
	p := NewPromptWindow(a, ctl)
	space := func() {
		f := p.Window.Canvas().Focused()
		if f == nil {
			t.Fatal("no button has the focus")
		}
		f.TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	}
	offer := &desktop.Offer{Number: "+49301234567"}
	p.Show(desktop.Request{Kind: desktop.ReqPrompt, Offer: offer, Title: "x"})
	p.Window.Canvas().Focus(p.Dismiss) // the user tabs to Dismiss and answers
	space()
	if a := ctl.last(); a.Kind != desktop.ActDismiss {
		t.Fatalf("Space on Dismiss: %+v", a)
	}
	p.Show(desktop.Request{Kind: desktop.ReqPrompt, Offer: offer, Title: "x"})
	space()
	if a := ctl.last(); a.Kind != desktop.ActCall || a.Number != "+49301234567" {
		t.Errorf("Space on the next prompt: %+v, want Call", a)
	}
	p.Show(desktop.Request{Kind: desktop.ReqPrompt, Offer: offer, Title: "Nokia is offline.",
		Actions: []desktop.NoticeAction{{Key: desktop.KeyCallOn + pixel.ID.String(), Label: "Call on Pixel"}, {Key: desktop.KeyDismiss, Label: "Dismiss"}}})
	space()
	if a := ctl.last(); a.Kind != desktop.ActCall || a.Phone != pixel.ID {
		t.Errorf("Space on the offline prompt: %+v, want Call on Pixel", a)
	}
	p.Show(desktop.Request{Kind: desktop.ReqNotice, Title: "Call ended"})
	space()
	if a := ctl.last(); a.Kind != desktop.ActDismiss {
		t.Errorf("Space on a notice: %+v, want Dismiss", a)
	}
}

// Where no tray shows the menu, the main window shows the same entries,
// follows the state, and its entries do what the tray's do.
func TestMainWindowShowsTheMenu(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	ctl := &fakeCtl{}
	u := New(a, ctl, nil, SettingsDeps{}, nil)
	u.Apply(state)
	u.Handle(desktop.Request{Kind: desktop.ReqMain})
	if u.main == nil || u.main.Source != u.Menu() || len(u.main.Menu.Items) != len(u.Menu().Items) {
		t.Fatal("the main window does not show the tray menu")
	}
	if got := u.main.Source.Items[0].Label; got != "Connected · 1 of 2 phones online" {
		t.Errorf("status line %q", got)
	}
	// An entry does what the tray's does.
	for _, it := range u.main.Source.Items {
		if it.Label == "Dial…" {
			it.Action()
		}
	}
	if a := ctl.last(); a.Kind != desktop.ActOpenDial {
		t.Errorf("Dial… in the main window: %+v", a)
	}
	// A new state rebuilds it.
	s := state
	s.Phones = nil
	u.Apply(s)
	if u.main.Source != u.Menu() || u.main.Source.Items[0].Label == "Connected · 1 of 2 phones online" {
		t.Errorf("the main window did not follow the state: %q", u.main.Source.Items[0].Label)
	}
	// Closing it hides it; asking again shows it.
	u.main.Window.Close()
	u.Handle(desktop.Request{Kind: desktop.ReqMain})
	if u.main.Source != u.Menu() {
		t.Error("the main window was not shown again")
	}
}

// A message with no key (a notice without a body) renders as nothing,
// without Fyne logging a translation failure on the tray's terminal.
func TestEmptyMessageIsQuiet(t *testing.T) {
	var logged strings.Builder
	log.SetOutput(&logged)
	defer log.SetOutput(os.Stderr)
	if got := (Localizer{}).T(desktop.Msg{}); got != "" {
		t.Errorf("empty message rendered as %q", got)
	}
	if got := tr(""); got != "" {
		t.Errorf("tr(\"\") = %q", got)
	}
	if logged.Len() != 0 {
		t.Errorf("logged: %s", logged.String())
	}
}
