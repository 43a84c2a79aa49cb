// Package hfp is the Bluetooth hands-free backend: this computer acts as the
// hands-free unit of a phone connected over Bluetooth (as a car kit does),
// so any phone, an iPhone included, places the call with no app on it.
//
// At each check and dial it looks, in this order, for:
//
//   - PipeWire's telephony service (PipeWire 1.4 and later, native HFP
//     backend): org.pipewire.Telephony on the session bus, or on the system
//     bus when PipeWire runs with bluez5.telephony.use-system-bus, or as
//     org.ofono on the system bus with bluez5.telephony.provide-ofono;
//   - BlueZ's experimental hands-free telephony (BlueZ 5.86 and later,
//     bluetoothd -E): org.bluez.Telephony1 on the system bus;
//   - oFono's hands-free modems (oFono with BlueZ), through the ofono backend.
//
// The D-Bus names follow PipeWire's spa/plugins/bluez5/README-Telephony.md
// and telephony.c (1.4.0 to 1.6), and BlueZ's doc/org.bluez.Telephony.rst,
// doc/org.bluez.Call.rst and profiles/audio/telephony.c (5.86, 5.87). Both
// services announce calls through org.freedesktop.DBus.ObjectManager and
// report the call's State through org.freedesktop.DBus.Properties. Their
// Dial differs across versions: PipeWire 1.4 answers with the new call's
// path, PipeWire 1.5.81 and later and BlueZ 5.86/5.87 answer with nothing
// (BlueZ's document says a path), so the call is taken from whichever
// arrives: the reply or the announcement.
package hfp

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/dbusx"
	"github.com/deskdial/deskdial/internal/dialer/internal/peername"
	"github.com/deskdial/deskdial/internal/dialer/internal/telnum"
	"github.com/deskdial/deskdial/internal/dialer/ofono"
)

const (
	pwService   = "org.pipewire.Telephony"
	pwRoot      = "/org/pipewire/Telephony"
	pwAGIface   = "org.pipewire.Telephony.AudioGateway1"
	pwCallIface = "org.pipewire.Telephony.Call1"

	bzService   = "org.bluez"
	bzTelIface  = "org.bluez.Telephony1"
	bzCallIface = "org.bluez.Call1"
	bzDevIface  = "org.bluez.Device1"

	ofService = "org.ofono"

	ifObjectManager = "org.freedesktop.DBus.ObjectManager"
	ifProperties    = "org.freedesktop.DBus.Properties"
)

// Sentinel errors; each is returned wrapped together with dialer.ErrUnavailable
// (or, for ErrRefused, alone) and a sentence saying what to do.
var (
	// ErrNoService means no hands-free telephony service runs.
	ErrNoService = errors.New("hfp: no Bluetooth hands-free service")
	// ErrNoPhone means a service runs but no (matching) phone is connected.
	ErrNoPhone = errors.New("hfp: no phone connected")
	// ErrRefused means the phone or the service refused the dial.
	ErrRefused = errors.New("hfp: the phone refused the call")
)

// callWait bounds how long Dial waits for the call a phone accepted to be
// announced; phones announce it within a second or two.
const callWait = 30 * time.Second

// flavor is one way a telephony service is reached.
type flavor struct {
	kind      string // the handle prefix: "pipewire", "pipewire-system", "pipewire-ofono", "bluez", "ofono"
	product   string // what users call it
	system    bool   // on the system bus, else the session bus
	name      string // the bus name
	root      dbus.ObjectPath
	agIface   string
	callIface string
	uri       bool // Dial takes "tel:" and the number
}

var (
	pipewireSession = &flavor{kind: "pipewire", product: "PipeWire", name: pwService, root: pwRoot, agIface: pwAGIface, callIface: pwCallIface}
	pipewireSystem  = &flavor{kind: "pipewire-system", product: "PipeWire", system: true, name: pwService, root: pwRoot, agIface: pwAGIface, callIface: pwCallIface}
	// With bluez5.telephony.provide-ofono PipeWire owns org.ofono with the
	// manager at "/", but its audio gateways keep their paths and
	// interfaces; GetModems lists them without oFono's modem properties,
	// which the ofono backend would take for modems that are off.
	pipewireOfono = &flavor{kind: "pipewire-ofono", product: "PipeWire (as oFono)", system: true, name: ofService, root: "/", agIface: pwAGIface, callIface: pwCallIface}
	bluez         = &flavor{kind: "bluez", product: "BlueZ", system: true, name: bzService, root: "/", agIface: bzTelIface, callIface: bzCallIface, uri: true}
	ofonoFlavor   = &flavor{kind: "ofono", product: "oFono", system: true, name: ofService, root: "/"}
	flavors       = []*flavor{pipewireSession, pipewireSystem, pipewireOfono, bluez, ofonoFlavor}
)

func (f *flavor) busName() string {
	if f.system {
		return "system bus"
	}
	return "session bus"
}

// Describe says which service this is and where, for users.
func (f *flavor) Describe() string {
	switch f {
	case pipewireSession, pipewireSystem:
		return "PipeWire telephony (" + f.name + " on the " + f.busName() + ")"
	case pipewireOfono:
		return "PipeWire telephony in oFono mode (org.ofono on the system bus)"
	case bluez:
		return "BlueZ telephony (org.bluez.Telephony1 on the system bus)"
	}
	return "oFono hands-free (org.ofono on the system bus)"
}

// Phone is one phone this computer reaches over Bluetooth hands-free.
type Phone struct {
	Name    string          // the phone's Bluetooth name, or its address when unknown
	Address string          // its Bluetooth address
	Path    dbus.ObjectPath // the service's object for it (audio gateway or modem)
	Service string          // which service reaches it, as Describe says
	Ready   bool            // it can place a call now
	Why     string          // why not, when not Ready
}

// Option configures a Dialer.
type Option func(*Dialer)

// WithPhone selects the phone by Bluetooth name, address or object path
// instead of the only connected one.
func WithPhone(name string) Option { return func(d *Dialer) { d.phone = name } }

// WithSessionBus connects to the session bus at addr instead of the user's.
func WithSessionBus(addr string) Option { return func(d *Dialer) { d.sessAddr = addr } }

// WithSystemBus connects to the bus at addr instead of the system bus.
func WithSystemBus(addr string) Option { return func(d *Dialer) { d.sysAddr = addr } }

// Dialer places calls through a phone connected over Bluetooth hands-free.
type Dialer struct {
	phone    string
	sessAddr string
	sysAddr  string

	mu      sync.Mutex
	conns   map[bool]*dbus.Conn               // by flavor.system
	initial map[dbus.ObjectPath]string        // a call's first state, from its announcement
	watches map[dbus.ObjectPath][]*watch      // the watches following each call
	ofono   map[dbus.ObjectPath]*ofono.Dialer // by modem
	pending dbusx.Pending
}

// New returns a hands-free dialer. It connects to the buses on first use.
func New(opts ...Option) *Dialer {
	d := &Dialer{conns: map[bool]*dbus.Conn{}, ofono: map[dbus.ObjectPath]*ofono.Dialer{}, initial: map[dbus.ObjectPath]string{}, watches: map[dbus.ObjectPath][]*watch{}}
	for _, o := range opts {
		o(d)
	}
	return d
}

func (d *Dialer) Name() string { return "hfp" }

func (d *Dialer) Capabilities() dialer.Capabilities {
	return dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}
}

// Close drops the subscriptions nobody watched and the bus connections.
func (d *Dialer) Close() error {
	d.pending.CloseAll()
	d.mu.Lock()
	defer d.mu.Unlock()
	var errs []error
	for k, c := range d.conns {
		errs = append(errs, c.Close())
		delete(d.conns, k)
	}
	for k, o := range d.ofono {
		errs = append(errs, o.Close())
		delete(d.ofono, k)
	}
	return errors.Join(errs...)
}

// conn returns a live connection to the system or session bus with the
// match rules the watches read, reconnecting after the bus went away. The
// rules are per connection and fixed, so no call adds or leaves any.
func (d *Dialer) conn(system bool) (*dbus.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if c := d.conns[system]; c != nil && c.Connected() {
		return c, nil
	}
	opt := dbus.WithSignalHandler(dbus.NewSequentialSignalHandler())
	var c *dbus.Conn
	var err error
	bus := "session bus"
	switch {
	case system:
		bus = "system bus"
		c, err = dbusx.Connect(d.sysAddr)
	case d.sessAddr != "":
		c, err = dbus.Connect(d.sessAddr, opt)
	default:
		c, err = dbus.ConnectSessionBus(opt)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: connect to the %s: %v", dialer.ErrUnavailable, bus, err)
	}
	var rules [][]dbus.MatchOption
	for _, f := range flavors {
		if f.system != system || f == ofonoFlavor {
			continue
		}
		for _, m := range []string{ifObjectManager + ".InterfacesAdded", ifObjectManager + ".InterfacesRemoved", ifProperties + ".PropertiesChanged"} {
			iface, member, _ := cutLast(m)
			rules = append(rules, []dbus.MatchOption{dbus.WithMatchSender(f.name), dbus.WithMatchInterface(iface), dbus.WithMatchMember(member)})
		}
		rules = append(rules, dbusx.NameOwnerMatch(f.name))
	}
	if err := dbusx.AddMatches(c, rules...); err != nil {
		c.Close()
		return nil, fmt.Errorf("%w: %v", dialer.ErrUnavailable, err)
	}
	d.conns[system] = c
	return c, nil
}

func cutLast(s string) (string, string, bool) {
	i := strings.LastIndexByte(s, '.')
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

type managed = map[dbus.ObjectPath]map[string]map[string]dbus.Variant

func managedObjects(ctx context.Context, c *dbus.Conn, name string, at dbus.ObjectPath) (managed, error) {
	var objs managed
	err := c.Object(name, at).CallWithContext(ctx, ifObjectManager+".GetManagedObjects", 0).Store(&objs)
	return objs, err
}

func str(props map[string]dbus.Variant, key string) string {
	s, _ := props[key].Value().(string)
	return s
}

// btNames maps Bluetooth addresses (upper case) to the names BlueZ knows
// the devices by. It is best effort: without BlueZ, phones show by address.
func (d *Dialer) btNames(ctx context.Context) map[string]string {
	names := map[string]string{}
	c, err := d.conn(true)
	if err != nil {
		return names
	}
	objs, err := managedObjects(ctx, c, bzService, "/")
	if err != nil {
		return names
	}
	for _, ifs := range objs {
		if dev, ok := ifs[bzDevIface]; ok {
			name := str(dev, "Alias")
			if name == "" {
				name = str(dev, "Name")
			}
			names[strings.ToUpper(str(dev, "Address"))] = peername.Clean(name)
		}
	}
	return names
}

// detect finds the first hands-free service that runs and lists its phones.
func (d *Dialer) detect(ctx context.Context) (*flavor, []Phone, error) {
	var connErrs []string
	noSession := false
	if c, err := d.conn(false); err == nil {
		if dbusx.HasOwner(ctx, c, pwService) {
			ps, err := d.pipewirePhones(ctx, c, pipewireSession)
			return pipewireSession, ps, err
		}
	} else {
		noSession = true
		connErrs = append(connErrs, strings.TrimPrefix(err.Error(), dialer.ErrUnavailable.Error()+": "))
	}
	// Without a system bus (a container, a minimal system) BlueZ and
	// oFono cannot run: the same message, with the reason, says what to
	// set up.
	if c, err := d.conn(true); err != nil {
		connErrs = append(connErrs, strings.TrimPrefix(err.Error(), dialer.ErrUnavailable.Error()+": "))
	} else {
		if dbusx.HasOwner(ctx, c, pwService) {
			ps, err := d.pipewirePhones(ctx, c, pipewireSystem)
			return pipewireSystem, ps, err
		}
		if dbusx.HasOwner(ctx, c, bzService) {
			if ps, err := d.bluezPhones(ctx, c); err == nil && len(ps) > 0 {
				return bluez, ps, nil
			}
		}
		if dbusx.HasOwner(ctx, c, ofService) {
			return d.ofonoPhones(ctx, c)
		}
	}
	note := ""
	if len(connErrs) > 0 {
		note = " (" + strings.Join(connErrs, "; ")
		if noSession {
			// PipeWire's service is on the user's session bus: without
			// one (a system service, a login over ssh) it cannot be seen.
			note += "; PipeWire's telephony service is on the session bus of the user logged in at the desktop"
		}
		note += ")"
	}
	return nil, nil, fmt.Errorf("%w: %w: none of PipeWire's telephony service (PipeWire 1.4 or later with its native "+
		"hands-free backend), BlueZ telephony (BlueZ 5.86 or later, bluetoothd started with -E) or oFono runs on this computer%s; "+
		"see \"hfp: any phone over Bluetooth\" in docs/phones.md", dialer.ErrUnavailable, ErrNoService, note)
}

func (d *Dialer) pipewirePhones(ctx context.Context, c *dbus.Conn, f *flavor) ([]Phone, error) {
	objs, err := managedObjects(ctx, c, f.name, f.root)
	if err != nil {
		return nil, fmt.Errorf("%w: list the phones of %s: %s", dialer.ErrUnavailable, f.Describe(), dbusx.ErrorText(err))
	}
	names := d.btNames(ctx)
	var ps []Phone
	for p, ifs := range objs {
		ag, ok := ifs[f.agIface]
		if !ok {
			continue
		}
		addr := strings.ToUpper(peername.Clean(str(ag, "Address")))
		name := names[addr]
		if name == "" {
			name = addr
		}
		ps = append(ps, Phone{Name: name, Address: addr, Path: p, Service: f.Describe(), Ready: true})
	}
	sortPhones(ps)
	return ps, nil
}

func (d *Dialer) bluezPhones(ctx context.Context, c *dbus.Conn) ([]Phone, error) {
	objs, err := managedObjects(ctx, c, bzService, "/")
	if err != nil {
		return nil, err
	}
	var ps []Phone
	for p, ifs := range objs {
		tel, ok := ifs[bzTelIface]
		if !ok {
			continue
		}
		dev := objs[dbus.ObjectPath(path.Dir(string(p)))][bzDevIface]
		addr := strings.ToUpper(peername.Clean(str(dev, "Address")))
		name := peername.Clean(str(dev, "Alias"))
		if name == "" {
			name = addr
		}
		ph := Phone{Name: name, Address: addr, Path: p, Service: bluez.Describe(), Ready: true}
		// "connected" once the service level connection is up; the
		// code says "session_connecting" where the document says
		// "slc_connecting".
		if st := str(tel, "State"); st != "connected" {
			ph.Ready, ph.Why = false, "still connecting ("+peername.Clean(st)+")"
		}
		ps = append(ps, ph)
	}
	sortPhones(ps)
	return ps, nil
}

type ofonoModem struct {
	Path  dbus.ObjectPath
	Props map[string]dbus.Variant
}

func (d *Dialer) ofonoPhones(ctx context.Context, c *dbus.Conn) (*flavor, []Phone, error) {
	reply := c.Object(ofService, "/").CallWithContext(ctx, "org.ofono.Manager.GetModems", 0)
	if reply.Err != nil {
		return ofonoFlavor, nil, fmt.Errorf("%w: list oFono's modems: %s", dialer.ErrUnavailable, dbusx.ErrorText(reply.Err))
	}
	// oFono answers a(oa{sv}); PipeWire in oFono mode a{oa{sv}}.
	var modems []ofonoModem
	if err := reply.Store(&modems); err != nil {
		var pw map[dbus.ObjectPath]map[string]dbus.Variant
		if err := reply.Store(&pw); err != nil {
			return ofonoFlavor, nil, fmt.Errorf("%w: list oFono's modems: unexpected reply: %v", dialer.ErrUnavailable, err)
		}
		ps, err := d.pipewirePhones(ctx, c, pipewireOfono)
		return pipewireOfono, ps, err
	}
	for _, m := range modems {
		if strings.HasPrefix(string(m.Path), pwRoot+"/") {
			ps, err := d.pipewirePhones(ctx, c, pipewireOfono)
			return pipewireOfono, ps, err
		}
	}
	var ps []Phone
	for _, m := range modems {
		// oFono's hands-free modems have Type "hfp"; others are this
		// computer's own modems, which the ofono backend serves.
		if str(m.Props, "Type") != "hfp" {
			continue
		}
		flag := func(k string) bool { b, _ := m.Props[k].Value().(bool); return b }
		ifs, _ := m.Props["Interfaces"].Value().([]string)
		ph := Phone{Name: peername.Clean(str(m.Props, "Name")), Address: strings.ToUpper(peername.Clean(str(m.Props, "Serial"))), Path: m.Path, Service: ofonoFlavor.Describe(), Ready: true}
		if ph.Name == "" {
			ph.Name = ph.Address
		}
		switch {
		case !flag("Powered"):
			ph.Ready, ph.Why = false, "oFono has not powered its modem"
		case !slices.Contains(ifs, "org.ofono.VoiceCallManager"):
			ph.Ready, ph.Why = false, "the phone offers no voice calls yet"
		}
		ps = append(ps, ph)
	}
	sortPhones(ps)
	return ofonoFlavor, ps, nil
}

func sortPhones(ps []Phone) {
	slices.SortFunc(ps, func(a, b Phone) int { return strings.Compare(string(a.Path), string(b.Path)) })
}

// Phones lists the phones this computer reaches over Bluetooth hands-free
// and the service that reaches them. The error says why there are none.
func (d *Dialer) Phones(ctx context.Context) ([]Phone, error) {
	_, ps, err := d.detect(ctx)
	return ps, err
}

// Using says which service and phone a call would go through.
func (d *Dialer) Using(ctx context.Context) (string, error) {
	f, p, err := d.pick(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s through %s", p.Name, f.Describe()), nil
}

func names(ps []Phone) string {
	var s []string
	for _, p := range ps {
		s = append(s, fmt.Sprintf("%q", p.Name))
	}
	return strings.Join(s, ", ")
}

// pick detects the service and chooses the phone to call with.
func (d *Dialer) pick(ctx context.Context) (*flavor, Phone, error) {
	f, ps, err := d.detect(ctx)
	if err != nil {
		return nil, Phone{}, err
	}
	if len(ps) == 0 {
		return nil, Phone{}, fmt.Errorf("%w: %w: %s runs, but no phone is connected to this computer for calls: "+
			"pair and connect the phone in the desktop's Bluetooth settings, and allow it to share calls", dialer.ErrUnavailable, ErrNoPhone, f.Describe())
	}
	var cands []Phone
	for _, p := range ps {
		if d.phone == "" || strings.EqualFold(p.Name, d.phone) || strings.EqualFold(p.Address, d.phone) || string(p.Path) == d.phone {
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		return nil, Phone{}, fmt.Errorf("%w: %w: no phone called %q is connected (connected: %s)", dialer.ErrUnavailable, ErrNoPhone, d.phone, names(ps))
	}
	var ready []Phone
	var why []string
	for _, p := range cands {
		if p.Ready {
			ready = append(ready, p)
		} else {
			why = append(why, p.Name+": "+p.Why)
		}
	}
	switch {
	case len(ready) == 0:
		return nil, Phone{}, fmt.Errorf("%w: %w: %s", dialer.ErrUnavailable, ErrNoPhone, strings.Join(why, "; "))
	case len(ready) > 1:
		return nil, Phone{}, fmt.Errorf("%w: several phones are connected (%s): choose one with --backend hfp:NAME, or hfp:ADDRESS "+
			"where two have one name (deskdial phones --local lists them)", dialer.ErrUnavailable, names(ready))
	}
	return f, ready[0], nil
}

// Check reports whether a service runs and exactly one (or the chosen)
// phone is connected and ready.
func (d *Dialer) Check(ctx context.Context) error {
	f, p, err := d.pick(ctx)
	if err != nil || f != ofonoFlavor {
		return err
	}
	return d.ofonoFor(p.Path).Check(ctx)
}

// ofonoFor returns the ofono backend for one modem, the same each time: a
// call is followed by the backend that placed it (oFono's call objects sit
// under their modem, so the handle tells the modem).
func (d *Dialer) ofonoFor(modem dbus.ObjectPath) *ofono.Dialer {
	d.mu.Lock()
	defer d.mu.Unlock()
	if o := d.ofono[modem]; o != nil {
		return o
	}
	o := ofono.New(ofono.WithBusAddress(d.sysAddr), ofono.WithModem(string(modem)))
	d.ofono[modem] = o
	return o
}

// Dial places the call. Hands-free cannot fill in a dialer without calling,
// so call.ModePrefill is refused rather than turned into a call.
func (d *Dialer) Dial(ctx context.Context, req dialer.Request) (dialer.Call, error) {
	if err := telnum.Check(req.Number); err != nil {
		return dialer.Call{}, fmt.Errorf("hfp dial: %w", err)
	}
	if req.Mode == call.ModePrefill {
		return dialer.Call{}, fmt.Errorf("hfp dial: prefill: %w", dialer.ErrUnsupported)
	}
	f, p, err := d.pick(ctx)
	if err != nil {
		return dialer.Call{}, err
	}
	if !req.Expires.IsZero() && time.Now().After(req.Expires) {
		return dialer.Call{}, fmt.Errorf("hfp dial %s: request expired", req.ID)
	}
	if f == ofonoFlavor {
		call, err := d.ofonoFor(p.Path).Dial(ctx, req)
		if err != nil {
			return dialer.Call{}, err
		}
		call.Handle = f.kind + ":" + call.Handle
		return call, nil
	}
	c, err := d.conn(f.system)
	if err != nil {
		return dialer.Call{}, err
	}
	before := map[dbus.ObjectPath]bool{}
	for cp := range d.calls(ctx, c, f, p.Path) {
		before[cp] = true
	}
	// Subscribe before dialling, so no announcement or state is lost.
	sub := dbusx.Subscribe(c)
	arg := req.Number
	if f.uri {
		arg = "tel:" + arg
	}
	reply := c.Object(f.name, p.Path).CallWithContext(ctx, f.agIface+".Dial", 0, arg)
	if reply.Err != nil {
		sub.Close()
		return dialer.Call{}, d.dialError(f, p, reply.Err)
	}
	var callPath dbus.ObjectPath
	if len(reply.Body) == 1 {
		callPath, _ = reply.Body[0].(dbus.ObjectPath)
	}
	state := ""
	if !callPath.IsValid() || callPath == "/" {
		callPath, state, err = d.awaitCall(ctx, c, f, p, before, sub)
		if err != nil {
			sub.Close()
			return dialer.Call{}, err
		}
	}
	d.mu.Lock()
	d.initial[callPath] = state
	d.mu.Unlock()
	d.pending.Put(callPath, sub)
	return dialer.Call{ID: req.ID, Handle: f.kind + ":" + string(callPath)}, nil
}

// calls returns the calls the service lists for the phone at ag, with their
// properties.
func (d *Dialer) calls(ctx context.Context, c *dbus.Conn, f *flavor, ag dbus.ObjectPath) map[dbus.ObjectPath]map[string]dbus.Variant {
	at := f.root
	if f != bluez {
		at = ag // PipeWire lists a phone's calls on its audio gateway
	}
	objs, _ := managedObjects(ctx, c, f.name, at)
	out := map[dbus.ObjectPath]map[string]dbus.Variant{}
	for p, ifs := range objs {
		if props, ok := ifs[f.callIface]; ok && strings.HasPrefix(string(p), string(ag)+"/") {
			out[p] = props
		}
	}
	return out
}

// outgoing reports whether a call state is one of a call being placed.
func outgoing(state string) bool {
	switch state {
	case "dialing", "alerting", "active":
		return true
	}
	return false
}

// awaitCall waits for the call the phone accepted to be announced: the
// first new outgoing call object of the phone.
func (d *Dialer) awaitCall(ctx context.Context, c *dbus.Conn, f *flavor, p Phone, before map[dbus.ObjectPath]bool, sub *dbusx.Sub) (dbus.ObjectPath, string, error) {
	wctx, cancel := context.WithTimeout(ctx, callWait)
	defer cancel()
	// The announcement may have come before the reply; it is on sub then.
	// Look at the list once too, in case the service sent none.
	for cp, props := range d.calls(wctx, c, f, p.Path) {
		if !before[cp] && outgoing(str(props, "State")) {
			drainUntilAdded(sub, cp)
			return cp, str(props, "State"), nil
		}
	}
	for {
		select {
		case <-wctx.Done():
			if ctx.Err() != nil {
				return "", "", ctx.Err()
			}
			return "", "", fmt.Errorf("hfp dial: %s took the number but announced no call within %s; "+
				"look at the phone: it may show the call or an error", p.Name, callWait)
		case sig, ok := <-sub.C():
			if !ok {
				return "", "", fmt.Errorf("%w: lost the connection to the %s", dialer.ErrUnavailable, f.busName())
			}
			if dbusx.OwnerLost(sig, f.name) {
				return "", "", fmt.Errorf("%w: %s stopped while dialling", dialer.ErrUnavailable, f.product)
			}
			if removed(sig) == p.Path {
				return "", "", fmt.Errorf("%w: %w: %s disconnected from this computer while dialling", dialer.ErrUnavailable, ErrNoPhone, p.Name)
			}
			cp, props, ok := added(sig, f.callIface)
			if ok && strings.HasPrefix(string(cp), string(p.Path)+"/") && !before[cp] && outgoing(str(props, "State")) {
				return cp, str(props, "State"), nil
			}
		}
	}
}

// drainUntilAdded drops queued signals up to the announcement of cp, which
// the list already showed, leaving later state changes for Watch.
func drainUntilAdded(sub *dbusx.Sub, cp dbus.ObjectPath) {
	for {
		select {
		case sig, ok := <-sub.C():
			if !ok {
				return
			}
			if p, _, ok := added(sig, ""); ok && p == cp {
				return
			}
		default:
			return
		}
	}
}

// added returns the object an InterfacesAdded signal announces and the
// properties of iface ("" for any interface).
func added(sig *dbus.Signal, iface string) (dbus.ObjectPath, map[string]dbus.Variant, bool) {
	if sig.Name != ifObjectManager+".InterfacesAdded" || len(sig.Body) != 2 {
		return "", nil, false
	}
	p, _ := sig.Body[0].(dbus.ObjectPath)
	ifs, _ := sig.Body[1].(map[string]map[string]dbus.Variant)
	if iface == "" {
		return p, nil, true
	}
	props, ok := ifs[iface]
	return p, props, ok
}

// removed returns the object an InterfacesRemoved signal removes, or "".
func removed(sig *dbus.Signal) dbus.ObjectPath {
	if sig.Name != ifObjectManager+".InterfacesRemoved" || len(sig.Body) != 2 {
		return ""
	}
	p, _ := sig.Body[0].(dbus.ObjectPath)
	return p
}

// dialError words a failed Dial for the user.
func (d *Dialer) dialError(f *flavor, p Phone, err error) error {
	name := dbusx.ErrorName(err)
	text := dbusx.ErrorText(err)
	switch {
	case dbusx.ServiceMissing(err):
		return fmt.Errorf("%w: %s stopped", dialer.ErrUnavailable, f.product)
	case dbusx.ObjectGone(err):
		return fmt.Errorf("%w: %w: %s disconnected from this computer", dialer.ErrUnavailable, ErrNoPhone, p.Name)
	case dbusx.AccessDenied(err):
		return fmt.Errorf("%w: the bus policy does not let this user place calls through %s: %s", dialer.ErrUnavailable, f.product, text)
	case strings.HasSuffix(name, ".InvalidState"), strings.HasSuffix(name, ".InProgress"):
		return fmt.Errorf("%w: %s is busy with another call or command (%s); try again when it is idle", ErrRefused, p.Name, text)
	case strings.HasSuffix(name, ".InvalidFormat"), strings.HasSuffix(name, ".InvalidArguments"), strings.HasSuffix(name, ".InvalidArgs"):
		return fmt.Errorf("%w: %s does not accept this number: %s", ErrRefused, f.product, text)
	case strings.HasSuffix(name, ".NotSupported"):
		return fmt.Errorf("%w: %s cannot place calls: %s", ErrRefused, p.Name, text)
	}
	return fmt.Errorf("%w: %s: %s", ErrRefused, p.Name, text)
}

func parseHandle(h string) (*flavor, dbus.ObjectPath, error) {
	kind, p, _ := strings.Cut(h, ":")
	for _, f := range flavors {
		if f.kind == kind && dbus.ObjectPath(p).IsValid() {
			return f, dbus.ObjectPath(p), nil
		}
	}
	return nil, "", fmt.Errorf("hfp: bad call handle %q", h)
}

// Watch follows the call until it ends, fails, or ctx ends.
func (d *Dialer) Watch(ctx context.Context, call dialer.Call) (<-chan dialer.Event, error) {
	f, cp, err := parseHandle(call.Handle)
	if err != nil {
		return nil, err
	}
	if f == ofonoFlavor {
		return d.ofonoFor(dbus.ObjectPath(path.Dir(string(cp)))).Watch(ctx, dialer.Call{ID: call.ID, Handle: string(cp)})
	}
	sub := d.pending.Take(cp)
	d.mu.Lock()
	init, fromDial := d.initial[cp]
	delete(d.initial, cp)
	d.mu.Unlock()
	if sub == nil {
		c, err := d.conn(f.system)
		if err != nil {
			return nil, err
		}
		sub = dbusx.Subscribe(c)
		fromDial = false
	}
	out := make(chan dialer.Event)
	w := &watch{d: d, f: f, path: cp, ag: dbus.ObjectPath(path.Dir(string(cp))), conn: sub.Conn(),
		Emitter: dbusx.Emitter{Out: out}, nudge: make(chan struct{}, 1)}
	d.mu.Lock()
	d.watches[cp] = append(d.watches[cp], w)
	d.mu.Unlock()
	go func() {
		defer close(out)
		defer sub.Close()
		defer func() {
			d.mu.Lock()
			defer d.mu.Unlock()
			ws := slices.DeleteFunc(d.watches[cp], func(o *watch) bool { return o == w })
			if len(ws) == 0 {
				delete(d.watches, cp)
			} else {
				d.watches[cp] = ws
			}
		}()
		w.run(ctx, sub, fromDial, init)
	}()
	return out, nil
}

// watch is one call being followed.
type watch struct {
	dbusx.Emitter
	d            *Dialer
	f            *flavor
	path, ag     dbus.ObjectPath
	conn         *dbus.Conn
	active       bool          // the call was answered
	disconnected bool          // the service said "disconnected"
	local        atomic.Bool   // the desktop hung up
	nudge        chan struct{} // Hangup wakes the watch to read the state at once
}

func (w *watch) run(ctx context.Context, sub *dbusx.Sub, fromDial bool, init string) {
	if fromDial {
		// Dial returns once the phone accepted the number: the call
		// is being dialled, whatever the service said first.
		if !w.Emit(ctx, call.Dialing, "") || !w.state(ctx, init) {
			return
		}
	} else if !w.read(ctx) {
		return
	}
	// The loop is dbusx's; what differs from dbusx.Service's watch is
	// around it: a call's service is on the session or the system bus
	// depending on the flavor, Dial's first state is applied after
	// dialing, and Hangup nudges this watch alone.
	if !dbusx.Follow(ctx, sub, w.nudge, func() bool { return w.read(ctx) }, func(sig *dbus.Signal) bool { return w.signal(ctx, sig) }) {
		w.Emit(ctx, call.Failed, "lost the connection to the "+w.f.busName())
	}
}

func (w *watch) signal(ctx context.Context, sig *dbus.Signal) bool {
	switch {
	case dbusx.OwnerLost(sig, w.f.name):
		w.Emit(ctx, call.Failed, w.f.product+" stopped during the call")
		return false
	case sig.Path == w.path && sig.Name == ifProperties+".PropertiesChanged" && len(sig.Body) >= 2:
		iface, _ := sig.Body[0].(string)
		props, _ := sig.Body[1].(map[string]dbus.Variant)
		if iface != w.f.callIface {
			return true
		}
		if s, ok := props["State"].Value().(string); ok {
			return w.state(ctx, s)
		}
	case removed(sig) == w.path:
		return w.gone(ctx)
	case removed(sig) == w.ag:
		return w.phoneGone(ctx)
	}
	return true
}

// state maps the service's call state to ours: "held", "incoming",
// "waiting" and "response_and_hold" are no states of a call we placed.
func (w *watch) state(ctx context.Context, s string) bool {
	switch s {
	case "dialing":
		return w.Emit(ctx, call.Dialing, "")
	case "alerting":
		return w.Emit(ctx, call.Alerting, "")
	case "active":
		w.active = true
		return w.Emit(ctx, call.Active, "")
	case "disconnected":
		w.disconnected = true
		w.Emit(ctx, call.Ended, w.endReason())
		return false
	}
	return true
}

func (w *watch) endReason() string {
	switch {
	case w.local.Load():
		return "hung up from the desktop"
	case !w.active:
		return "the call did not connect (busy, declined or not answered)"
	}
	return "the call ended"
}

// read asks the service for the call's state.
func (w *watch) read(ctx context.Context) bool {
	v, err := w.conn.Object(w.f.name, w.path).GetProperty(w.f.callIface + ".State")
	switch {
	case ctx.Err() != nil:
		return false
	case err == nil:
		s, _ := v.Value().(string)
		return w.state(ctx, s)
	case dbusx.ObjectGone(err):
		return w.gone(ctx)
	case dbusx.ServiceMissing(err):
		w.Emit(ctx, call.Failed, w.f.product+" stopped during the call")
		return false
	}
	w.Emit(ctx, call.Failed, "read the call's state from "+w.f.product+": "+dbusx.ErrorText(err))
	return false
}

// gone handles the call object's removal. A call removed without first
// being "disconnected" went with its phone (the services remove a phone's
// calls before the phone), so the phone is asked after.
func (w *watch) gone(ctx context.Context) bool {
	if !w.disconnected {
		_, err := w.conn.Object(w.f.name, w.ag).GetProperty(w.f.agIface + ".State")
		if w.f.agIface == pwAGIface {
			_, err = w.conn.Object(w.f.name, w.ag).GetProperty(w.f.agIface + ".Address")
		}
		if err != nil && (dbusx.ObjectGone(err) || dbusx.ServiceMissing(err) || strings.HasSuffix(dbusx.ErrorName(err), "UnknownProperty")) {
			return w.phoneGone(ctx)
		}
	}
	w.Emit(ctx, call.Ended, w.endReason())
	return false
}

func (w *watch) phoneGone(ctx context.Context) bool {
	reason := "the phone disconnected from this computer before the call connected (out of range, or Bluetooth turned off)"
	if w.active {
		reason = "the phone disconnected from this computer during the call (out of range, or Bluetooth turned off); the call may go on on the phone"
	}
	w.Emit(ctx, call.Failed, reason)
	return false
}

// Hangup ends the call. A call that is already over counts as hung up.
func (d *Dialer) Hangup(ctx context.Context, call dialer.Call) error {
	f, cp, err := parseHandle(call.Handle)
	if err != nil {
		return err
	}
	if f == ofonoFlavor {
		return d.ofonoFor(dbus.ObjectPath(path.Dir(string(cp)))).Hangup(ctx, dialer.Call{ID: call.ID, Handle: string(cp)})
	}
	c, err := d.conn(f.system)
	if err != nil {
		return err
	}
	// Mark the watches first, so the end the service reports is put down
	// to the desktop whichever arrives first.
	d.mu.Lock()
	ws := slices.Clone(d.watches[cp])
	d.mu.Unlock()
	for _, w := range ws {
		w.local.Store(true)
	}
	err = c.Object(f.name, cp).CallWithContext(ctx, f.callIface+".Hangup", 0).Err
	switch {
	case err == nil, dbusx.ObjectGone(err), strings.HasSuffix(dbusx.ErrorName(err), ".InvalidState"):
		for _, w := range ws {
			select {
			case w.nudge <- struct{}{}:
			default:
			}
		}
		return nil
	case dbusx.ServiceMissing(err):
		return fmt.Errorf("%w: %s is not running", dialer.ErrUnavailable, f.product)
	}
	return fmt.Errorf("hfp hangup: %s", dbusx.ErrorText(err))
}
