// Package calltest holds what the dialer backend tests share to follow a
// watched call: a test context, reading the next state, the end of the
// stream, and polling with a deadline. It is imported by tests only.
package calltest

import (
	"context"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// Need fails the test under CI and skips it elsewhere when a tool the test
// drives (err says why it is missing) is not on this machine.
func Need(t testing.TB, what string, err error) {
	t.Helper()
	testsupport.Need(t, what, err)
}

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
