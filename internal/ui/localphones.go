package ui

import (
	"context"
	"sort"
	"strings"
	"time"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// LocalPhone is a phone this computer reaches itself, as the system
// reports it (Bluetooth hands-free, KDE Connect / GSConnect).
type LocalPhone struct {
	Bluetooth bool   // over Bluetooth; else in KDE Connect
	Backend   string // what reaches it: "hfp:Pixel 7", "kdeconnect:Pixel 7"
	Name      string // as the system names it
	Via       string // the service, for users
	Places    bool   // it places calls (else it opens the phone's dialer)
	Ready     bool
	Why       string // why not Ready
}

// LocalScan is what a look for local phones found; NoBluetooth and
// NoKDEConnect say why a kind found none and what to do.
type LocalScan struct {
	Phones                    []LocalPhone
	NoBluetooth, NoKDEConnect string
}

// localSection is Settings → Phones on this computer: the phones the
// system reports, each with a check that makes it a phone of this desktop.
type localSection struct {
	box    *fyne.Container
	rescan *widget.Button
	scan   func(context.Context) LocalScan
	found  LocalScan
	chosen map[string]string // as stored; kept for phones not found now
	checks map[string]*widget.Check
	names  map[string]string // backend -> name it is saved under
	gen    int               // the scan whose answer is wanted
}

func newLocalSection(scan func(context.Context) LocalScan) *localSection {
	l := &localSection{box: container.NewVBox(), scan: scan, checks: map[string]*widget.Check{}}
	l.rescan = widget.NewButton(tr("settings.local_rescan"), l.look)
	return l
}

// load shows the stored choice and, if look, looks for phones again.
func (l *localSection) load(chosen map[string]string, look bool) {
	l.chosen = chosen
	l.found = LocalScan{}
	l.checks = map[string]*widget.Check{} // ticks not saved are dropped
	l.draw(look)
	if look {
		l.look()
	}
}

// look asks the system for its phones in the background; the answer is
// drawn on the UI goroutine, unless a newer look was started meanwhile.
func (l *localSection) look() {
	if l.scan == nil {
		return
	}
	l.gen++
	gen := l.gen
	l.rescan.Disable()
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		found := l.scan(ctx)
		fyne.Do(func() {
			if gen != l.gen {
				return
			}
			l.found = found
			l.rescan.Enable()
			l.draw(false)
		})
	}()
}

// draw lists the phones found and the ones chosen but not found now.
// Ticks the user changed are kept across a redraw.
func (l *localSection) draw(scanning bool) {
	ticked := map[string]bool{}
	for b, c := range l.checks {
		ticked[b] = c.Checked
	}
	for b := range l.chosen {
		if _, seen := ticked[b]; !seen {
			ticked[b] = true
		}
	}
	l.box.RemoveAll()
	l.checks = map[string]*widget.Check{}
	l.names = map[string]string{}
	hint := widget.NewLabel(tr("settings.local_hint"))
	hint.Wrapping = fyne.TextWrapWord
	l.box.Add(hint)
	for _, bt := range []bool{true, false} {
		head, none := tr("settings.local_kdeconnect"), l.found.NoKDEConnect
		if bt {
			head, none = tr("settings.local_bluetooth"), l.found.NoBluetooth
		}
		l.box.Add(widget.NewLabelWithStyle(head, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		n := 0
		for _, p := range l.found.Phones {
			if p.Bluetooth != bt {
				continue
			}
			n++
			name := l.chosen[p.Backend]
			if name == "" {
				name = phoneName(p.Name)
			}
			does := trd("settings.local_dialer", "Via", p.Via)
			if p.Places {
				does = trd("settings.local_calls", "Via", p.Via)
			}
			if !p.Ready && p.Why != "" {
				does += "\n" + trd("settings.local_not_ready", "Why", p.Why)
			}
			l.add(p.Backend, name, does, ticked[p.Backend])
		}
		// Chosen phones the system does not report now (switched off,
		// out of range) stay listed, so they can be removed.
		var gone []string
		for b := range l.chosen {
			if strings.HasPrefix(b, "hfp") == bt && !l.listed(b) {
				gone = append(gone, b)
			}
		}
		sort.Strings(gone)
		for _, b := range gone {
			n++
			l.add(b, l.chosen[b], tr("settings.local_gone"), ticked[b])
		}
		switch {
		case scanning:
			l.box.Add(widget.NewLabel(tr("settings.local_scanning")))
		case n == 0 && none != "":
			msg := widget.NewLabel(none)
			msg.Wrapping = fyne.TextWrapWord
			l.box.Add(msg)
		}
	}
	l.box.Add(l.rescan)
}

func (l *localSection) listed(backend string) bool {
	_, ok := l.names[backend]
	return ok
}

func (l *localSection) add(backend, name, does string, on bool) {
	c := widget.NewCheck(name, nil)
	c.SetChecked(on)
	l.checks[backend] = c
	l.names[backend] = name
	info := widget.NewLabel(does)
	info.Wrapping = fyne.TextWrapWord
	info.Importance = widget.LowImportance
	l.box.Add(container.NewVBox(c, info))
}

// choice is the local phones ticked: backend -> the name to show.
func (l *localSection) choice() map[string]string {
	out := map[string]string{}
	for b, c := range l.checks {
		if c.Checked {
			out[b] = l.names[b]
		}
	}
	// Phones chosen before and not drawn (no look yet) keep their place.
	for b, n := range l.chosen {
		if _, drawn := l.checks[b]; !drawn {
			out[b] = n
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// phoneName is the system's name of a phone made fit to be a device name:
// printable, no spaces around, at most 64 characters.
func phoneName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		if unicode.IsSpace(r) {
			return ' '
		}
		return -1
	}, s)
	if r := []rune(strings.TrimSpace(s)); len(r) > 64 {
		s = string(r[:64])
	}
	if s = strings.TrimSpace(s); s == "" {
		s = "Phone"
	}
	return s
}
