package main

import (
	"context"
	"errors"

	"github.com/deskdial/deskdial/internal/dialer/backends"
	"github.com/deskdial/deskdial/internal/phoneapp"
	"github.com/deskdial/deskdial/internal/quiet"
)

// cmdPhone runs the phone agent, pairing first with --pair.
func cmdPhone(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "phone")
	offer := fs.String("pair", "", "pair with the desktop of this deskdial://pair offer first")
	name := fs.String("name", "", "this phone's name as desktops show it; kept (default: the name kept, then host name)")
	backend := fs.String("backend", "", "how to dial, kept with the options below for later runs: "+backends.Help)
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
	p, err := e.paths()
	if err != nil {
		return err
	}
	quiet.OneProcessor() // it waits for dials for days
	err = phoneapp.Run(ctx, phoneapp.Deps{Paths: p, Backend: *backend,
		Dialer: backends.Options{Modem: *modem, Serial: *serial, ADB: *adbPath, ADBPort: *adbPort, BusAddress: *bus, SessionBusAddress: *sessionBus},
		Name:   *name, Region: *region, Offer: *offer, Creds: e.creds, CA: e.ca, Version: version, Out: e.stdout, Err: e.stderr})
	if ue := (*phoneapp.UsageError)(nil); errors.As(err, &ue) {
		return withCode(exitUsage, ue.Err)
	}
	return err
}
