package notify

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/deskdial/deskdial/internal/testsupport"
)

// privateBus starts a bus daemon of its own. The tests use it rather than
// the surrounding session bus because other packages' tests may run a
// notification server of their own on that bus at the same time; one bus
// name cannot have two owners. It starts no installed notification server
// (dunst, say) by D-Bus activation behind a test's back.
func privateBus(t *testing.T) string {
	t.Helper()
	testsupport.NeedSessionBus(t)
	return testsupport.DBusDaemon(t)
}

// startServer runs python3-dbusmock's notification_daemon template with
// the given capabilities on the bus at addr and waits until it owns its
// name. It returns a connection for driving the mock.
func startServer(t *testing.T, addr, caps string) dbus.BusObject {
	t.Helper()
	testsupport.DBusMock(t, addr, busName, "notification_daemon", `{"capabilities":"`+caps+`"}`)
	return testsupport.DBusConn(t, addr).Object(busName, objPath)
}

type call struct {
	method string
	args   []dbus.Variant
}

func mockCalls(t *testing.T, mock dbus.BusObject, method string) []call {
	t.Helper()
	var raw []struct {
		When   uint64
		Method string
		Args   []dbus.Variant
	}
	if err := mock.Call("org.freedesktop.DBus.Mock.GetCalls", 0).Store(&raw); err != nil {
		t.Fatalf("GetCalls: %v", err)
	}
	var out []call
	for _, r := range raw {
		if r.Method == method {
			out = append(out, call{r.Method, r.Args})
		}
	}
	return out
}

func nextEvent(t *testing.T, n *Notifier) Event {
	t.Helper()
	select {
	case ev, ok := <-n.Events():
		if !ok {
			t.Fatal("events closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
	}
	return Event{}
}

func runNotifier(t *testing.T, n *Notifier) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
}

func TestCallPromptRoundTrip(t *testing.T) {
	addr := privateBus(t)
	mock := startServer(t, addr, "body actions")
	ctx := context.Background()
	n, err := New(ctx, "deskdial", WithAddress(addr), WithDesktopEntry("deskdial"))
	if err != nil {
		t.Fatal(err)
	}
	runNotifier(t, n)
	if !n.HasActions() {
		t.Fatalf("HasActions false; capabilities %v", n.Capabilities())
	}
	id, err := n.Show(ctx, Notification{
		Title:   "Call +49 30 1234567 on Pixel?",
		Body:    "Copied from the clipboard",
		Actions: []Action{{"call", "Call"}, {"dismiss", "Dismiss"}},
		Timeout: -1,
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := mockCalls(t, mock, "Notify")
	if len(calls) != 1 {
		t.Fatalf("server got %d Notify calls, want 1", len(calls))
	}
	a := calls[0].args
	if got := a[0].Value(); got != "deskdial" {
		t.Errorf("app name %q", got)
	}
	if got := a[3].Value(); got != "Call +49 30 1234567 on Pixel?" {
		t.Errorf("summary %q", got)
	}
	if got := a[4].Value(); got != "Copied from the clipboard" {
		t.Errorf("body %q", got)
	}
	want := []string{"call", "Call", "dismiss", "Dismiss"}
	if got, _ := a[5].Value().([]string); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("actions %q, want %q", got, want)
	}
	if got := a[7].Value(); got != int32(0) {
		t.Errorf("timeout %v, want 0 (stay until answered)", got)
	}

	// Another application's notification must not surface as ours.
	if err := mock.Call("org.freedesktop.DBus.Mock.EmitSignal", 0, iface, "ActionInvoked", "us",
		[]any{id + 100, "call"}).Err; err != nil {
		t.Fatal(err)
	}
	// The user presses Call.
	if err := mock.Call("org.freedesktop.DBus.Mock.EmitSignal", 0, iface, "ActionInvoked", "us",
		[]any{id, "call"}).Err; err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, n); ev != (Event{ID: id, Action: "call"}) {
		t.Fatalf("event %+v, want the Call press on %d", ev, id)
	}

	// Close withdraws it; the server's NotificationClosed comes back.
	if err := n.Close(ctx, id); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, n); ev.ID != id || !ev.Closed {
		t.Fatalf("event %+v, want closing of %d", ev, id)
	}
	if got := mockCalls(t, mock, "CloseNotification"); len(got) != 1 {
		t.Errorf("server got %d CloseNotification calls", len(got))
	}
}

// A press that reaches us before the server's answer to Notify (a server
// that answers late, or a click within milliseconds) is still the user's
// press on our notification, not another application's.
func TestPressBeforeNotifyReturnsIsKept(t *testing.T) {
	addr := privateBus(t)
	mock := startServer(t, addr, "body actions")
	// This server emits the press before it replies with the id.
	if err := mock.Call("org.freedesktop.DBus.Mock.AddMethod", 0, iface, "Notify", "susssasa{sv}i", "u",
		"self.EmitSignal('"+iface+"', 'ActionInvoked', 'us', [dbus.UInt32(41), 'call'])\nret = dbus.UInt32(41)").Err; err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	n, err := New(ctx, "deskdial", WithAddress(addr))
	if err != nil {
		t.Fatal(err)
	}
	runNotifier(t, n)
	id, err := n.Show(ctx, Notification{Title: "Call +49 30 1234567 on Pixel?", Actions: []Action{{"call", "Call"}}})
	if err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, n); ev != (Event{ID: id, Action: "call"}) {
		t.Fatalf("event %+v, want the Call press on %d", ev, id)
	}
}

func TestReplaceKeepsID(t *testing.T) {
	addr := privateBus(t)
	mock := startServer(t, addr, "body actions")
	ctx := context.Background()
	n, err := New(ctx, "deskdial", WithAddress(addr))
	if err != nil {
		t.Fatal(err)
	}
	id, err := n.Show(ctx, Notification{Title: "Dialing +49 30 1234567"})
	if err != nil {
		t.Fatal(err)
	}
	id2, err := n.Show(ctx, Notification{Title: "Call active", Replaces: id,
		Actions: []Action{{"hangup", "Hang up"}}, Urgency: UrgencyCritical})
	if err != nil {
		t.Fatal(err)
	}
	if id2 != id {
		t.Errorf("replacing gave id %d, want %d", id2, id)
	}
	calls := mockCalls(t, mock, "Notify")
	if len(calls) != 2 || calls[1].args[1].Value() != id {
		t.Fatalf("second Notify did not carry replaces_id %d: %+v", id, calls)
	}
	hints, _ := calls[1].args[6].Value().(map[string]dbus.Variant)
	if u, _ := hints["urgency"].Value().(byte); u != byte(UrgencyCritical) {
		t.Errorf("urgency hint %v", hints["urgency"])
	}
}

func TestServerWithoutActions(t *testing.T) {
	addr := privateBus(t)
	mock := startServer(t, addr, "body")
	ctx := context.Background()
	n, err := New(ctx, "deskdial", WithAddress(addr))
	if err != nil {
		t.Fatal(err)
	}
	if n.HasActions() {
		t.Fatalf("HasActions true; capabilities %v", n.Capabilities())
	}
	_, err = n.Show(ctx, Notification{Title: "Call?", Actions: []Action{{"call", "Call"}}})
	if !errors.Is(err, ErrNoActions) {
		t.Fatalf("Show with actions: %v, want ErrNoActions", err)
	}
	if got := mockCalls(t, mock, "Notify"); len(got) != 0 {
		t.Fatalf("an unanswerable question reached the server: %+v", got)
	}
	// Plain feedback still works.
	if _, err := n.Show(ctx, Notification{Title: "Call ended", Body: "2:05"}); err != nil {
		t.Fatal(err)
	}
}

func TestNoServer(t *testing.T) {
	addr := privateBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := New(ctx, "deskdial", WithAddress(addr))
	if !errors.Is(err, ErrNoServer) {
		t.Fatalf("New on a bus without a server: %v, want ErrNoServer", err)
	}
}

func TestNoBusAtAll(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	_, err := New(context.Background(), "deskdial")
	if !errors.Is(err, ErrNoServer) {
		t.Fatalf("New without a bus: %v, want ErrNoServer", err)
	}
}

func TestActionWithoutKeyRefused(t *testing.T) {
	addr := privateBus(t)
	startServer(t, addr, "body actions")
	n, err := New(context.Background(), "deskdial", WithAddress(addr))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Show(context.Background(), Notification{Title: "x", Actions: []Action{{"", "Call"}}}); err == nil {
		t.Fatal("an action without a key was accepted")
	}
}
