// Package modemmanager is the ModemManager backend: Linux phones such as
// postmarketOS, Mobian and PureOS devices, where GNOME Calls and Plasma
// Dialer also go through ModemManager.
//
// It uses the published org.freedesktop.ModemManager1 D-Bus API on the
// system bus: the ObjectManager at /org/freedesktop/ModemManager1 to find a
// modem with the Modem.Voice interface, Voice.CreateCall({"number": ...})
// and Call.Start() to place the call, Call.StateChanged and the State
// property to follow it, Call.Hangup() to end it, and Voice.DeleteCall() to
// tidy up once it is over.
package modemmanager

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/dbusx"
)

const (
	service   = "org.freedesktop.ModemManager1"
	root      = dbus.ObjectPath("/org/freedesktop/ModemManager1")
	ifModem   = "org.freedesktop.ModemManager1.Modem"
	ifVoice   = "org.freedesktop.ModemManager1.Modem.Voice"
	ifCall    = "org.freedesktop.ModemManager1.Call"
	ifObjMgr  = "org.freedesktop.DBus.ObjectManager"
	ifProps   = "org.freedesktop.DBus.Properties"
	errPrefix = "org.freedesktop.ModemManager1.Error."
)

// MMCallState, from ModemManager-enums.h.
const (
	callUnknown    int32 = 0
	callDialing    int32 = 1
	callRingingOut int32 = 2
	callRingingIn  int32 = 3
	callActive     int32 = 4
	callHeld       int32 = 5
	callWaiting    int32 = 6
	callTerminated int32 = 7
)

// MMCallStateReason, from ModemManager-enums.h.
const (
	reasonTerminated       = 4
	reasonRefusedOrBusy    = 5
	reasonError            = 6
	reasonAudioSetupFailed = 7
	reasonTransferred      = 8
	reasonDeflected        = 9
)

// MMModemState, from ModemManager-enums.h.
const (
	modemFailed     int32 = -1
	modemLocked     int32 = 2
	modemDisabled   int32 = 3
	modemDisabling  int32 = 4
	modemEnabled    int32 = 6
	modemSearching  int32 = 7
	modemRegistered int32 = 8
)

// ErrNoModem means ModemManager runs but has no modem that can place a call.
var ErrNoModem = errors.New("modemmanager: no usable modem")

// Option configures a Dialer.
type Option func(*Dialer)

// WithModem selects the modem by object path
// ("/org/freedesktop/ModemManager1/Modem/0") or by its index ("0", as in
// `mmcli -m 0`), instead of the first registered modem with voice support.
func WithModem(m string) Option { return func(d *Dialer) { d.modem = m } }

// WithBusAddress connects to the bus at addr instead of the system bus.
func WithBusAddress(addr string) Option { return func(d *Dialer) { d.addr = addr } }

// Dialer places calls through ModemManager.
type Dialer struct {
	modem string
	addr  string
	svc   *dbusx.Service

	mu     sync.Mutex
	owners map[dbus.ObjectPath]dbus.ObjectPath // call -> modem, for DeleteCall
}

// New returns a ModemManager dialer. It connects to the bus on first use.
func New(opts ...Option) *Dialer {
	d := &Dialer{owners: map[dbus.ObjectPath]dbus.ObjectPath{}}
	for _, o := range opts {
		o(d)
	}
	d.svc = &dbusx.Service{
		Name: service, Product: "ModemManager", Unit: "ModemManager.service", Backend: "modemmanager", Addr: d.addr,
		FindModem: d.findModem,
		Rules: [][]dbus.MatchOption{
			{dbus.WithMatchSender(service), dbus.WithMatchInterface(ifCall), dbus.WithMatchMember("StateChanged")},
			{dbus.WithMatchSender(service), dbus.WithMatchInterface(ifVoice), dbus.WithMatchMember("CallDeleted")},
		},
	}
	return d
}

func (d *Dialer) Name() string { return "modemmanager" }

func (d *Dialer) Capabilities() dialer.Capabilities {
	return dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}
}

// Close drops the bus connection.
func (d *Dialer) Close() error { return d.svc.Close() }

type modem struct {
	path  dbus.ObjectPath
	ifs   map[string]map[string]dbus.Variant
	index string
}

func (m modem) state() int32 {
	v, _ := m.ifs[ifModem]["State"].Value().(int32)
	return v
}

// failedReasons words MMModemStateFailedReason.
var failedReasons = map[uint32]string{
	2: "no SIM card",
	3: "the SIM card is unusable (blocked?)",
	4: "unknown modem capabilities",
	5: "the eSIM has no profile",
}

// unusable says why m cannot place a voice call now, or "".
func (m modem) unusable() string {
	if _, ok := m.ifs[ifVoice]; !ok {
		return fmt.Sprintf("modem %s has no voice support", m.index)
	}
	switch st := m.state(); {
	case st == modemFailed:
		r, _ := m.ifs[ifModem]["StateFailedReason"].Value().(uint32)
		why := failedReasons[r]
		if why == "" {
			why = "unknown failure"
		}
		return fmt.Sprintf("modem %s failed: %s", m.index, why)
	case st == modemLocked:
		return fmt.Sprintf("modem %s is locked: enter the SIM PIN (mmcli -i any --pin=PIN)", m.index)
	case st == modemDisabled || st == modemDisabling:
		return fmt.Sprintf("modem %s is disabled (enable it: mmcli -m %s -e)", m.index, m.index)
	case st == modemEnabled || st == modemSearching:
		return fmt.Sprintf("modem %s is not registered on a mobile network yet", m.index)
	case st < modemEnabled:
		return fmt.Sprintf("modem %s is still starting up (state %d)", m.index, st)
	}
	return ""
}

func (d *Dialer) wants(m modem) bool {
	switch {
	case d.modem == "":
		return true
	case strings.HasPrefix(d.modem, "/"):
		return string(m.path) == d.modem
	}
	return m.index == d.modem
}

func (d *Dialer) findModem(ctx context.Context, conn *dbus.Conn) (dbus.ObjectPath, error) {
	var objs map[dbus.ObjectPath]map[string]map[string]dbus.Variant
	if err := conn.Object(service, root).CallWithContext(ctx, ifObjMgr+".GetManagedObjects", 0).Store(&objs); err != nil {
		return "", d.svc.ListError(err)
	}
	var modems []modem
	for p, ifs := range objs {
		if _, ok := ifs[ifModem]; !ok {
			continue
		}
		idx := string(p)
		if i := strings.LastIndexByte(idx, '/'); i >= 0 {
			idx = idx[i+1:]
		}
		modems = append(modems, modem{path: p, ifs: ifs, index: idx})
	}
	// Map order is random; the lowest index is what `mmcli -m any` means
	// to most users.
	sortModems(modems)
	var reasons, have []string
	for _, m := range modems {
		have = append(have, m.index)
		if !d.wants(m) {
			continue
		}
		why := m.unusable()
		if why == "" {
			return m.path, nil
		}
		reasons = append(reasons, why)
	}
	switch {
	case d.modem != "" && len(reasons) == 0:
		if len(have) == 0 {
			have = []string{"none"}
		}
		return "", fmt.Errorf("%w: %w: modem %s not found (ModemManager has: %s)", dialer.ErrUnavailable, ErrNoModem, d.modem, strings.Join(have, ", "))
	case len(reasons) == 0:
		return "", fmt.Errorf("%w: %w: ModemManager reports no modems", dialer.ErrUnavailable, ErrNoModem)
	}
	return "", fmt.Errorf("%w: %w: %s", dialer.ErrUnavailable, ErrNoModem, strings.Join(reasons, "; "))
}

func sortModems(ms []modem) {
	less := func(a, b modem) bool {
		if len(a.index) != len(b.index) {
			return len(a.index) < len(b.index)
		}
		return a.index < b.index
	}
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && less(ms[j], ms[j-1]); j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// Check reports whether ModemManager runs and a modem can place a call.
func (d *Dialer) Check(ctx context.Context) error { return d.svc.Check(ctx) }

// Dial creates and starts the call. ModemManager cannot prefill a dialer,
// so call.ModePrefill is refused rather than turned into a call.
func (d *Dialer) Dial(ctx context.Context, req dialer.Request) (dialer.Call, error) {
	conn, mpath, err := d.svc.Prepare(ctx, req)
	if err != nil {
		return dialer.Call{}, err
	}
	var cpath dbus.ObjectPath
	props := map[string]dbus.Variant{"number": dbus.MakeVariant(req.Number)}
	if err := conn.Object(service, mpath).CallWithContext(ctx, ifVoice+".CreateCall", 0, props).Store(&cpath); err != nil {
		return dialer.Call{}, fmt.Errorf("modemmanager create call: %s", dbusx.ErrorText(err))
	}
	// Subscribe before Start so Watch sees every state from the start.
	sub := dbusx.Subscribe(conn)
	if err := conn.Object(service, cpath).CallWithContext(ctx, ifCall+".Start", 0).Err; err != nil {
		sub.Close()
		d.deleteCall(conn, mpath, cpath)
		return dialer.Call{}, fmt.Errorf("modemmanager start call: %s", dbusx.ErrorText(err))
	}
	d.mu.Lock()
	d.owners[cpath] = mpath
	d.mu.Unlock()
	d.svc.Keep(cpath, sub)
	return dialer.Call{ID: req.ID, Handle: string(cpath)}, nil
}

// deleteCall frees the call object, as ModemManager clients are expected to
// once a call is over; failure only leaves a stale entry in `mmcli -m N --voice-list-calls`.
func (d *Dialer) deleteCall(conn *dbus.Conn, mpath, cpath dbus.ObjectPath) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = conn.Object(service, mpath).CallWithContext(ctx, ifVoice+".DeleteCall", 0, cpath).Err
}

// Watch follows the call until it ends, fails, or ctx ends.
func (d *Dialer) Watch(ctx context.Context, c dialer.Call) (<-chan dialer.Event, error) {
	return d.svc.Watch(ctx, c.Handle, follower{d})
}

// follower reads one call's ModemManager states for dbusx.Service.Watch.
type follower struct{ d *Dialer }

// apply maps a ModemManager call state (and reason) to ours and sends it;
// it returns false once the watch is over.
func (follower) apply(ctx context.Context, w *dbusx.Watch, st int32, reason uint32) bool {
	switch st {
	case callUnknown, callDialing:
		return w.Emit(ctx, call.Dialing, "")
	case callRingingOut, callWaiting:
		return w.Emit(ctx, call.Alerting, "")
	case callActive:
		return w.Emit(ctx, call.Active, "")
	case callTerminated:
		wasActive := w.Last() == call.Active
		switch reason {
		case reasonRefusedOrBusy:
			return w.Emit(ctx, call.Ended, "the other side is busy or refused the call")
		case reasonError:
			if wasActive {
				return w.Emit(ctx, call.Ended, "the network dropped the call")
			}
			return w.Emit(ctx, call.Failed, "wrong number or network error")
		case reasonAudioSetupFailed:
			return w.Emit(ctx, call.Failed, "the phone could not set up call audio")
		case reasonTransferred:
			return w.Emit(ctx, call.Ended, "transferred")
		case reasonDeflected:
			return w.Emit(ctx, call.Ended, "deflected")
		}
		if w.Local {
			return w.Emit(ctx, call.Ended, "hung up from the desktop")
		}
		return w.Emit(ctx, call.Ended, "")
	}
	// RINGING_IN and HELD do not change what the desktop shows.
	return true
}

// Read asks ModemManager for the call's state.
func (f follower) Read(ctx context.Context, w *dbusx.Watch, goneReason string) bool {
	var all map[string]dbus.Variant
	err := w.Conn.Object(service, w.Path).CallWithContext(ctx, ifProps+".GetAll", 0, ifCall).Store(&all)
	if w.ReadFailed(ctx, err, goneReason) {
		return false
	}
	st, _ := all["State"].Value().(int32)
	reason, _ := all["StateReason"].Value().(int32)
	return f.apply(ctx, w, st, uint32(reason))
}

// Signal follows Call.StateChanged and Voice.CallDeleted.
func (f follower) Signal(ctx context.Context, w *dbusx.Watch, sig *dbus.Signal) bool {
	switch {
	case sig.Path == w.Path && sig.Name == ifCall+".StateChanged" && len(sig.Body) == 3:
		st, _ := sig.Body[1].(int32)
		reason, _ := sig.Body[2].(uint32)
		return f.apply(ctx, w, st, reason)
	case sig.Name == ifVoice+".CallDeleted" && len(sig.Body) == 1:
		if p, _ := sig.Body[0].(dbus.ObjectPath); p == w.Path {
			w.Gone = true
			w.Emit(ctx, call.Ended, "")
			return false
		}
	}
	return true
}

// Finish deletes a call that is over, unless it is gone already.
func (f follower) Finish(w *dbusx.Watch) {
	if w.Last() != call.Ended && w.Last() != call.Failed {
		return
	}
	f.d.mu.Lock()
	mpath, ok := f.d.owners[w.Path]
	delete(f.d.owners, w.Path)
	f.d.mu.Unlock()
	if ok && !w.Gone {
		f.d.deleteCall(w.Conn, mpath, w.Path)
	}
}

// Hangup ends the call. A call that is already over counts as hung up.
func (d *Dialer) Hangup(ctx context.Context, c dialer.Call) error {
	return d.svc.Hangup(ctx, c.Handle, ifCall+".Hangup", errPrefix+"Core.WrongState")
}
