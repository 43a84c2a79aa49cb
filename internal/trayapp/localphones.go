package trayapp

import (
	"context"
	"log/slog"
	"maps"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/localphone"
	"github.com/deskdial/deskdial/internal/pairing"
)

// localPhones is the tray's part for the phones this computer reaches
// itself (Settings → Phones): it runs the chosen ones as phones of this
// desktop, each with the ordinary agent over the desktop's own server, so
// a call to one goes through the same policy, rate limit and audit log as
// a call to a phone across the room. It follows the settings: a phone
// chosen is started (pairing through an offer of the in-process service),
// one no longer chosen is stopped, unpaired and its directory deleted.
type localPhones struct {
	dir   string // the desktop's config directory
	store interface {
		Get() config.Settings
		Modify(func(*config.Settings)) error
	}
	base   localphone.Config // Offer, Creds, Options; the policy comes from the settings
	set    *localphone.Set
	log    *slog.Logger
	synced chan struct{} // told after each sync (tests)

	// unpair drops a local phone from this desktop's paired phones.
	unpair func(device.ID) error
	// reach is told when a local phone comes or goes, so the menu shows
	// it online or offline at once rather than at the next presence poll.
	reach func(online bool)

	changed chan struct{}
}

// localDeps is what the part needs from the rest of the tray.
type localDeps struct {
	Dir   string
	Store interface {
		Get() config.Settings
		Modify(func(*config.Settings)) error
	}
	Offer  func(context.Context) (pairing.Offer, error)
	Creds  string // the hosted server's credentials, as the desktop's
	Unpair func(device.ID) error
	Reach  func(online bool)
	Log    *slog.Logger
	Base   localphone.Config // anything else (tests: Options, Poll)
}

func newLocalPhones(d localDeps) *localPhones {
	log := d.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base := d.Base
	base.Offer, base.Creds = d.Offer, d.Creds
	l := &localPhones{dir: d.Dir, store: d.Store, base: base, log: log,
		unpair: d.Unpair, reach: d.Reach, changed: make(chan struct{}, 1)}
	l.base.OnEntry = func(e agent.Entry) {
		// The audit log in the phone's directory has the details; the
		// tray's log says what was decided, as `deskdial phone` prints.
		l.log.Info("local phone: request", "kind", e.Kind, "decision", e.Decision, "code", e.Code, "reason", e.Reason)
	}
	l.set = &localphone.Set{ConfigDir: d.Dir,
		OnReach: func(backend string, ok bool, why string) {
			if ok {
				l.log.Info("local phone: reachable", "backend", backend)
			} else {
				l.log.Info("local phone: not reachable", "backend", backend, "why", why)
			}
			if l.reach != nil {
				l.reach(ok)
			}
		},
		OnError: func(backend string, err error) {
			l.log.Warn("local phone: stopped; starting it again shortly", "backend", backend, "err", err)
		},
	}
	return l
}

// SettingsChanged tells the part the settings were saved. It never blocks.
func (l *localPhones) SettingsChanged() {
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// policy is what the local phones' agents take from the settings.
type policy struct {
	region   string
	allowMMI bool
	rate     int
	prefix   string
}

func policyOf(s config.Settings) policy {
	return policy{region: s.KnownRegion(), allowMMI: s.AllowMMI, rate: s.RatePerMinute, prefix: s.SubjectPrefix}
}

// Run keeps the running local phones those chosen in the settings until
// ctx ends, then takes them all off the server.
func (l *localPhones) Run(ctx context.Context) error {
	defer l.set.Close()
	var last policy
	first := true
	for {
		s := l.store.Get()
		if p := policyOf(s); first || p != last {
			// The agents were made with the old policy: remake them.
			l.set.Close()
			l.set.Base = l.base
			l.set.Base.Region, l.set.Base.AllowMMI, l.set.Base.RatePerMinute, l.set.Base.Prefix = p.region, p.allowMMI, p.rate, p.prefix
			last, first = p, false
		}
		chosen := maps.Clone(s.LocalPhones)
		l.set.Sync(ctx, chosen)
		if err := localphone.Prune(l.dir, chosen, l.unpair); err != nil {
			l.log.Warn("local phone: could not forget a removed phone; trying again at the next change", "err", err)
		}
		if l.synced != nil {
			l.synced <- struct{}{}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-l.changed:
		}
	}
}

// Removed is told that the user removed a paired phone (the pairing
// window): if it was a local phone it is no longer chosen, so it is not
// paired again behind the user's back.
func (l *localPhones) Removed(id device.ID) {
	var gone []string
	for spec := range l.store.Get().LocalPhones {
		if got, ok := localphone.IDOf(l.dir, spec); ok && got == id {
			gone = append(gone, spec)
		}
	}
	if len(gone) == 0 {
		return
	}
	err := l.store.Modify(func(s *config.Settings) {
		for _, spec := range gone {
			delete(s.LocalPhones, spec)
		}
	})
	if err != nil {
		l.log.Warn("local phone: unpaired, but still chosen in the settings", "err", err)
		return
	}
	l.SettingsChanged()
}
