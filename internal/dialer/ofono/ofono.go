// Package ofono is the oFono backend: Linux phones that run oFono (Ubuntu
// Touch, Sailfish OS) and Linux desktops that reach a paired phone over
// Bluetooth hands-free through oFono and BlueZ.
//
// It uses the documented oFono D-Bus API on the system bus:
// org.ofono.Manager.GetModems to find a modem,
// org.ofono.VoiceCallManager.Dial to place the call, the org.ofono.VoiceCall
// State property (dialing, alerting, active, disconnected) and the
// VoiceCallManager CallRemoved signal to follow it, and
// org.ofono.VoiceCall.Hangup to end it.
package ofono

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/dbusx"
)

const (
	service      = "org.ofono"
	ifManager    = "org.ofono.Manager"
	ifVoiceCalls = "org.ofono.VoiceCallManager"
	ifCall       = "org.ofono.VoiceCall"
)

// ErrNoModem means oFono runs but has no modem that can place a voice call.
var ErrNoModem = errors.New("ofono: no usable modem")

// Option configures a Dialer.
type Option func(*Dialer)

// WithModem selects the modem by object path ("/ril_0", "/hfp/org/bluez/hci0/dev_..."),
// instead of the first powered, online modem with voice calls.
func WithModem(path string) Option { return func(d *Dialer) { d.modem = path } }

// WithBusAddress connects to the bus at addr instead of the system bus.
func WithBusAddress(addr string) Option { return func(d *Dialer) { d.addr = addr } }

// Dialer places calls through oFono.
type Dialer struct {
	modem string
	addr  string
	svc   *dbusx.Service
}

// New returns an oFono dialer. It connects to the bus on first use.
func New(opts ...Option) *Dialer {
	d := &Dialer{}
	for _, o := range opts {
		o(d)
	}
	d.svc = &dbusx.Service{
		Name: service, Product: "oFono", Unit: "ofono.service", Backend: "ofono", Addr: d.addr,
		FindModem: d.findModem,
		// CallRemoved is matched without a path: oFono sends it from the
		// modem, but some implementations send it from the call object.
		Rules: [][]dbus.MatchOption{
			{dbus.WithMatchSender(service), dbus.WithMatchInterface(ifCall), dbus.WithMatchMember("PropertyChanged")},
			{dbus.WithMatchSender(service), dbus.WithMatchInterface(ifCall), dbus.WithMatchMember("DisconnectReason")},
			{dbus.WithMatchSender(service), dbus.WithMatchInterface(ifVoiceCalls), dbus.WithMatchMember("CallRemoved")},
		},
	}
	return d
}

func (d *Dialer) Name() string { return "ofono" }

func (d *Dialer) Capabilities() dialer.Capabilities {
	return dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}
}

// Close drops the bus connection.
func (d *Dialer) Close() error { return d.svc.Close() }

type modem struct {
	Path  dbus.ObjectPath
	Props map[string]dbus.Variant
}

func (m modem) flag(name string) bool {
	v, _ := m.Props[name].Value().(bool)
	return v
}

func (m modem) interfaces() []string {
	v, _ := m.Props["Interfaces"].Value().([]string)
	return v
}

// unusable says why m cannot place a voice call, or "" if it can.
func (m modem) unusable() string {
	switch {
	case !m.flag("Powered"):
		return fmt.Sprintf("modem %s is powered off (power it on in the phone's settings, or: "+
			"dbus-send --system --dest=org.ofono %s org.ofono.Modem.SetProperty string:Powered variant:boolean:true)", m.Path, m.Path)
	case !m.flag("Online"):
		return fmt.Sprintf("modem %s is offline (flight mode?)", m.Path)
	case !slices.Contains(m.interfaces(), ifVoiceCalls):
		return fmt.Sprintf("modem %s offers no voice calls (no SIM, or a Bluetooth phone that is not connected for hands-free)", m.Path)
	}
	return ""
}

// findModem returns the modem to dial with, or an error wrapping
// dialer.ErrUnavailable that says what to fix.
func (d *Dialer) findModem(ctx context.Context, conn *dbus.Conn) (dbus.ObjectPath, error) {
	var modems []modem
	if err := conn.Object(service, "/").CallWithContext(ctx, ifManager+".GetModems", 0).Store(&modems); err != nil {
		return "", d.svc.ListError(err)
	}
	var reasons []string
	for _, m := range modems {
		if d.modem != "" && string(m.Path) != d.modem {
			continue
		}
		why := m.unusable()
		if why == "" {
			return m.Path, nil
		}
		reasons = append(reasons, why)
	}
	if d.modem != "" && len(reasons) == 0 {
		var have []string
		for _, m := range modems {
			have = append(have, string(m.Path))
		}
		return "", fmt.Errorf("%w: %w: modem %s not found (oFono has: %s)", dialer.ErrUnavailable, ErrNoModem, d.modem, listOrNone(have))
	}
	if len(reasons) == 0 {
		return "", fmt.Errorf("%w: %w: oFono reports no modems", dialer.ErrUnavailable, ErrNoModem)
	}
	return "", fmt.Errorf("%w: %w: %s", dialer.ErrUnavailable, ErrNoModem, strings.Join(reasons, "; "))
}

func listOrNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

// Check reports whether oFono runs and a modem can place a voice call.
func (d *Dialer) Check(ctx context.Context) error { return d.svc.Check(ctx) }

// Dial places the call. oFono has no "prefill" notion, so call.ModePrefill is
// refused rather than silently turned into a call.
func (d *Dialer) Dial(ctx context.Context, req dialer.Request) (dialer.Call, error) {
	conn, path, err := d.svc.Prepare(ctx, req)
	if err != nil {
		return dialer.Call{}, err
	}
	// Subscribe before dialling so Watch sees every state from the start.
	sub := dbusx.Subscribe(conn)
	// "" lets the network decide whether to show our number (oFono's "default").
	call := conn.Object(service, path).CallWithContext(ctx, ifVoiceCalls+".Dial", 0, req.Number, "")
	if call.Err != nil {
		sub.Close()
		if dbusx.ServiceMissing(call.Err) {
			return dialer.Call{}, fmt.Errorf("%w: oFono stopped", dialer.ErrUnavailable)
		}
		return dialer.Call{}, fmt.Errorf("ofono dial: %s", dbusx.ErrorText(call.Err))
	}
	var callPath dbus.ObjectPath
	if len(call.Body) == 1 {
		// oFono's signature is "o"; python-dbusmock's oFono template
		// answers "s". Accepting both costs nothing.
		switch v := call.Body[0].(type) {
		case dbus.ObjectPath:
			callPath = v
		case string:
			callPath = dbus.ObjectPath(v)
		}
	}
	if !callPath.IsValid() {
		sub.Close()
		return dialer.Call{}, fmt.Errorf("ofono dial: unexpected reply %v", call.Body)
	}
	d.svc.Keep(callPath, sub)
	return dialer.Call{ID: req.ID, Handle: string(callPath)}, nil
}

// mapState maps oFono's VoiceCall.State to ours; ok is false for states that
// do not concern an outgoing call (incoming, waiting) or that we do not
// report (held).
func mapState(s string) (call.State, bool) {
	switch s {
	case "dialing":
		return call.Dialing, true
	case "alerting":
		return call.Alerting, true
	case "active":
		return call.Active, true
	case "disconnected":
		return call.Ended, true
	}
	return "", false
}

// Watch follows the call until it ends, fails, or ctx ends.
func (d *Dialer) Watch(ctx context.Context, c dialer.Call) (<-chan dialer.Event, error) {
	return d.svc.Watch(ctx, c.Handle, &follower{})
}

// Read asks oFono for the call's state.
func (f *follower) Read(ctx context.Context, w *dbusx.Watch, goneReason string) bool {
	var props map[string]dbus.Variant
	err := w.Conn.Object(service, w.Path).CallWithContext(ctx, ifCall+".GetProperties", 0).Store(&props)
	if w.ReadFailed(ctx, err, goneReason) {
		return false
	}
	s, _ := props["State"].Value().(string)
	if st, ok := mapState(s); ok {
		return w.Emit(ctx, st, f.endReason(w, st))
	}
	return true
}

// Signal follows VoiceCall's PropertyChanged and DisconnectReason and the
// modem's CallRemoved.
func (f *follower) Signal(ctx context.Context, w *dbusx.Watch, sig *dbus.Signal) bool {
	switch {
	case sig.Path == w.Path && sig.Name == ifCall+".DisconnectReason" && len(sig.Body) == 1:
		r, _ := sig.Body[0].(string)
		f.reason = disconnectReason(r)
	case sig.Path == w.Path && sig.Name == ifCall+".PropertyChanged" && len(sig.Body) == 2:
		name, _ := sig.Body[0].(string)
		v, _ := sig.Body[1].(dbus.Variant)
		s, _ := v.Value().(string)
		if name != "State" {
			return true
		}
		st, ok := mapState(s)
		if !ok {
			return true
		}
		return w.Emit(ctx, st, f.endReason(w, st))
	case sig.Name == ifVoiceCalls+".CallRemoved" && len(sig.Body) == 1:
		if p, _ := sig.Body[0].(dbus.ObjectPath); p != w.Path {
			return true
		}
		w.Emit(ctx, call.Ended, f.endReason(w, call.Ended))
		return false
	}
	return true
}

// Finish has nothing to tidy: oFono removes a call once it is over.
func (f *follower) Finish(*dbusx.Watch) {}

// follower reads one call's oFono states for dbusx.Service.Watch.
type follower struct {
	reason string // the worded DisconnectReason, once oFono sent it
}

func (f *follower) endReason(w *dbusx.Watch, st call.State) string {
	switch {
	case st != call.Ended:
		return ""
	case w.Local && (f.reason == "" || f.reason == disconnectReason("local")):
		return "hung up from the desktop"
	}
	return f.reason
}

// disconnectReason words oFono's VoiceCall.DisconnectReason for a user.
func disconnectReason(r string) string {
	switch r {
	case "local":
		return "hung up on the phone"
	case "remote":
		return "the other side hung up"
	case "network":
		return "the network ended the call"
	}
	return r
}

// Hangup ends the call. A call that is already gone counts as hung up.
func (d *Dialer) Hangup(ctx context.Context, c dialer.Call) error {
	return d.svc.Hangup(ctx, c.Handle, ifCall+".Hangup")
}
