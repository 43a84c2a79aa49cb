package trayapp

import (
	"context"
	"time"

	"github.com/deskdial/deskdial/internal/clipwatch"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/desktop"
	"github.com/deskdial/deskdial/internal/instance"
	"github.com/deskdial/deskdial/internal/notify"
)

// events is what the forwarding parts tell the core (*desktop.Core).
type events interface {
	Do(desktop.Action)
	Clipboard(desktop.ClipChange)
	NoticeEvent(id uint32, key string)
}

// forwardLinks offers each tel: link clicked elsewhere while the tray runs
// (handed over by a second deskdial process) like a copied number.
func forwardLinks(links <-chan string, core events) func(context.Context) error {
	return func(ctx context.Context) error {
		for {
			select {
			case <-ctx.Done():
				return nil
			case m, ok := <-links:
				if !ok {
					return nil
				}
				if m == instance.ShowMessage {
					// `deskdial` started again: show the window.
					core.Do(desktop.Action{Kind: desktop.ActOpenMain})
					continue
				}
				core.Do(desktop.Action{Kind: desktop.ActOfferLink, Text: m})
			}
		}
	}
}

// forwardClips hands clipboard changes to the core; it ends when the
// watcher closes its events.
func forwardClips(changes <-chan clipwatch.Change, core events) func(context.Context) error {
	return func(ctx context.Context) error {
		for ch := range changes {
			core.Clipboard(desktop.ClipChange{Text: ch.Text, Selection: selFrom(ch.Selection), Sensitive: ch.Sensitive})
		}
		return nil
	}
}

// forwardNotices hands notification clicks to the core; a closed
// notification is an action with no key.
func forwardNotices(evs <-chan notify.Event, core events) func(context.Context) error {
	return func(ctx context.Context) error {
		for ev := range evs {
			key := ev.Action
			if ev.Closed {
				key = ""
			}
			core.NoticeEvent(ev.ID, key)
		}
		return nil
	}
}

// retention prunes the call history once at start and then daily: a tray
// runs for weeks.
func retention(store interface{ Get() config.Settings }, prune func(days int)) func(context.Context) error {
	return func(ctx context.Context) error {
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
	}
}

// presenceEvery is how often the tray asks which phones are online. Phones
// announce themselves when they come online or leave cleanly (and the
// tray asks at once then); one that vanishes without a word (its Wi-Fi
// gone) is found offline by this ask. Once a minute keeps the menu honest
// without keeping the CPU awake.
const presenceEvery = time.Minute

// presenceCalm is the least time between two asks caused by phones'
// announcements: a phone that flaps, or a paired phone sending a flood,
// costs at most one listing of the phones about this often.
const presenceCalm = time.Second

// presenceTimes are presence's intervals (tests make them long, to count
// asks and not time them).
type presenceTimes struct {
	every time.Duration // the regular ask
	soon  time.Duration // the first look after a start or pairing; doubled up to 8 times that
	calm  time.Duration // the least time between asks on announcements
}

var defaultPresenceTimes = presenceTimes{every: presenceEvery, soon: time.Second, calm: presenceCalm}

// presence asks which phones are online every presenceEvery. After a phone
// pairs, and after the tray (and its server) starts, phones take a moment
// to connect: it looks again shortly after, backing off from 1 s to 8 s.
// A phone's announcement (announced) asks at once, unless an announcement
// made it ask less than calm ago: then it asks once when calm has passed,
// for all the announcements that came meanwhile.
func presence(paired, announced <-chan struct{}, refresh func(), pt presenceTimes) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(pt.every)
		defer t.Stop()
		wait := pt.soon
		soon := time.After(wait)
		var (
			last    time.Time        // the last ask on an announcement
			pending <-chan time.Time // the ask for announcements held back
		)
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-paired:
				wait = pt.soon
				soon = time.After(wait)
			case <-soon:
				if wait < 8*pt.soon {
					wait *= 2
					soon = time.After(wait)
				} else {
					soon = nil
				}
			case <-t.C:
			case <-announced:
				if pending != nil {
					continue // an ask is due already
				}
				if d := time.Since(last); !last.IsZero() && d < pt.calm {
					pending = time.After(pt.calm - d)
					continue
				}
				last = time.Now()
			case <-pending:
				pending = nil
				last = time.Now()
			}
			refresh()
		}
	}
}
