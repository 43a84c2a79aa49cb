// Package calltest holds what the dialer backend tests share to follow a
// watched call: a test context, reading the next state, the end of the
// stream, and polling with a deadline. It is imported by tests only.
package calltest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
)

// Ctx is the test's deadline for anything it waits on.
func Ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// Dial places the call req asks for on d; an error fails the test.
func Dial(t testing.TB, c context.Context, d dialer.Dialer, req dialer.Request) dialer.Call {
	t.Helper()
	call, err := d.Dial(c, req)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	return call
}

// Watch starts following call on d; an error fails the test.
func Watch(t testing.TB, c context.Context, d dialer.Dialer, call dialer.Call) <-chan dialer.Event {
	t.Helper()
	ch, err := d.Watch(c, call)
	if err != nil {
		t.Fatalf("Watch: %v", err)
	}
	return ch
}

// Next waits for the next event; the channel closing early is a failure.
func Next(t testing.TB, c context.Context, ch <-chan dialer.Event) dialer.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("watch channel closed early")
		}
		return ev
	case <-c.Done():
		t.Fatal("no call state arrived")
	}
	return dialer.Event{}
}

// States waits for the next events and fails unless their states are want,
// in order.
func States(t testing.TB, c context.Context, ch <-chan dialer.Event, want ...call.State) {
	t.Helper()
	for _, w := range want {
		if ev := Next(t, c, ch); ev.State != w {
			t.Fatalf("state %q, want %q", ev.State, w)
		}
	}
}

// Closed fails unless the channel closes with no further event.
func Closed(t testing.TB, c context.Context, ch <-chan dialer.Event) {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if ok {
			t.Fatalf("event after the final state: %+v", ev)
		}
	case <-c.Done():
		t.Fatal("watch channel not closed after the final state")
	}
}

// Eventually polls cond until it holds or c ends.
func Eventually(t testing.TB, c context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-c.Done():
			t.Fatalf("never happened: %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// ServiceMissing checks a D-Bus backend whose service is not on its bus:
// Check and Dial are unavailable, and Check's error says notRunning.
func ServiceMissing(t testing.TB, d dialer.Dialer, notRunning string) {
	t.Helper()
	c := Ctx(t)
	err := d.Check(c)
	if !errors.Is(err, dialer.ErrUnavailable) || !strings.Contains(err.Error(), notRunning) {
		t.Fatalf("Check = %v, want unavailable: %s", err, notRunning)
	}
	if _, err := d.Dial(c, dialer.Request{ID: "x", Number: "+4930123456", Mode: call.ModeCall}); !errors.Is(err, dialer.ErrUnavailable) {
		t.Fatalf("Dial = %v, want ErrUnavailable", err)
	}
}

// CrashMidCall dials on d, lets crash end the service while the call is
// dialing, and checks what the user is told: the call failed with a reason
// that says stopped, the watch ends, and Check is unavailable. It returns
// the call, for what else the backend promises after a crash.
func CrashMidCall(t testing.TB, d dialer.Dialer, crash func(), stopped string) dialer.Call {
	t.Helper()
	c := Ctx(t)
	dc := Dial(t, c, d, dialer.Request{ID: "id-crash", Number: "+4930123456", Mode: call.ModeCall})
	ch := Watch(t, c, d, dc)
	States(t, c, ch, call.Dialing)
	crash()
	ev := Next(t, c, ch)
	if ev.State != call.Failed || !strings.Contains(ev.Reason, stopped) {
		t.Fatalf("after the crash: %+v, want failed: %s", ev, stopped)
	}
	Closed(t, c, ch)
	// The dialer stays usable and says what is wrong.
	if err := d.Check(c); !errors.Is(err, dialer.ErrUnavailable) {
		t.Fatalf("Check after crash = %v, want ErrUnavailable", err)
	}
	return dc
}

// RefusesBadInput checks that d refuses a hostile number, a prefill it
// cannot do and an expired request before it reaches the service; the
// caller then checks that the service got no call.
func RefusesBadInput(t testing.TB, d dialer.Dialer, hostile string) {
	t.Helper()
	c := Ctx(t)
	if _, err := d.Dial(c, dialer.Request{ID: "x", Number: hostile, Mode: call.ModeCall}); !errors.Is(err, dialer.ErrInvalidNumber) {
		t.Fatalf("Dial(%q) = %v, want ErrInvalidNumber", hostile, err)
	}
	if _, err := d.Dial(c, dialer.Request{ID: "x", Number: "+4930123456", Mode: call.ModePrefill}); !errors.Is(err, dialer.ErrUnsupported) {
		t.Fatalf("Dial(prefill) = %v, want ErrUnsupported", err)
	}
	if _, err := d.Dial(c, dialer.Request{ID: "x", Number: "+4930123456", Mode: call.ModeCall, Expires: time.Now().Add(-time.Second)}); err == nil {
		t.Fatal("Dial of an expired request succeeded")
	}
}

// HangUp hangs up dc on d from the desktop and checks what the watch ch
// then reports: the call ended, hung up from the desktop (with a duration
// when it had been answered), and nothing after that.
func HangUp(t testing.TB, c context.Context, d dialer.Dialer, dc dialer.Call, ch <-chan dialer.Event, answered bool) {
	t.Helper()
	if err := d.Hangup(c, dc); err != nil {
		t.Fatalf("Hangup: %v", err)
	}
	ev := Next(t, c, ch)
	if ev.State != call.Ended || ev.Reason != "hung up from the desktop" || answered && ev.Duration <= 0 {
		t.Fatalf("after Hangup: %+v, want ended from the desktop (answered: %v, so with a duration)", ev, answered)
	}
	Closed(t, c, ch)
}
