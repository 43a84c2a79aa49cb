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

// presenceEvery is how often the tray asks which phones are online. The
// embedded server tells nobody when a phone drops off, so the tray asks;
// once a minute keeps the menu honest without keeping the CPU awake.
const presenceEvery = time.Minute

// presence asks which phones are online every presenceEvery. After a phone
// pairs, and after the tray (and its server) starts, phones take a moment
// to connect and announce themselves: it looks again shortly after,
// backing off from 1 s to 8 s.
func presence(paired <-chan struct{}, refresh func()) func(context.Context) error {
	return func(ctx context.Context) error {
		t := time.NewTicker(presenceEvery)
		defer t.Stop()
		wait := time.Second
		soon := time.After(wait)
		for {
			select {
			case <-ctx.Done():
				return nil
			case <-paired:
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
			refresh()
		}
	}
}
