// Package dbusx holds the D-Bus plumbing shared by the oFono and
// ModemManager backends: connecting, classifying errors, and per-call signal
// subscriptions that keep signal order.
package dbusx

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
)

// Connect opens a private connection to the bus at addr, or to the system
// bus (honouring DBUS_SYSTEM_BUS_ADDRESS) when addr is empty. The sequential
// signal handler keeps signals in the order the bus delivered them; the
// default handler may reorder a burst, which would turn "active, disconnected"
// into "disconnected, active".
func Connect(addr string) (*dbus.Conn, error) {
	opt := dbus.WithSignalHandler(dbus.NewSequentialSignalHandler())
	if addr == "" {
		return dbus.ConnectSystemBus(opt)
	}
	return dbus.Connect(addr, opt)
}

// ErrorName returns the D-Bus error name behind err, or "".
func ErrorName(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dp *dbus.Error
	if errors.As(err, &dp) && dp != nil {
		return dp.Name
	}
	return ""
}

// ErrorText returns the D-Bus error's message, or err.Error().
func ErrorText(err error) string {
	var de dbus.Error
	if errors.As(err, &de) && len(de.Body) > 0 {
		if s, ok := de.Body[0].(string); ok {
			return s
		}
	}
	return err.Error()
}

// ServiceMissing reports whether err says nobody owns the bus name.
func ServiceMissing(err error) bool {
	switch ErrorName(err) {
	case "org.freedesktop.DBus.Error.ServiceUnknown", "org.freedesktop.DBus.Error.NameHasNoOwner":
		return true
	}
	return false
}

// ObjectGone reports whether err says the object (a finished call) is gone.
func ObjectGone(err error) bool {
	switch ErrorName(err) {
	case "org.freedesktop.DBus.Error.UnknownObject", "org.freedesktop.DBus.Error.UnknownMethod",
		"org.freedesktop.DBus.Error.UnknownInterface":
		return true
	}
	return false
}

// AccessDenied reports whether the bus policy or polkit refused the call.
func AccessDenied(err error) bool {
	switch ErrorName(err) {
	case "org.freedesktop.DBus.Error.AccessDenied", "org.freedesktop.DBus.Error.AuthFailed":
		return true
	}
	return false
}

// Sub is one stream of signals, registered before the method call that
// starts a call, so no state change is lost between Dial and Watch.
type Sub struct {
	conn    *dbus.Conn
	ch      chan *dbus.Signal
	Created time.Time
	once    sync.Once
}

// Subscribe registers a new signal stream on conn. The match rules must
// already be on the bus (see AddMatches).
func Subscribe(conn *dbus.Conn) *Sub {
	s := &Sub{conn: conn, ch: make(chan *dbus.Signal, 16), Created: time.Now()}
	conn.Signal(s.ch)
	return s
}

// Conn is the connection the subscription listens on.
func (s *Sub) Conn() *dbus.Conn { return s.conn }

// C delivers the signals; it is closed when the connection ends.
func (s *Sub) C() <-chan *dbus.Signal { return s.ch }

// Close stops delivery.
func (s *Sub) Close() { s.once.Do(func() { s.conn.RemoveSignal(s.ch) }) }

// Follow is the loop of a call watch: each nudge (the desktop hung up) is
// handed to read, each signal on sub to signal, until one of them returns
// false (the call is over) or ctx ends. It returns false when sub's bus
// connection went away under it, which the watch reports as the call's
// failure in its own words (the bus differs between backends).
func Follow(ctx context.Context, sub *Sub, nudge <-chan struct{}, read func() bool, signal func(*dbus.Signal) bool) (connected bool) {
	for {
		select {
		case <-ctx.Done():
			return true
		case <-nudge:
			if !read() {
				return true
			}
		case sig, ok := <-sub.C():
			if !ok {
				return false
			}
			if !signal(sig) {
				return true
			}
		}
	}
}

// Pending keeps subscriptions made by Dial until Watch takes them.
type Pending struct {
	mu   sync.Mutex
	subs map[dbus.ObjectPath]*Sub
}

// Put stores sub for path and drops subscriptions nobody watched for a while.
func (p *Pending) Put(path dbus.ObjectPath, sub *Sub) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.subs == nil {
		p.subs = map[dbus.ObjectPath]*Sub{}
	}
	for k, s := range p.subs {
		if time.Since(s.Created) > 5*time.Minute {
			s.Close()
			delete(p.subs, k)
		}
	}
	if old := p.subs[path]; old != nil {
		old.Close()
	}
	p.subs[path] = sub
}

// Take removes and returns the subscription for path, or nil.
func (p *Pending) Take(path dbus.ObjectPath) *Sub {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.subs[path]
	delete(p.subs, path)
	return s
}

// CloseAll drops every stored subscription.
func (p *Pending) CloseAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, s := range p.subs {
		s.Close()
		delete(p.subs, k)
	}
}

// AddMatches adds match rules; the first failure is returned with context.
func AddMatches(conn *dbus.Conn, rules ...[]dbus.MatchOption) error {
	for _, r := range rules {
		if err := conn.AddMatchSignal(r...); err != nil {
			return fmt.Errorf("add match rule: %w", err)
		}
	}
	return nil
}

// OwnerLost reports whether sig says name has left the bus.
func OwnerLost(sig *dbus.Signal, name string) bool {
	if sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) != 3 {
		return false
	}
	n, _ := sig.Body[0].(string)
	newOwner, _ := sig.Body[2].(string)
	return n == name && newOwner == ""
}

// NameOwnerMatch is the rule for OwnerLost.
func NameOwnerMatch(name string) []dbus.MatchOption {
	return []dbus.MatchOption{
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, name),
	}
}

// Emitter sends call states to a Watch channel: each state once, the time
// spent active with call.Ended.
type Emitter struct {
	Out      chan<- dialer.Event
	last     call.State
	activeAt time.Time
}

// Last is the last state sent.
func (e *Emitter) Last() call.State { return e.last }

// Emit sends st unless it repeats the last state. It returns false once the
// watch is over: st was final or ctx ended.
func (e *Emitter) Emit(ctx context.Context, st call.State, reason string) bool {
	if e.last.Final() {
		return false
	}
	if st == e.last {
		return true
	}
	now := time.Now()
	ev := dialer.Event{State: st, At: now, Reason: reason}
	switch st {
	case call.Active:
		e.activeAt = now
	case call.Ended:
		if !e.activeAt.IsZero() {
			ev.Duration = now.Sub(e.activeAt)
		}
	}
	e.last = st
	select {
	case e.Out <- ev:
	case <-ctx.Done():
		return false
	}
	return !st.Final()
}

// Nudges lets Hangup wake the Watch of the same call, so the watcher checks
// the call at once instead of relying only on signals that a service may
// send late or, like a removed mock object, not at all.
type Nudges struct {
	mu sync.Mutex
	m  map[dbus.ObjectPath]map[chan struct{}]struct{}
}

// Listen returns a channel that receives after Nudge(path), and a func to
// stop listening.
func (n *Nudges) Listen(path dbus.ObjectPath) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[dbus.ObjectPath]map[chan struct{}]struct{}{}
	}
	if n.m[path] == nil {
		n.m[path] = map[chan struct{}]struct{}{}
	}
	n.m[path][ch] = struct{}{}
	return ch, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		delete(n.m[path], ch)
		if len(n.m[path]) == 0 {
			delete(n.m, path)
		}
	}
}

// Nudge wakes every listener on path without blocking.
func (n *Nudges) Nudge(path dbus.ObjectPath) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.m[path] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
