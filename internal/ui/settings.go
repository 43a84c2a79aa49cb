package ui

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/desktop"
)

// SettingsDeps are what the settings window reads and changes.
type SettingsDeps struct {
	// Store holds the settings (a *config.Store, or in a window process
	// the tray's store reached over the pipe).
	Store desktop.Settings
	// TestConnection tries a hosted server ("" server: the embedded one).
	TestConnection func(ctx context.Context, server, creds string) error
	// CheckHotkey validates a key combination ("Ctrl+Alt+D").
	CheckHotkey func(string) error
	// SetAutostart turns start at login on or off.
	SetAutostart func(on bool) error
	// Saved is called with the new settings after a successful save.
	Saved func(config.Settings)
	// ClearHistory deletes every recorded call (nil: no Clear button).
	ClearHistory func() error
	// ScanLocal lists the phones this computer reaches itself, to choose
	// as phones of this desktop (nil: no such section).
	ScanLocal func(context.Context) LocalScan
}

// SettingsWindow edits the settings. Invalid values are refused with the
// message next to the field; nothing is saved until every field is valid.
type SettingsWindow struct {
	Window   fyne.Window
	Server   *widget.RadioGroup
	URL      *widget.Entry
	Creds    *widget.Entry
	Test     *widget.Button
	TestMsg  *widget.Label
	Region   *widget.Entry
	Hotkey   *widget.Entry
	Watch    *widget.Check
	Login    *widget.Check
	Language *widget.Select
	Keep     *widget.Entry  // call history retention in days (0 keeps for ever)
	SyncCont *widget.Check  // sync imported contacts too, not only recents
	Clear    *widget.Button // two clicks clear the call history
	ClearMsg *widget.Label
	PerPhone map[string]*widget.RadioGroup // phone ID -> ask / at once
	Save     *widget.Button
	Status   *widget.Label
	// Errors holds the message label under each field, by config field name.
	Errors map[string]*widget.Label

	deps   SettingsDeps
	phones *fyne.Container
	local  *localSection
	langs  []string // Language options' setting values, in order
	armed  bool     // Clear was clicked once; the next click clears
}

// NewSettingsWindow builds the window (not shown) from the stored settings.
func NewSettingsWindow(a fyne.App, deps SettingsDeps) *SettingsWindow {
	w := &SettingsWindow{Window: a.NewWindow(tr("settings.title")), deps: deps,
		Errors: map[string]*widget.Label{}, PerPhone: map[string]*widget.RadioGroup{}}
	errLabel := func(field string) *widget.Label {
		l := widget.NewLabel("")
		l.Importance = widget.DangerImportance
		l.Wrapping = fyne.TextWrapWord
		l.Hide()
		w.Errors[field] = l
		return l
	}
	embedded, hosted := tr("settings.server_embedded"), tr("settings.server_hosted")
	w.URL = widget.NewEntry()
	w.URL.SetPlaceHolder("tls://nats.example.com:4222")
	w.Creds = widget.NewEntry()
	w.Creds.SetPlaceHolder("~/.config/deskdial/user.creds")
	w.Server = widget.NewRadioGroup([]string{embedded, hosted}, func(s string) {
		if s == hosted {
			w.URL.Enable()
			w.Creds.Enable()
		} else {
			w.URL.Disable()
			w.Creds.Disable()
		}
	})
	w.Server.Horizontal = true
	w.TestMsg = widget.NewLabel("")
	w.TestMsg.Wrapping = fyne.TextWrapWord
	w.Test = widget.NewButton(tr("settings.test"), w.testConnection)
	w.Region = widget.NewEntry()
	w.Region.SetPlaceHolder(tr("settings.region_hint"))
	w.Hotkey = widget.NewEntry()
	w.Watch = widget.NewCheck(tr("settings.watch"), nil)
	w.Login = widget.NewCheck(tr("settings.login"), nil)
	w.langs = []string{"", "en", "zh-Hans"}
	w.Language = widget.NewSelect([]string{tr("settings.lang_system"), tr("lang.en"), tr("lang.zh-Hans")}, nil)
	w.phones = container.NewVBox()
	w.local = newLocalSection(deps.ScanLocal)
	w.Keep = widget.NewEntry()
	w.SyncCont = widget.NewCheck(tr("settings.sync_contacts"), nil)
	w.ClearMsg = widget.NewLabel("")
	// Clearing deletes what cannot be brought back, so it takes a second
	// click on the same button, which first says what it will do.
	w.Clear = widget.NewButton(tr("settings.clear"), w.clearHistory)
	if deps.ClearHistory == nil {
		w.Clear.Hide()
	}
	w.Status = widget.NewLabel("")
	w.Save = widget.NewButton(tr("settings.save"), func() { w.save() })
	w.Save.Importance = widget.HighImportance
	closeBtn := widget.NewButton(tr("settings.cancel"), w.Window.Close)

	form := widget.NewForm(
		widget.NewFormItem(tr("settings.server"), w.Server),
		widget.NewFormItem(tr("settings.server_url"), container.NewVBox(w.URL, errLabel("server"))),
		widget.NewFormItem(tr("settings.creds"), container.NewVBox(w.Creds, errLabel("creds"))),
		widget.NewFormItem("", container.NewVBox(w.Test, w.TestMsg)),
		widget.NewFormItem(tr("settings.region"), container.NewVBox(w.Region, errLabel("region"))),
		widget.NewFormItem(tr("settings.hotkey"), container.NewVBox(w.Hotkey, errLabel("hotkey"))),
		widget.NewFormItem("", w.Watch),
		widget.NewFormItem(tr("settings.phones"), w.phones),
	)
	if deps.ScanLocal != nil {
		form.Append(tr("settings.local"), container.NewVBox(w.local.box, errLabel("local_phones")))
	}
	for _, it := range []*widget.FormItem{
		widget.NewFormItem("", container.NewVBox(w.Login, errLabel("start_at_login"))),
		widget.NewFormItem(tr("settings.language"), container.NewVBox(w.Language, errLabel("language"))),
		widget.NewFormItem(tr("settings.history"), container.NewVBox(
			widget.NewLabel(tr("settings.retention")), w.Keep, errLabel("retention_days"), w.SyncCont, w.Clear, w.ClearMsg)),
	} {
		form.AppendItem(it)
	}
	w.Window.SetContent(container.NewBorder(nil,
		container.NewVBox(w.Status, container.NewHBox(closeBtn, w.Save)), nil, nil,
		container.NewVScroll(form)))
	w.Window.Resize(fyne.NewSize(520, 620))
	// Closing destroys the window (and its GL context): settings are
	// opened now and then, and a tray app should not keep them in memory.
	w.load(nil, false)
	return w
}

// Load fills the fields from the store and asks the system which phones
// it reaches; phones lists the paired phones for the per-phone choice.
func (w *SettingsWindow) Load(phones []desktop.Phone) { w.load(phones, true) }

// load is Load; look says whether to look for local phones (the window
// does when it is shown, not when it is made).
func (w *SettingsWindow) load(phones []desktop.Phone, look bool) {
	s := w.deps.Store.Get()
	if s.Server == "" {
		w.Server.SetSelected(w.Server.Options[0])
	} else {
		w.Server.SetSelected(w.Server.Options[1])
	}
	w.URL.SetText(s.Server)
	w.Creds.SetText(s.Creds)
	w.Region.SetText(s.Region)
	w.Hotkey.SetText(s.Hotkey)
	w.Watch.SetChecked(s.WatchClipboard)
	w.Login.SetChecked(s.StartAtLogin)
	w.Keep.SetText(strconv.Itoa(s.RetentionDays))
	w.SyncCont.SetChecked(s.SyncContacts)
	w.armed = false
	w.Clear.SetText(tr("settings.clear"))
	w.ClearMsg.SetText("")
	for i, l := range w.langs {
		if l == s.Language {
			w.Language.SetSelectedIndex(i)
		}
	}
	w.SetPhones(phones)
	if w.deps.ScanLocal != nil {
		w.local.load(s.LocalPhones, look)
	}
	for _, l := range w.Errors {
		l.SetText("")
		l.Hide()
	}
	w.Status.SetText("")
}

// SetPhones lists the per-phone "always ask" / "call at once" choice.
func (w *SettingsWindow) SetPhones(phones []desktop.Phone) {
	s := w.deps.Store.Get()
	ask, atOnce := tr("settings.always_ask"), tr("settings.call_at_once")
	w.phones.RemoveAll()
	w.PerPhone = map[string]*widget.RadioGroup{}
	for _, p := range phones {
		rg := widget.NewRadioGroup([]string{ask, atOnce}, nil)
		rg.Horizontal = true
		rg.Required = true
		if s.CallAtOnce[p.ID.String()] {
			rg.SetSelected(atOnce)
		} else {
			rg.SetSelected(ask)
		}
		w.PerPhone[p.ID.String()] = rg
		w.phones.Add(container.NewBorder(nil, nil, widget.NewLabel(p.Name), nil, rg))
	}
	if len(phones) == 0 {
		w.phones.Add(widget.NewLabel(tr("pair.none")))
	}
}

func (w *SettingsWindow) showError(field, msg string) {
	l, ok := w.Errors[field]
	if !ok {
		w.Status.SetText(msg)
		return
	}
	l.SetText(msg)
	l.Show()
}

// save validates and stores the fields. It returns the error shown.
func (w *SettingsWindow) save() error {
	for _, l := range w.Errors {
		l.SetText("")
		l.Hide()
	}
	w.Status.SetText("")
	hosted := w.Server.Selected == w.Server.Options[1]
	hk := strings.TrimSpace(w.Hotkey.Text)
	if w.deps.CheckHotkey != nil && hk != "" {
		if err := w.deps.CheckHotkey(hk); err != nil {
			w.showError("hotkey", err.Error())
			w.Status.SetText(tr("settings.not_saved"))
			return err
		}
	}
	keep, kerr := strconv.Atoi(strings.TrimSpace(w.Keep.Text))
	if kerr != nil || keep < 0 {
		w.showError("retention_days", tr("settings.retention_bad"))
		w.Status.SetText(tr("settings.not_saved"))
		return &config.FieldError{Field: "retention_days", Msg: tr("settings.retention_bad")}
	}
	before := w.deps.Store.Get()
	err := w.deps.Store.Modify(func(s *config.Settings) {
		s.RetentionDays = keep
		s.SyncContacts = w.SyncCont.Checked
		s.Server, s.Creds = "", ""
		if hosted {
			s.Server, s.Creds = strings.TrimSpace(w.URL.Text), strings.TrimSpace(w.Creds.Text)
			if s.Server == "" {
				// An empty URL with "hosted" chosen is a mistake, not a
				// quiet switch back to the embedded server.
				s.Server = " "
			}
		}
		s.Region = strings.ToUpper(strings.TrimSpace(w.Region.Text))
		s.Hotkey = hk
		s.WatchClipboard = w.Watch.Checked
		s.StartAtLogin = w.Login.Checked
		if i := w.Language.SelectedIndex(); i >= 0 {
			s.Language = w.langs[i]
		}
		at := map[string]bool{}
		for id, rg := range w.PerPhone {
			if rg.Selected == tr("settings.call_at_once") {
				at[id] = true
			}
		}
		for id, v := range s.CallAtOnce { // phones not listed keep their choice
			if _, listed := w.PerPhone[id]; !listed {
				at[id] = v
			}
		}
		s.CallAtOnce = at
		if w.deps.ScanLocal != nil {
			s.LocalPhones = w.local.choice()
		}
	})
	var fe *config.FieldError
	if errors.As(err, &fe) {
		w.showError(fe.Field, fe.Msg)
		w.Status.SetText(tr("settings.not_saved"))
		return err
	}
	if err != nil {
		w.Status.SetText(err.Error())
		return err
	}
	after := w.deps.Store.Get()
	w.local.chosen = after.LocalPhones
	if after.StartAtLogin != before.StartAtLogin && w.deps.SetAutostart != nil {
		if err := w.deps.SetAutostart(after.StartAtLogin); err != nil {
			w.showError("start_at_login", err.Error())
			return err
		}
	}
	// The server connection and what the history syncer sends are set up
	// when the tray starts; say so rather than let a plain "Saved" suggest
	// they changed already.
	if after.Server != before.Server || after.Creds != before.Creds || after.SyncContacts != before.SyncContacts {
		w.Status.SetText(tr("settings.saved_restart"))
	} else {
		w.Status.SetText(tr("settings.saved"))
	}
	if w.deps.Saved != nil {
		w.deps.Saved(after)
	}
	return nil
}

func (w *SettingsWindow) testConnection() {
	if w.deps.TestConnection == nil {
		return
	}
	server, creds := "", ""
	if w.Server.Selected == w.Server.Options[1] {
		server, creds = strings.TrimSpace(w.URL.Text), strings.TrimSpace(w.Creds.Text)
	}
	w.TestMsg.SetText(tr("settings.testing"))
	w.Test.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err := w.deps.TestConnection(ctx, server, creds)
		fyne.Do(func() {
			w.Test.Enable()
			if err != nil {
				w.TestMsg.SetText(trd("settings.test_fail", "Error", err.Error()))
				return
			}
			w.TestMsg.SetText(tr("settings.test_ok"))
		})
	}()
}

// clearHistory is the Clear button: the first click arms it, the second
// deletes every recorded call.
func (w *SettingsWindow) clearHistory() {
	if !w.armed {
		w.armed = true
		w.Clear.SetText(tr("settings.clear_confirm"))
		return
	}
	w.armed = false
	w.Clear.SetText(tr("settings.clear"))
	if err := w.deps.ClearHistory(); err != nil {
		w.ClearMsg.SetText(trd("settings.clear_failed", "Error", err.Error()))
		return
	}
	w.ClearMsg.SetText(tr("settings.cleared"))
}
