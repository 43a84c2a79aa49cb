package notify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/deskdial/deskdial/internal/textsafe"
	"github.com/godbus/dbus/v5"
)

const (
	busName   = "org.freedesktop.Notifications"
	objPath   = dbus.ObjectPath("/org/freedesktop/Notifications")
	iface     = "org.freedesktop.Notifications"
	sigAction = iface + ".ActionInvoked"
	sigClosed = iface + ".NotificationClosed"
)

// fdBackend speaks org.freedesktop.Notifications over a private bus
// connection.
type fdBackend struct {
	conn    *dbus.Conn
	obj     dbus.BusObject
	caps    []string
	desktop string
	signals chan *dbus.Signal

	mu   sync.Mutex
	ours map[uint32]bool // ids returned by Notify and not yet closed
	done bool
	// sending counts Notify calls awaiting their id; settled is signalled
	// when it drops to zero. A server may emit a signal about a new
	// notification before its reply to Notify reaches us (a click within
	// milliseconds, or a server that answers at once): such a signal
	// waits for the id instead of being taken for another application's.
	sending int
	settled *sync.Cond
}

func newBackend(ctx context.Context, o options) (backend, error) {
	addr := o.address
	if addr == "" {
		addr = sessionAddress()
		if addr == "" {
			// Without an address godbus would autolaunch dbus-launch and
			// leave a stray daemon behind; there is no server to talk to.
			return nil, fmt.Errorf("find session bus: %w", ErrNoServer)
		}
	}
	conn, err := dbus.Dial(addr, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("connect session bus: %v: %w", err, ErrNoServer)
	}
	if err := conn.Auth(nil); err != nil {
		conn.Close()
		return nil, fmt.Errorf("authenticate on session bus: %v: %w", err, ErrNoServer)
	}
	if err := conn.Hello(); err != nil {
		conn.Close()
		return nil, fmt.Errorf("greet session bus: %v: %w", err, ErrNoServer)
	}
	b := &fdBackend{
		conn:    conn,
		obj:     conn.Object(busName, objPath),
		desktop: o.desktopEntry,
		signals: make(chan *dbus.Signal, 64),
		ours:    map[uint32]bool{},
	}
	b.settled = sync.NewCond(&b.mu)
	// Subscribe before the first Notify so that an answer arriving before
	// Run starts is kept, not lost.
	conn.Signal(b.signals)
	for _, member := range []string{"ActionInvoked", "NotificationClosed"} {
		if err := conn.AddMatchSignalContext(ctx,
			dbus.WithMatchObjectPath(objPath),
			dbus.WithMatchInterface(iface),
			dbus.WithMatchMember(member)); err != nil {
			conn.Close()
			return nil, fmt.Errorf("subscribe %s: %w", member, err)
		}
	}
	// GetCapabilities also starts a D-Bus-activatable server.
	if err := b.obj.CallWithContext(ctx, iface+".GetCapabilities", 0).Store(&b.caps); err != nil {
		conn.Close()
		var de dbus.Error
		if errors.As(err, &de) && (de.Name == "org.freedesktop.DBus.Error.ServiceUnknown" ||
			de.Name == "org.freedesktop.DBus.Error.NameHasNoOwner") {
			return nil, fmt.Errorf("ask capabilities: %w", ErrNoServer)
		}
		return nil, fmt.Errorf("ask capabilities: %v: %w", err, ErrNoServer)
	}
	return b, nil
}

// sessionAddress finds the session bus without ever autolaunching one.
func sessionAddress() string {
	if a := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); a != "" {
		return a
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		p := filepath.Join(dir, "bus")
		if fi, err := os.Stat(p); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + p
		}
	}
	return ""
}

func (b *fdBackend) capabilities() []string { return b.caps }

func (b *fdBackend) mechanism() string { return "freedesktop" }

func (b *fdBackend) show(ctx context.Context, appName string, n Notification) (uint32, error) {
	b.mu.Lock()
	done := b.done
	if !done {
		b.sending++
	}
	b.mu.Unlock()
	if done {
		return 0, ErrClosed
	}
	defer func() {
		b.mu.Lock()
		if b.sending--; b.sending == 0 {
			b.settled.Broadcast()
		}
		b.mu.Unlock()
	}()
	actions := make([]string, 0, 2*len(n.Actions))
	for _, a := range n.Actions {
		actions = append(actions, a.Key, a.Label)
	}
	hints := map[string]dbus.Variant{"urgency": dbus.MakeVariant(byte(n.Urgency))}
	if b.desktop != "" {
		hints["desktop-entry"] = dbus.MakeVariant(b.desktop)
	}
	timeout := int32(-1) // server default
	switch {
	case n.Timeout < 0:
		timeout = 0 // never expire
	case n.Timeout > 0:
		ms := n.Timeout.Milliseconds()
		if ms < 1 {
			ms = 1
		}
		if ms > 1<<31-1 {
			ms = 1<<31 - 1
		}
		timeout = int32(ms)
	}
	var id uint32
	err := b.obj.CallWithContext(ctx, iface+".Notify", 0,
		appName, n.Replaces, n.Icon, textsafe.Terminal(n.Title), b.body(n.Body), actions, hints, timeout).Store(&id)
	if err != nil {
		return 0, fmt.Errorf("send notification: %w", err)
	}
	b.mu.Lock()
	b.ours[id] = true
	b.mu.Unlock()
	return id, nil
}

// body prepares a plain-text body for the server. Bodies carry names from
// phones and contacts; on a server that reads markup ("body-markup") a name
// such as `<a href=…>` or `<img src=…>` would become a link or an image, so
// &, < and > are escaped there. Control characters are shown visibly on
// every server; newlines are kept.
func (b *fdBackend) body(s string) string {
	for _, c := range b.caps {
		if c == "body-markup" {
			return textsafe.Markup(s)
		}
	}
	return textsafe.Plain(s)
}

func (b *fdBackend) close(ctx context.Context, id uint32) error {
	if err := b.obj.CallWithContext(ctx, iface+".CloseNotification", 0, id).Err; err != nil {
		return fmt.Errorf("close notification %d: %w", id, err)
	}
	return nil
}

func (b *fdBackend) run(ctx context.Context, events chan<- Event) error {
	defer func() {
		b.mu.Lock()
		b.done = true
		b.mu.Unlock()
		b.conn.RemoveSignal(b.signals)
		b.conn.Close()
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case sig, ok := <-b.signals:
			if !ok {
				return fmt.Errorf("listen for notification signals: %w", ErrClosed)
			}
			ev, ok := b.event(sig)
			if !ok {
				continue
			}
			select {
			case events <- ev:
			case <-ctx.Done():
				return nil
			}
		}
	}
}

// event turns a signal about one of our notifications into an Event.
func (b *fdBackend) event(sig *dbus.Signal) (Event, bool) {
	if sig.Path != objPath || len(sig.Body) != 2 {
		return Event{}, false
	}
	id, ok := sig.Body[0].(uint32)
	if !ok {
		return Event{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.ours[id] && b.sending > 0 {
		b.settled.Wait()
	}
	if !b.ours[id] {
		return Event{}, false // another application's notification
	}
	switch sig.Name {
	case sigAction:
		key, ok := sig.Body[1].(string)
		if !ok {
			return Event{}, false
		}
		return Event{ID: id, Action: key}, true
	case sigClosed:
		reason, ok := sig.Body[1].(uint32)
		if !ok {
			return Event{}, false
		}
		delete(b.ours, id)
		return Event{ID: id, Closed: true, Reason: reason}, true
	}
	return Event{}, false
}
