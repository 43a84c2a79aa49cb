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
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/dbusx"
	"github.com/deskdial/deskdial/internal/dialer/internal/telnum"
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

	mu      sync.Mutex
	conn    *dbus.Conn
	pending dbusx.Pending
	nudges  dbusx.Nudges
}

// New returns an oFono dialer. It connects to the bus on first use.
func New(opts ...Option) *Dialer {
	d := &Dialer{}
	for _, o := range opts {
		o(d)
	}
	return d
}

func (d *Dialer) Name() string { return "ofono" }

func (d *Dialer) Capabilities() dialer.Capabilities {
	return dialer.Capabilities{PlacesCalls: true, ReportsStates: true, CanHangup: true}
}

// Close drops the bus connection.
func (d *Dialer) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pending.CloseAll()
	if d.conn == nil {
		return nil
	}
	err := d.conn.Close()
	d.conn = nil
	return err
}

// bus returns a live connection, reconnecting after the bus went away.
func (d *Dialer) bus() (*dbus.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.conn != nil && d.conn.Connected() {
		return d.conn, nil
	}
	conn, err := dbusx.Connect(d.addr)
	if err != nil {
		return nil, fmt.Errorf("%w: connect to the system bus: %v", dialer.ErrUnavailable, err)
	}
	// The rules are per connection, so they are added once here. CallRemoved
	// is matched without a path: oFono sends it from the modem, but some
	// implementations send it from the call object.
	err = dbusx.AddMatches(conn,
		[]dbus.MatchOption{dbus.WithMatchSender(service), dbus.WithMatchInterface(ifCall), dbus.WithMatchMember("PropertyChanged")},
		[]dbus.MatchOption{dbus.WithMatchSender(service), dbus.WithMatchInterface(ifCall), dbus.WithMatchMember("DisconnectReason")},
		[]dbus.MatchOption{dbus.WithMatchSender(service), dbus.WithMatchInterface(ifVoiceCalls), dbus.WithMatchMember("CallRemoved")},
		dbusx.NameOwnerMatch(service),
	)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: %v", dialer.ErrUnavailable, err)
	}
	d.conn = conn
	return conn, nil
}

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
	err := conn.Object(service, "/").CallWithContext(ctx, ifManager+".GetModems", 0).Store(&modems)
	switch {
	case dbusx.ServiceMissing(err):
		return "", fmt.Errorf("%w: oFono is not running (nobody owns %s on the system bus; start ofono.service)", dialer.ErrUnavailable, service)
	case dbusx.AccessDenied(err):
		return "", fmt.Errorf("%w: the system bus policy does not let this user talk to oFono: %s", dialer.ErrUnavailable, dbusx.ErrorText(err))
	case err != nil:
		return "", fmt.Errorf("%w: list oFono modems: %v", dialer.ErrUnavailable, err)
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
func (d *Dialer) Check(ctx context.Context) error {
	conn, err := d.bus()
	if err != nil {
		return err
	}
	_, err = d.findModem(ctx, conn)
	return err
}

// Dial places the call. oFono has no "prefill" notion, so ModePrefill is
// refused rather than silently turned into a call.
func (d *Dialer) Dial(ctx context.Context, req dialer.Request) (dialer.Call, error) {
	if err := telnum.Check(req.Number); err != nil {
		return dialer.Call{}, fmt.Errorf("ofono dial: %w", err)
	}
	if req.Mode == dialer.ModePrefill {
		return dialer.Call{}, fmt.Errorf("ofono dial: prefill: %w", dialer.ErrUnsupported)
	}
	conn, err := d.bus()
	if err != nil {
		return dialer.Call{}, err
	}
	path, err := d.findModem(ctx, conn)
	if err != nil {
		return dialer.Call{}, err
	}
	if !req.Expires.IsZero() && time.Now().After(req.Expires) {
		return dialer.Call{}, fmt.Errorf("ofono dial %s: request expired", req.ID)
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
	d.pending.Put(callPath, sub)
	return dialer.Call{ID: req.ID, Handle: string(callPath)}, nil
}

// mapState maps oFono's VoiceCall.State to ours; ok is false for states that
// do not concern an outgoing call (incoming, waiting) or that we do not
// report (held).
func mapState(s string) (dialer.State, bool) {
	switch s {
	case "dialing":
		return dialer.StateDialing, true
	case "alerting":
		return dialer.StateAlerting, true
	case "active":
		return dialer.StateActive, true
	case "disconnected":
		return dialer.StateEnded, true
	}
	return "", false
}

// Watch follows the call until it ends, fails, or ctx ends.
func (d *Dialer) Watch(ctx context.Context, c dialer.Call) (<-chan dialer.Event, error) {
	path := dbus.ObjectPath(c.Handle)
	if !path.IsValid() {
		return nil, fmt.Errorf("ofono watch: bad call handle %q", c.Handle)
	}
	sub := d.pending.Take(path)
	fromDial := sub != nil
	if !fromDial {
		conn, err := d.bus()
		if err != nil {
			return nil, err
		}
		sub = dbusx.Subscribe(conn)
	}
	out := make(chan dialer.Event)
	nudge, stop := d.nudges.Listen(path)
	go func() {
		defer close(out)
		defer sub.Close()
		defer stop()
		w := watcher{Emitter: dbusx.Emitter{Out: out}, nudge: nudge}
		w.run(ctx, sub.Conn(), sub, path, fromDial)
	}()
	return out, nil
}

// poll reads the call's state from oFono; it returns false once the watch
// is over.
func (w *watcher) poll(ctx context.Context, conn *dbus.Conn, path dbus.ObjectPath, goneReason string) bool {
	var props map[string]dbus.Variant
	err := conn.Object(service, path).CallWithContext(ctx, ifCall+".GetProperties", 0).Store(&props)
	switch {
	case ctx.Err() != nil:
		return false
	case dbusx.ObjectGone(err):
		w.Emit(ctx, dialer.StateEnded, goneReason)
		return false
	case dbusx.ServiceMissing(err):
		w.Emit(ctx, dialer.StateFailed, "oFono stopped during the call")
		return false
	case err != nil:
		w.Emit(ctx, dialer.StateFailed, "read call state from oFono: "+dbusx.ErrorText(err))
		return false
	}
	s, _ := props["State"].Value().(string)
	if st, ok := mapState(s); ok {
		return w.Emit(ctx, st, w.endReason(st))
	}
	return true
}

func (w *watcher) run(ctx context.Context, conn *dbus.Conn, sub *dbusx.Sub, path dbus.ObjectPath, fromDial bool) {
	if fromDial {
		// Dial returns once oFono created the call, which starts in
		// "dialing"; later changes are already queued on sub.
		if !w.Emit(ctx, dialer.StateDialing, "") {
			return
		}
	} else if !w.poll(ctx, conn, path, "the call is already over") {
		return
	}
	for {
		var sig *dbus.Signal
		var ok bool
		select {
		case <-ctx.Done():
			return
		case <-w.nudge:
			w.local = true
			if !w.poll(ctx, conn, path, "hung up from the desktop") {
				return
			}
			continue
		case sig, ok = <-sub.C():
		}
		if !ok {
			w.Emit(ctx, dialer.StateFailed, "lost the connection to the system bus")
			return
		}
		switch {
		case dbusx.OwnerLost(sig, service):
			w.Emit(ctx, dialer.StateFailed, "oFono stopped during the call")
			return
		case sig.Path == path && sig.Name == ifCall+".DisconnectReason" && len(sig.Body) == 1:
			r, _ := sig.Body[0].(string)
			w.reason = disconnectReason(r)
		case sig.Path == path && sig.Name == ifCall+".PropertyChanged" && len(sig.Body) == 2:
			name, _ := sig.Body[0].(string)
			v, _ := sig.Body[1].(dbus.Variant)
			s, _ := v.Value().(string)
			if name != "State" {
				continue
			}
			st, ok := mapState(s)
			if !ok {
				continue
			}
			if !w.Emit(ctx, st, w.endReason(st)) {
				return
			}
		case sig.Name == ifVoiceCalls+".CallRemoved" && len(sig.Body) == 1:
			if p, _ := sig.Body[0].(dbus.ObjectPath); p != path {
				continue
			}
			w.Emit(ctx, dialer.StateEnded, w.endReason(dialer.StateEnded))
			return
		}
	}
}

type watcher struct {
	dbusx.Emitter
	nudge  <-chan struct{}
	reason string
	local  bool // we asked for the hang-up
}

func (w *watcher) endReason(st dialer.State) string {
	switch {
	case st != dialer.StateEnded:
		return ""
	case w.local && (w.reason == "" || w.reason == disconnectReason("local")):
		return "hung up from the desktop"
	}
	return w.reason
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
	path := dbus.ObjectPath(c.Handle)
	if !path.IsValid() {
		return fmt.Errorf("ofono hangup: bad call handle %q", c.Handle)
	}
	conn, err := d.bus()
	if err != nil {
		return err
	}
	// Tell our watchers first, so the end the service reports is
	// attributed to the desktop whichever arrives first.
	d.nudges.Nudge(path)
	err = conn.Object(service, path).CallWithContext(ctx, ifCall+".Hangup", 0).Err
	switch {
	case err == nil, dbusx.ObjectGone(err):
		d.nudges.Nudge(path)
		return nil
	case dbusx.ServiceMissing(err):
		return fmt.Errorf("%w: oFono is not running", dialer.ErrUnavailable)
	}
	return fmt.Errorf("ofono hangup: %s", dbusx.ErrorText(err))
}
