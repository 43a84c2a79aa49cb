// Package phoneapp is the phone agent's composition root: Run opens the
// phone's identity, paired desktops and dialer backend, pairs first when
// asked, and keeps the agent connected to every paired desktop.
//
// A phone this computer reaches itself (Bluetooth hands-free, KDE Connect)
// runs the same agent and policy; building one for the tray will reuse
// Open and the agent it returns.
package phoneapp

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/pairing"
)

// UsageError is an error in what the user asked for (a bad name, offer or
// backend): the command line exits with its usage code. Its message is
// Err's.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

func usage(err error) error { return &UsageError{Err: err} }

// Deps is what the phone agent needs from the command line.
type Deps struct {
	Paths   config.Paths // config and data directories, already made
	Backend string       // backends.Open name
	Dialer  backends.Options
	Name    string // this phone's name ("": settings, then host name)
	Region  string // for national numbers ("": settings, then locale)
	Offer   string // pair with this deskdial://pair offer first ("": none)
	Creds   string // NATS .creds for hosted servers
	CA      string // PEM file of the authority that signed hosted servers' certificates ("": the ca setting, then the system's)
	Version string // for presence
	Out     io.Writer
	Err     io.Writer
}

// Run runs the phone agent until ctx ends.
func Run(ctx context.Context, deps Deps) error {
	p := deps.Paths
	store, err := config.Open(p.Config)
	if err != nil {
		return err
	}
	st := store.Get()
	id, err := device.LoadOrCreate(p.Config)
	if err != nil {
		return err
	}
	reg, err := device.OpenRegistry(p.Config)
	if err != nil {
		return err
	}
	// The backend and its options, and the name, given here are kept in
	// the settings: a phone keeps the name it paired with, and `deskdial
	// phone` (its systemd unit) starts later without arguments.
	backend, opts := deps.Backend, deps.Dialer
	if backend == "" {
		backend, opts = st.Backend, keptOptions(st, deps.Dialer)
	}
	if backend == "" {
		return usage(fmt.Errorf("phone needs --backend once (it is kept for later runs): %s", backends.Help))
	}
	if deps.Name != "" {
		if err := device.ValidateName(deps.Name); err != nil {
			return usage(fmt.Errorf("--name: %w", err))
		}
	}
	d, err := backends.Open(backend, opts)
	if err != nil {
		return usage(err)
	}
	// Kept only once they work.
	if err := store.Modify(func(s *config.Settings) {
		if deps.Name != "" {
			s.Name = deps.Name
		}
		s.Backend, s.Modem, s.Serial, s.ADB, s.ADBPort, s.Bus, s.SessionBus = backend,
			opts.Modem, opts.Serial, opts.ADB, opts.ADBPort, opts.BusAddress, opts.SessionBusAddress
	}); err != nil {
		return fmt.Errorf("keep the phone's settings: %w", err)
	}
	st = store.Get()
	name := st.Name
	if name == "" {
		name = device.HostName("phone")
	}
	if err := device.ValidateName(name); err != nil {
		return usage(fmt.Errorf("--name: %w", err))
	}
	rg := st.EffectiveRegion()
	if deps.Region != "" {
		rg = strings.ToUpper(deps.Region)
	}
	ca := deps.CA
	if ca == "" {
		ca = config.ResolveIn(p.Config, st.CA)
	}
	if deps.Offer != "" {
		o, err := pairing.ParseOffer(deps.Offer)
		if err != nil {
			return usage(fmt.Errorf("this pairing offer cannot be used: %w", err))
		}
		desk, err := agent.Pair(ctx, o, id, reg, name, agent.Caps{Backend: d.Name(), Capabilities: d.Capabilities()},
			agent.PairOptions{Creds: deps.Creds, CA: ca, Prefix: st.SubjectPrefix, CredsDir: p.Config})
		if err != nil {
			return err
		}
		fmt.Fprintf(deps.Out, "Paired with %s (%s)\n", desk.Name, desk.ID.Short())
		if st.Name == "" {
			// The desktop shows the name this phone paired with; a later
			// start on a renamed host keeps announcing it.
			if err := store.Modify(func(s *config.Settings) { s.Name = name }); err != nil {
				return fmt.Errorf("keep the phone's name: %w", err)
			}
		}
	}
	if err := d.Check(ctx); err != nil {
		fmt.Fprintf(deps.Err, "warning: %s; the phone agent starts all the same, and calls fail until that is fixed\n", backendProblem(d.Name(), err))
	} else if u, ok := d.(interface {
		Using(context.Context) (string, error)
	}); ok {
		// hfp and kdeconnect find their service and phone themselves;
		// say which, so a wrong pick shows before the first call.
		if s, err := u.Using(ctx); err == nil {
			fmt.Fprintf(deps.Out, "backend %s: numbers go to %s\n", d.Name(), s)
		}
	}
	var outMu sync.Mutex
	say := func(format string, a ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(deps.Out, format+"\n", a...)
	}
	a, err := agent.New(agent.Config{
		Identity: id, Registry: reg, RegistryDir: p.Config, Dialer: d,
		Name: name, Region: rg, AllowMMI: st.AllowMMI, RatePerMinute: st.RatePerMinute,
		Prefix: st.SubjectPrefix, AuditPath: filepath.Join(p.Data, agent.AuditFile), Version: deps.Version,
		OnEntry: func(en agent.Entry) { say("%s", entryLine(en)) },
	})
	if err != nil {
		return err
	}
	defer a.Close()
	say("deskdial phone %s (%s) with backend %s", name, id.ID.Short(), d.Name())
	r := &agent.Runner{Agent: a, Identity: id, Registry: reg, Creds: deps.Creds, CA: ca, CredsDir: p.Config,
		OnState: func(desk string, up bool) {
			if up {
				say("Connected to %s", desk)
			} else {
				say("Disconnected from %s, reconnecting", desk)
			}
		}}
	return r.Run(ctx)
}

// entryLine is one decision of the agent for the terminal.
func entryLine(en agent.Entry) string {
	from := en.FromName
	if from == "" {
		from = "an unknown desktop"
	}
	switch {
	case en.Decision == "accepted":
		return fmt.Sprintf("%s from %s: accepted %s", en.Kind, from, en.Number)
	case en.Decision == "duplicate" && en.Reason == "":
		// A request sent again (a retry after a lost answer): answered as
		// the first time, nothing dialled again.
		return fmt.Sprintf("%s from %s: the same request again, answered as before; nothing dialled again", en.Kind, from)
	case en.Decision == "duplicate":
		return fmt.Sprintf("%s from %s: the same request again, refused as before (%s)", en.Kind, from, en.Reason)
	case en.Reason == "":
		return fmt.Sprintf("%s from %s: %s", en.Kind, from, en.Decision)
	}
	return fmt.Sprintf("%s from %s: %s (%s)", en.Kind, from, en.Decision, en.Reason)
}

// backendProblem is a backend's check error in one sentence, named once
// by its backend: "kdeconnect: …", not "backend kdeconnect: dialer:
// backend unavailable: kdeconnect: …".
func backendProblem(name string, err error) string {
	msg := strings.TrimPrefix(err.Error(), dialer.ErrUnavailable.Error()+": ")
	if !strings.HasPrefix(msg, name+":") && !strings.HasPrefix(msg, name+" ") {
		msg = name + ": " + msg
	}
	return msg
}

// keptOptions are the backend options kept in the settings, each replaced
// by the one given now, if any.
func keptOptions(st config.Settings, given backends.Options) backends.Options {
	o := backends.Options{Modem: st.Modem, Serial: st.Serial, ADB: st.ADB, ADBPort: st.ADBPort,
		BusAddress: st.Bus, SessionBusAddress: st.SessionBus}
	pick := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	pick(&o.Modem, given.Modem)
	pick(&o.Serial, given.Serial)
	pick(&o.ADB, given.ADB)
	pick(&o.BusAddress, given.BusAddress)
	pick(&o.SessionBusAddress, given.SessionBusAddress)
	if given.ADBPort != 0 {
		o.ADBPort = given.ADBPort
	}
	return o
}
