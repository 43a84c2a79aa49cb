package dbusx

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/internal/telnum"
)

// Service is a backend's side of one telephony service on the bus: the
// connection, made on first use and again after the bus went away, with the
// match rules the backend's watches need; the subscriptions Dial made that
// Watch has yet to take; and the nudges Hangup sends to watches.
type Service struct {
	Name    string               // the bus name it owns, "org.ofono"
	Product string               // what users call it, "oFono"
	Unit    string               // the systemd unit that starts it, "ofono.service"
	Backend string               // the backend's name, which prefixes its errors
	Addr    string               // the bus address; "" is the system bus
	Rules   [][]dbus.MatchOption // signals the watches read; NameOwnerMatch(Name) is added
	// FindModem returns the modem to place calls with, or an error
	// wrapping dialer.ErrUnavailable that says what to fix.
	FindModem func(ctx context.Context, conn *dbus.Conn) (dbus.ObjectPath, error)

	mu      sync.Mutex
	conn    *dbus.Conn
	pending Pending
	nudges  Nudges
}

// Conn returns a live connection, reconnecting after the bus went away.
func (s *Service) Conn() (*dbus.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil && s.conn.Connected() {
		return s.conn, nil
	}
	conn, err := Connect(s.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: connect to the system bus: %v", dialer.ErrUnavailable, err)
	}
	// The rules are per connection, so they are added once here.
	if err := AddMatches(conn, append(slices.Clone(s.Rules), NameOwnerMatch(s.Name))...); err != nil {
		conn.Close()
		return nil, fmt.Errorf("%w: %v", dialer.ErrUnavailable, err)
	}
	s.conn = conn
	return conn, nil
}

// Close drops the subscriptions nobody watched and the bus connection.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending.CloseAll()
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// Check reports whether the service runs and has a modem that can place a
// call.
func (s *Service) Check(ctx context.Context) error {
	conn, err := s.Conn()
	if err != nil {
		return err
	}
	_, err = s.FindModem(ctx, conn)
	return err
}

// Prepare does what comes before placing the call req asks for: it refuses
// a number that is not clean E.164, a prefill (neither service can fill in
// a dialer without calling), and a request that expired while the modem was
// looked up. It returns the connection and the modem to call with.
func (s *Service) Prepare(ctx context.Context, req dialer.Request) (*dbus.Conn, dbus.ObjectPath, error) {
	if err := telnum.Check(req.Number); err != nil {
		return nil, "", fmt.Errorf("%s dial: %w", s.Backend, err)
	}
	if req.Mode == call.ModePrefill {
		return nil, "", fmt.Errorf("%s dial: prefill: %w", s.Backend, dialer.ErrUnsupported)
	}
	conn, err := s.Conn()
	if err != nil {
		return nil, "", err
	}
	modem, err := s.FindModem(ctx, conn)
	if err != nil {
		return nil, "", err
	}
	if !req.Expires.IsZero() && time.Now().After(req.Expires) {
		return nil, "", fmt.Errorf("%s dial %s: request expired", s.Backend, req.ID)
	}
	return conn, modem, nil
}

// Keep holds sub, made before the method call that created the call at
// path, until Watch takes it.
func (s *Service) Keep(path dbus.ObjectPath, sub *Sub) { s.pending.Put(path, sub) }

// ListError words a failed request for the service's modems, saying what to
// fix; the result wraps dialer.ErrUnavailable.
func (s *Service) ListError(err error) error {
	switch {
	case ServiceMissing(err):
		return fmt.Errorf("%w: %s is not running (nobody owns %s on the system bus; start %s)", dialer.ErrUnavailable, s.Product, s.Name, s.Unit)
	case AccessDenied(err):
		return fmt.Errorf("%w: the system bus policy does not let this user talk to %s: %s", dialer.ErrUnavailable, s.Product, ErrorText(err))
	}
	return fmt.Errorf("%w: list %s modems: %v", dialer.ErrUnavailable, s.Product, err)
}

// Watch is one call being followed.
type Watch struct {
	Emitter
	Conn  *dbus.Conn
	Path  dbus.ObjectPath
	Local bool // the desktop asked for the hang-up
	Gone  bool // the call object no longer exists

	svc *Service
}

// ReadFailed handles the error of reading the call's state: a call object
// that is gone has ended (for goneReason), a service that is gone failed
// the call. It returns true when the watch is over, also when ctx ended.
func (w *Watch) ReadFailed(ctx context.Context, err error, goneReason string) bool {
	switch {
	case ctx.Err() != nil:
		return true
	case ObjectGone(err):
		w.Gone = true
		w.Emit(ctx, call.Ended, goneReason)
		return true
	case ServiceMissing(err):
		w.Emit(ctx, call.Failed, w.svc.Product+" stopped during the call")
		return true
	case err != nil:
		w.Emit(ctx, call.Failed, "read call state from "+w.svc.Product+": "+ErrorText(err))
		return true
	}
	return false
}

// A Follower is what differs between backends in following a call.
type Follower interface {
	// Read asks the service for the call's state and emits it; it
	// returns false once the watch is over.
	Read(ctx context.Context, w *Watch, goneReason string) bool
	// Signal reads one signal, which may concern another call; it returns
	// false once the watch is over.
	Signal(ctx context.Context, w *Watch, sig *dbus.Signal) bool
	// Finish runs once the watch is over, before its channel closes.
	Finish(w *Watch)
}

// Watch follows the call at handle with f until it ends, fails, or ctx
// ends. A call Dial placed starts from the subscription Dial kept; any
// other (say, one placed before the agent restarted) starts from its
// current state.
func (s *Service) Watch(ctx context.Context, handle string, f Follower) (<-chan dialer.Event, error) {
	path := dbus.ObjectPath(handle)
	if !path.IsValid() {
		return nil, fmt.Errorf("%s watch: bad call handle %q", s.Backend, handle)
	}
	sub := s.pending.Take(path)
	fromDial := sub != nil
	if !fromDial {
		conn, err := s.Conn()
		if err != nil {
			return nil, err
		}
		sub = Subscribe(conn)
	}
	out := make(chan dialer.Event)
	nudge, stop := s.nudges.Listen(path)
	go func() {
		defer close(out)
		defer sub.Close()
		defer stop()
		w := &Watch{Emitter: Emitter{Out: out}, Conn: sub.Conn(), Path: path, svc: s}
		s.follow(ctx, w, f, sub, nudge, fromDial)
		f.Finish(w)
	}()
	return out, nil
}

func (s *Service) follow(ctx context.Context, w *Watch, f Follower, sub *Sub, nudge <-chan struct{}, fromDial bool) {
	if fromDial {
		// Dial returns once the service created the call, which starts
		// out dialing; later changes are already queued on sub.
		if !w.Emit(ctx, call.Dialing, "") {
			return
		}
	} else if !f.Read(ctx, w, "the call is already over") {
		return
	}
	read := func() bool {
		w.Local = true
		return f.Read(ctx, w, "hung up from the desktop")
	}
	signal := func(sig *dbus.Signal) bool {
		if OwnerLost(sig, s.Name) {
			w.Emit(ctx, call.Failed, s.Product+" stopped during the call")
			return false
		}
		return f.Signal(ctx, w, sig)
	}
	if !Follow(ctx, sub, nudge, read, signal) {
		w.Emit(ctx, call.Failed, "lost the connection to the system bus")
	}
}

// Hangup calls method (the service's hang-up) on the call at handle. A call
// that is already over counts as hung up: its object is gone, or the
// service answers with one of the error names in over.
func (s *Service) Hangup(ctx context.Context, handle, method string, over ...string) error {
	path := dbus.ObjectPath(handle)
	if !path.IsValid() {
		return fmt.Errorf("%s hangup: bad call handle %q", s.Backend, handle)
	}
	conn, err := s.Conn()
	if err != nil {
		return err
	}
	// Tell our watchers first, so the end the service reports is
	// attributed to the desktop whichever arrives first.
	s.nudges.Nudge(path)
	err = conn.Object(s.Name, path).CallWithContext(ctx, method, 0).Err
	switch {
	case err == nil, ObjectGone(err), slices.Contains(over, ErrorName(err)):
		s.nudges.Nudge(path)
		return nil
	case ServiceMissing(err):
		return fmt.Errorf("%w: %s is not running", dialer.ErrUnavailable, s.Product)
	}
	return fmt.Errorf("%s hangup: %s", s.Backend, ErrorText(err))
}
