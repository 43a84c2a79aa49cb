// Package backends opens a dialer backend by the name given to
// `deskdial phone --backend`.
package backends

import (
	"errors"
	"fmt"
	"strings"

	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/adb"
	"github.com/deskdial/deskdial/internal/dialer/hfp"
	"github.com/deskdial/deskdial/internal/dialer/kdeconnect"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
	"github.com/deskdial/deskdial/internal/dialer/modemmanager"
	"github.com/deskdial/deskdial/internal/dialer/ofono"
	"github.com/deskdial/deskdial/internal/dialer/urlopen"
)

// ErrUnknown means the backend name is not one of Help's.
var ErrUnknown = errors.New("backends: unknown backend")

// Options carries backend-specific settings from the command line.
type Options struct {
	Modem  string // ofono: modem object path; modemmanager: path or index ("0"); empty: the first usable one
	Serial string // adb: device serial; empty: the only device

	ADB               string // adb: the adb program; empty: "adb" from PATH
	ADBPort           int    // adb: adb server port (adb -P); 0: the default 5037
	BusAddress        string // ofono, modemmanager, hfp: D-Bus address of the system bus; empty: the system bus
	SessionBusAddress string // hfp, kdeconnect: D-Bus address of the session bus; empty: the user's

	Opener      urlopen.Opener // url: opener to use instead of a command (the phone app passes its toolkit's)
	OpenCommand []string       // url: command to run, the URI appended; empty: the platform opener
}

// Help lists the backends on one line, for flag help and usage errors.
const Help = "hfp[:PHONE] | kdeconnect[:DEVICE] (opens the dialer only) | ofono[:MODEM] | modemmanager[:MODEM] | adb[:SERIAL] | url (opens the dialer only) | log:FILE (dials nothing; writes numbers to FILE)"

// Usage describes each backend, one per line.
const Usage = `hfp[:PHONE]            any phone connected to this computer over Bluetooth (PipeWire 1.4+, BlueZ 5.86+ or oFono hands-free); PHONE: its Bluetooth name
  kdeconnect[:DEVICE]    a phone paired in KDE Connect or GSConnect: its dialer opens with the number filled in
  ofono[:MODEM]          Linux phone with oFono (Ubuntu Touch, Sailfish)
  modemmanager[:MODEM]   Linux phone with ModemManager (postmarketOS, Mobian, PureOS)
  adb[:SERIAL]           Android phone next to this computer, over USB or Wi-Fi debugging
  url                    open the dialer with the number filled in (tel: link); the user places the call
  log:FILE               dials nothing; writes each accepted number to FILE (for trying deskdial and for tests)`

// Names are the backend names Open accepts.
var Names = []string{"hfp", "kdeconnect", "ofono", "modemmanager", "adb", "url", "log"}

// Open returns the backend named by spec. The part after ':' is the log
// file for log, and a shorthand for Options.Modem or Options.Serial for
// the others (the option wins when both are given).
func Open(spec string, opts Options) (dialer.Dialer, error) {
	name, arg, _ := strings.Cut(spec, ":")
	pick := func(opt string) string {
		if opt != "" {
			return opt
		}
		return arg
	}
	switch name {
	case "log":
		if arg == "" {
			return nil, fmt.Errorf("backend log needs a file: --backend log:FILE")
		}
		return logdial.New(arg), nil
	case "hfp", "bluetooth":
		o := []hfp.Option{hfp.WithSystemBus(opts.BusAddress), hfp.WithSessionBus(opts.SessionBusAddress)}
		if arg != "" {
			o = append(o, hfp.WithPhone(arg))
		}
		return hfp.New(o...), nil
	case "kdeconnect", "gsconnect":
		o := []kdeconnect.Option{kdeconnect.WithBusAddress(opts.SessionBusAddress)}
		if arg != "" {
			o = append(o, kdeconnect.WithDevice(arg))
		}
		return kdeconnect.New(o...), nil
	case "ofono":
		o := []ofono.Option{ofono.WithBusAddress(opts.BusAddress)}
		if m := pick(opts.Modem); m != "" {
			o = append(o, ofono.WithModem(m))
		}
		return ofono.New(o...), nil
	case "modemmanager", "mm":
		o := []modemmanager.Option{modemmanager.WithBusAddress(opts.BusAddress)}
		if m := pick(opts.Modem); m != "" {
			o = append(o, modemmanager.WithModem(m))
		}
		return modemmanager.New(o...), nil
	case "adb":
		var o []adb.Option
		if s := pick(opts.Serial); s != "" {
			o = append(o, adb.WithSerial(s))
		}
		if opts.ADB != "" {
			o = append(o, adb.WithADB(opts.ADB))
		}
		if opts.ADBPort != 0 {
			o = append(o, adb.WithServerPort(opts.ADBPort))
		}
		return adb.New(o...), nil
	case "url", "tel":
		if arg != "" {
			return nil, fmt.Errorf("backend url takes no argument (got %q)", arg)
		}
		var o []urlopen.Option
		if opts.Opener != nil {
			o = append(o, urlopen.WithOpener(opts.Opener))
		}
		if len(opts.OpenCommand) > 0 {
			o = append(o, urlopen.WithCommand(opts.OpenCommand[0], opts.OpenCommand[1:]...))
		}
		return urlopen.New(o...), nil
	}
	return nil, fmt.Errorf("%w %q (available: %s)", ErrUnknown, spec, Help)
}
