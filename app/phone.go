package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/pairing"
)

// cmdPhone runs the phone agent, pairing first with --pair.
func cmdPhone(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "phone")
	offer := fs.String("pair", "", "pair with the desktop of this deskdial://pair offer first")
	name := fs.String("name", "", "this phone's name as desktops show it (default: settings, then host name)")
	backend := fs.String("backend", "", "how to dial: "+backends.Help)
	region := fs.String("region", "", "region for national numbers (default: settings, then locale)")
	modem := fs.String("modem", "", "ofono/modemmanager: modem object path (default: the first)")
	serial := fs.String("serial", "", "adb: device serial (default: the only device)")
	adbPath := fs.String("adb", "", "adb: the adb program (default: adb from PATH)")
	adbPort := fs.Int("adb-port", 0, "adb: port of the adb server (default 5037)")
	bus := fs.String("bus", "", "ofono/modemmanager/hfp: D-Bus address of the system bus (default: the system bus)")
	sessionBus := fs.String("session-bus", "", "hfp/kdeconnect: D-Bus address of the session bus (default: this session's)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErr("phone takes no arguments (did you mean --pair OFFER?)")
	}
	if *backend == "" {
		return usageErr("phone needs --backend: %s", backends.Help)
	}
	p, err := e.paths()
	if err != nil {
		return err
	}
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
	d, err := backends.Open(*backend, backends.Options{
		Modem: *modem, Serial: *serial, ADB: *adbPath, ADBPort: *adbPort, BusAddress: *bus, SessionBusAddress: *sessionBus,
	})
	if err != nil {
		return withCode(exitUsage, err)
	}
	if *name == "" {
		*name = st.Name
	}
	if *name == "" {
		*name = hostName()
	}
	if err := device.ValidateName(*name); err != nil {
		return usageErr("--name: %v", err)
	}
	rg := st.EffectiveRegion()
	if *region != "" {
		rg = strings.ToUpper(*region)
	}
	if *offer != "" {
		o, err := pairing.ParseOffer(*offer)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("this pairing offer cannot be used: %w", err))
		}
		desk, err := agent.Pair(ctx, o, id, reg, *name, agent.Caps{Backend: d.Name(), Capabilities: d.Capabilities()},
			agent.PairOptions{Creds: e.creds, Prefix: st.SubjectPrefix, CredsDir: p.Config})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Paired with %s (%s)\n", desk.Name, desk.ID.Short())
	}
	if err := d.Check(ctx); err != nil {
		fmt.Fprintf(e.stderr, "warning: backend %s: %v\n", d.Name(), err)
	} else if u, ok := d.(interface {
		Using(context.Context) (string, error)
	}); ok {
		// hfp and kdeconnect find their service and phone themselves;
		// say which, so a wrong pick shows before the first call.
		if s, err := u.Using(ctx); err == nil {
			fmt.Fprintf(e.stdout, "backend %s: numbers go to %s\n", d.Name(), s)
		}
	}
	var outMu sync.Mutex
	say := func(format string, a ...any) {
		outMu.Lock()
		defer outMu.Unlock()
		fmt.Fprintf(e.stdout, format+"\n", a...)
	}
	a, err := agent.New(agent.Config{
		Identity: id, Registry: reg, RegistryDir: p.Config, Dialer: d,
		Name: *name, Region: rg, AllowMMI: st.AllowMMI, RatePerMinute: st.RatePerMinute,
		Prefix: st.SubjectPrefix, AuditPath: filepath.Join(p.Data, agent.AuditFile), Version: version,
		OnEntry: func(en agent.Entry) {
			from := en.FromName
			if from == "" {
				from = "an unknown desktop"
			}
			switch en.Decision {
			case "accepted":
				say("%s from %s: %s %s", en.Kind, from, en.Decision, en.Number)
			default:
				say("%s from %s: %s (%s)", en.Kind, from, en.Decision, en.Reason)
			}
		},
	})
	if err != nil {
		return err
	}
	defer a.Close()
	say("deskdial phone %s (%s) with backend %s", *name, id.ID.Short(), d.Name())
	r := &agent.Runner{Agent: a, Identity: id, Registry: reg, Creds: e.creds, CredsDir: p.Config,
		OnState: func(desk string, up bool) {
			if up {
				say("Connected to %s", desk)
			} else {
				say("Disconnected from %s, reconnecting", desk)
			}
		}}
	return r.Run(ctx)
}

func hostName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "phone"
	}
	if i := strings.IndexByte(h, '.'); i > 0 {
		h = h[:i]
	}
	if len(h) > device.MaxNameLen {
		h = h[:device.MaxNameLen]
	}
	return h
}
