// Package kdeconnect is the backend for phones paired with this computer in
// KDE Connect or GSConnect: it shares a tel: link with the phone, whose KDE
// Connect app opens the dialer with the number filled in (on Android 10 and
// later, with the app in the background, it shows a notification to tap
// instead). It never places the call itself: the protocol has no such
// request.
//
// The D-Bus names follow kdeconnect-kde's Q_SCRIPTABLE interface
// (core/daemon.h, core/device.h, plugins/share/shareplugin.h; 22.12 to 25.x)
// and GSConnect's published interface
// (data/org.gnome.Shell.Extensions.GSConnect.xml, the device's GActions in
// src/service/manager.js and the share plugin's "shareUri" action).
package kdeconnect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/dbusx"
	"github.com/deskdial/deskdial/internal/dialer/internal/peername"
	"github.com/deskdial/deskdial/internal/dialer/internal/telnum"
)

const (
	kdeService     = "org.kde.kdeconnect"
	kdeDaemonPath  = "/modules/kdeconnect"
	kdeDaemonIface = "org.kde.kdeconnect.daemon"
	kdeDeviceIface = "org.kde.kdeconnect.device"
	kdeShareIface  = "org.kde.kdeconnect.device.share"
	kdeSharePlugin = "kdeconnect_share"

	gsService     = "org.gnome.Shell.Extensions.GSConnect"
	gsRoot        = "/org/gnome/Shell/Extensions/GSConnect"
	gsDeviceIface = "org.gnome.Shell.Extensions.GSConnect.Device"
	gtkActions    = "org.gtk.Actions"
	gsShareAction = "shareUri"

	// KDE Connect and GSConnect are what users call them.
	KDEConnect = "KDE Connect"
	GSConnect  = "GSConnect"
)

// Sentinel errors, returned wrapped together with dialer.ErrUnavailable.
var (
	// ErrNoDaemon means neither KDE Connect nor GSConnect runs.
	ErrNoDaemon = errors.New("kdeconnect: neither KDE Connect nor GSConnect runs")
	// ErrNoDevice means no (matching) device can take the number now.
	ErrNoDevice = errors.New("kdeconnect: no device to share with")
)

// Device is one device KDE Connect or GSConnect knows.
type Device struct {
	ID        string
	Name      string
	Type      string // "smartphone", "phone", "tablet", "desktop", ...
	Service   string // KDEConnect or GSConnect
	Reachable bool
	Paired    bool
	CanShare  bool   // the share plugin is on and loaded for it
	Why       string // why it cannot take a number now; "" when it can

	path dbus.ObjectPath
}

// Ready reports whether the device can take a number now.
func (d Device) Ready() bool { return d.Why == "" }

// Phone reports whether the device says it is a phone.
func (d Device) Phone() bool { return strings.Contains(strings.ToLower(d.Type), "phone") }

// Option configures a Dialer.
type Option func(*Dialer)

// WithDevice selects the device by name or id instead of the only phone.
func WithDevice(name string) Option { return func(d *Dialer) { d.device = name } }

// WithBusAddress connects to the bus at addr instead of the session bus.
func WithBusAddress(addr string) Option { return func(d *Dialer) { d.addr = addr } }

// Dialer shares tel: links with a phone through KDE Connect or GSConnect.
type Dialer struct {
	device string
	addr   string

	mu   sync.Mutex
	conn *dbus.Conn
}

// New returns the backend. It connects to the session bus on first use.
func New(opts ...Option) *Dialer {
	d := &Dialer{}
	for _, o := range opts {
		o(d)
	}
	return d
}

func (d *Dialer) Name() string { return "kdeconnect" }

// Capabilities: the phone opens its dialer; no states, no hang-up.
func (d *Dialer) Capabilities() dialer.Capabilities { return dialer.Capabilities{} }

// Close drops the bus connection.
func (d *Dialer) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn == nil {
		return nil
	}
	err := d.conn.Close()
	d.conn = nil
	return err
}

func (d *Dialer) bus() (*dbus.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil && d.conn.Connected() {
		return d.conn, nil
	}
	var c *dbus.Conn
	var err error
	if d.addr != "" {
		c, err = dbus.Connect(d.addr)
	} else {
		c, err = dbus.ConnectSessionBus()
	}
	if err != nil {
		// KDE Connect and GSConnect run in the user's desktop session.
		return nil, fmt.Errorf("%w: %w: this process cannot reach a session bus, where they run (%v): run it in the desktop session "+
			"of the user who paired the phone, or give that session's bus with --session-bus; see \"kdeconnect: KDE Connect and GSConnect\" in docs/phones.md",
			dialer.ErrUnavailable, ErrNoDaemon, err)
	}
	d.conn = c
	return c, nil
}

// validID accepts the ids KDE Connect uses in its object paths: letters,
// digits and '_' (it writes a UUID's '-' as '_'), which is also all an
// object path element may hold.
func validID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// Devices lists the devices KDE Connect and GSConnect know, with what
// stands in the way of sharing a number with each.
func (d *Dialer) Devices(ctx context.Context) ([]Device, error) {
	c, err := d.bus()
	if err != nil {
		return nil, err
	}
	kde, gs := dbusx.HasOwner(ctx, c, kdeService), dbusx.HasOwner(ctx, c, gsService)
	if !kde && !gs {
		return nil, fmt.Errorf("%w: %w in this session: start KDE Connect (kdeconnectd), or turn on the GSConnect extension in GNOME; "+
			"see \"kdeconnect: KDE Connect and GSConnect\" in docs/phones.md", dialer.ErrUnavailable, ErrNoDaemon)
	}
	var out []Device
	if kde {
		ds, err := kdeDevices(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	if gs {
		ds, err := gsDevices(ctx, c)
		if err != nil {
			return nil, err
		}
		out = append(out, ds...)
	}
	return out, nil
}

func kdeDevices(ctx context.Context, c *dbus.Conn) ([]Device, error) {
	var ids []string
	if err := c.Object(kdeService, kdeDaemonPath).CallWithContext(ctx, kdeDaemonIface+".devices", 0, false, false).Store(&ids); err != nil {
		return nil, fmt.Errorf("%w: ask KDE Connect for its devices: %s", dialer.ErrUnavailable, dbusx.ErrorText(err))
	}
	var out []Device
	for _, id := range ids {
		if !validID(id) {
			continue
		}
		p := dbus.ObjectPath(kdeDaemonPath + "/devices/" + id)
		obj := c.Object(kdeService, p)
		var props map[string]dbus.Variant
		if err := obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0, kdeDeviceIface).Store(&props); err != nil {
			continue // gone since the list was made
		}
		flag := func(k string) bool { b, _ := props[k].Value().(bool); return b }
		text := func(k string) string { s, _ := props[k].Value().(string); return peername.Clean(s) }
		dev := Device{ID: id, Name: text("name"), Type: text("type"), Service: KDEConnect, path: p,
			// isPaired since KDE Connect 23.04, isTrusted before.
			Reachable: flag("isReachable"), Paired: flag("isPaired") || flag("isTrusted")}
		if dev.Name == "" {
			dev.Name = id
		}
		var loaded []string
		if err := obj.CallWithContext(ctx, kdeDeviceIface+".loadedPlugins", 0).Store(&loaded); err == nil {
			dev.CanShare = slices.Contains(loaded, kdeSharePlugin)
		}
		switch {
		case !dev.Paired:
			dev.Why = dev.Name + " is not paired with this computer: pair it in KDE Connect"
		case !dev.Reachable:
			dev.Why = dev.Name + " is not reachable: open KDE Connect on the phone and connect it to the same network as this computer"
		case !dev.CanShare:
			var enabled bool
			err := obj.CallWithContext(ctx, kdeDeviceIface+".isPluginEnabled", 0, kdeSharePlugin).Store(&enabled)
			if err == nil && !enabled {
				dev.Why = "the Share plugin is off for " + dev.Name + ": turn on \"Share and receive\" in KDE Connect's settings for it"
			} else {
				dev.Why = dev.Name + " does not take shared links (the phone's KDE Connect app has sharing off?)"
			}
		}
		out = append(out, dev)
	}
	return out, nil
}

func gsDevices(ctx context.Context, c *dbus.Conn) ([]Device, error) {
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := c.Object(gsService, gsRoot).CallWithContext(ctx, "org.freedesktop.DBus.ObjectManager.GetManagedObjects", 0).Store(&objs); err != nil {
		return nil, fmt.Errorf("%w: ask GSConnect for its devices: %s", dialer.ErrUnavailable, dbusx.ErrorText(err))
	}
	var out []Device
	for p, ifs := range objs {
		props, ok := ifs[gsDeviceIface]
		if !ok {
			continue
		}
		flag := func(k string) bool { b, _ := props[k].Value().(bool); return b }
		text := func(k string) string { s, _ := props[k].Value().(string); return peername.Clean(s) }
		dev := Device{ID: text("Id"), Name: text("Name"), Type: text("Type"), Service: GSConnect, path: p,
			Reachable: flag("Connected"), Paired: flag("Paired")}
		if dev.Name == "" {
			dev.Name = dev.ID
		}
		var desc struct {
			Enabled bool
			Type    dbus.Signature
			State   []dbus.Variant
		}
		err := c.Object(gsService, p).CallWithContext(ctx, gtkActions+".Describe", 0, gsShareAction).Store(&desc)
		dev.CanShare = err == nil && desc.Enabled
		switch {
		case !dev.Paired:
			dev.Why = dev.Name + " is not paired with this computer: pair it in GSConnect (GNOME's Mobile Devices settings)"
		case !dev.Reachable:
			dev.Why = dev.Name + " is not connected: open KDE Connect on the phone and connect it to the same network as this computer"
		case err != nil:
			dev.Why = "the Share plugin is off for " + dev.Name + ": turn on Share in GSConnect's settings for it"
		case !dev.CanShare:
			dev.Why = dev.Name + " does not take shared links right now"
		}
		out = append(out, dev)
	}
	slices.SortFunc(out, func(a, b Device) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func list(ds []Device) string {
	var s []string
	for _, d := range ds {
		s = append(s, fmt.Sprintf("%q", d.Name))
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// pick chooses the device to share the number with.
func (d *Dialer) pick(ctx context.Context) (Device, error) {
	ds, err := d.Devices(ctx)
	if err != nil {
		return Device{}, err
	}
	var cands []Device
	for _, dev := range ds {
		if d.device != "" && !strings.EqualFold(dev.Name, d.device) && dev.ID != d.device {
			continue
		}
		if d.device == "" && !dev.Phone() {
			continue // a laptop in the list dials nothing
		}
		cands = append(cands, dev)
	}
	if len(cands) == 0 {
		if d.device != "" {
			return Device{}, fmt.Errorf("%w: %w: no device called %q in KDE Connect or GSConnect (known: %s)", dialer.ErrUnavailable, ErrNoDevice, d.device, list(ds))
		}
		return Device{}, fmt.Errorf("%w: %w: no phone is paired in KDE Connect or GSConnect: install KDE Connect on the phone "+
			"and pair it with this computer", dialer.ErrUnavailable, ErrNoDevice)
	}
	var ready []Device
	var why []string
	for _, dev := range cands {
		if dev.Ready() {
			ready = append(ready, dev)
		} else {
			why = append(why, dev.Why)
		}
	}
	switch {
	case len(ready) == 0:
		return Device{}, fmt.Errorf("%w: %w: %s", dialer.ErrUnavailable, ErrNoDevice, strings.Join(why, "; "))
	case len(ready) > 1:
		return Device{}, fmt.Errorf("%w: several phones can take the number (%s): choose one with --backend kdeconnect:DEVICE", dialer.ErrUnavailable, list(ready))
	}
	return ready[0], nil
}

// Check reports whether a phone is paired, reachable and takes links.
func (d *Dialer) Check(ctx context.Context) error {
	_, err := d.pick(ctx)
	return err
}

// Using says which device and service a number would go to.
func (d *Dialer) Using(ctx context.Context) (string, error) {
	dev, err := d.pick(ctx)
	if err != nil {
		return "", err
	}
	return dev.Name + " through " + dev.Service, nil
}

// Dial shares the tel: link with the phone, which opens its dialer with the
// number filled in, whatever the mode: this backend cannot place a call,
// and its capabilities say so in advance.
func (d *Dialer) Dial(ctx context.Context, req dialer.Request) (dialer.Call, error) {
	if err := telnum.Check(req.Number); err != nil {
		return dialer.Call{}, fmt.Errorf("kdeconnect dial: %w", err)
	}
	dev, err := d.pick(ctx)
	if err != nil {
		return dialer.Call{}, err
	}
	if !req.Expires.IsZero() && time.Now().After(req.Expires) {
		return dialer.Call{}, fmt.Errorf("kdeconnect dial %s: request expired", req.ID)
	}
	c, err := d.bus()
	if err != nil {
		return dialer.Call{}, err
	}
	uri := telnum.URI(req.Number)
	var call *dbus.Call
	switch dev.Service {
	case KDEConnect:
		call = c.Object(kdeService, dev.path+"/share").CallWithContext(ctx, kdeShareIface+".shareUrl", 0, uri)
	default:
		call = c.Object(gsService, dev.path).CallWithContext(ctx, gtkActions+".Activate", 0,
			gsShareAction, []dbus.Variant{dbus.MakeVariant(uri)}, map[string]dbus.Variant{})
	}
	if err := call.Err; err != nil {
		if dbusx.ServiceMissing(err) {
			return dialer.Call{}, fmt.Errorf("%w: %s stopped", dialer.ErrUnavailable, dev.Service)
		}
		if dbusx.ObjectGone(err) {
			return dialer.Call{}, fmt.Errorf("%w: %w: %s went away from %s", dialer.ErrUnavailable, ErrNoDevice, dev.Name, dev.Service)
		}
		return dialer.Call{}, fmt.Errorf("kdeconnect: share the number with %s: %s", dev.Name, dbusx.ErrorText(err))
	}
	return dialer.Call{ID: req.ID, Handle: uri}, nil
}

// Watch reports the one thing known: the phone was sent the number.
func (d *Dialer) Watch(ctx context.Context, _ dialer.Call) (<-chan dialer.Event, error) {
	return dialer.Prefilled(), nil
}

// Hangup is not possible: the call, if any, is the user's.
func (d *Dialer) Hangup(context.Context, dialer.Call) error {
	return fmt.Errorf("kdeconnect backend: %w", dialer.ErrUnsupported)
}
