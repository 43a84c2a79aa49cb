package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// texts are the labels and check boxes drawn in o, in order.
func texts(o fyne.CanvasObject) []string {
	var out []string
	switch w := o.(type) {
	case *widget.Label:
		out = append(out, w.Text)
	case *widget.Button:
		out = append(out, w.Text)
	case *widget.Check:
		out = append(out, "["+map[bool]string{true: "x", false: " "}[w.Checked]+"] "+w.Text)
	case *fyne.Container:
		for _, c := range w.Objects {
			out = append(out, texts(c)...)
		}
	}
	return out
}

// Settings → Phones on this computer lists what the system reports under
// its kind; ticking one and saving makes it a chosen local phone; a chosen
// phone the system does not report now stays listed so it can be removed.
func TestSettingsLocalPhones(t *testing.T) {
	a := test.NewTempApp(t)
	SetLanguage("en")
	st, err := config.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Modify(func(s *config.Settings) { s.LocalPhones = map[string]string{"hfp:Old phone": "Old phone"} }); err != nil {
		t.Fatal(err)
	}
	var scans atomic.Int32
	var saved []config.Settings
	w := NewSettingsWindow(a, SettingsDeps{Store: st,
		Saved: func(s config.Settings) { saved = append(saved, s) },
		ScanLocal: func(context.Context) LocalScan {
			scans.Add(1)
			return LocalScan{Phones: []LocalPhone{
				{Bluetooth: true, Backend: "hfp:Pixel 7", Name: "Pixel 7\x00 ", Via: "PipeWire telephony", Places: true, Ready: true},
			}, NoKDEConnect: "kdeconnect: neither KDE Connect nor GSConnect runs"}
		}})
	w.Load(nil) // as the tray does when it shows the window
	wants := []string{
		"Phones connected over Bluetooth\n[ ] Pixel 7\nPipeWire telephony — will call\n[x] Old phone\nNot connected now; untick to remove it",
		"Phones in KDE Connect\nkdeconnect: neither KDE Connect nor GSConnect runs\nLook again",
	}
	var got string
	shows := func() bool {
		got = strings.Join(texts(w.local.box), "\n")
		return strings.Contains(got, wants[0]) && strings.Contains(got, wants[1])
	}
	deadline := time.Now().Add(testsupport.Deadline)
	for !shows() {
		if time.Now().After(deadline) {
			t.Fatalf("the section shows:\n%s\nwant:\n%s", got, strings.Join(wants, "\n…\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}

	w.local.checks["hfp:Pixel 7"].SetChecked(true)
	w.local.checks["hfp:Old phone"].SetChecked(false)
	w.Save.OnTapped()
	if g := st.Get().LocalPhones; len(g) != 1 || g["hfp:Pixel 7"] != "Pixel 7" {
		t.Fatalf("saved local phones %v, want Pixel 7 alone", g)
	}
	if len(saved) != 1 || saved[0].LocalPhones["hfp:Pixel 7"] != "Pixel 7" {
		t.Fatalf("the tray was told %+v", saved)
	}

	// Opened again: the choice is ticked, and the system is asked again.
	before := scans.Load()
	w.Load(nil)
	testsupport.WaitFor(t, "a new look", func() bool {
		return scans.Load() > before && strings.Contains(strings.Join(texts(w.local.box), "\n"), "[x] Pixel 7\nPipeWire telephony")
	})
}
