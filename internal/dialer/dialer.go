// Package dialer defines how the phone agent makes a phone dial.
//
// A Dialer is one way of reaching a phone's telephony stack: oFono or
// ModemManager on a Linux phone, adb for an Android phone next to a computer,
// the platform's tel: opener, or a log file for trying deskdial without a
// phone. Each backend lives in its own sub-package.
//
// Backends only ever see clean E.164 numbers: the agent's policy (expiry,
// replay, MMI codes, premium-rate numbers, rate limits) runs before Dial.
package dialer

import (
	"context"
	"errors"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

// Sentinel errors shared by all backends. Backends wrap them with detail,
// callers test them with errors.Is.
var (
	// ErrUnavailable means the telephony service or device is not there
	// (service not running, modem powered off, adb device unauthorized).
	ErrUnavailable = errors.New("dialer: backend unavailable")
	// ErrUnsupported means the backend cannot do what was asked (for
	// example hang up, or place a call when it can only prefill).
	ErrUnsupported = errors.New("dialer: not supported by this backend")
	// ErrInvalidNumber means the number is not a clean E.164 number.
	ErrInvalidNumber = errors.New("dialer: invalid number")
)

// Capabilities describes what a backend can do. The agent publishes them in
// its presence info so the desktop can say "will call" or "will open the
// dialer" before the user clicks, and offer Hang up only where it works.
type Capabilities struct {
	PlacesCalls   bool `json:"places_calls"`   // can place a call itself (else prefill only)
	ReportsStates bool `json:"reports_states"` // Watch delivers live call states
	CanHangup     bool `json:"can_hangup"`
}

// Request is one dial, already checked by the agent's policy.
type Request struct {
	ID      string    // the instruction id, for logs and correlation
	Number  string    // E.164, e.g. "+4930123456"
	Mode    call.Mode // call or prefill
	Expires time.Time // the backend must not start dialling after this
}

// Call identifies a call a backend started.
type Call struct {
	ID     string // the instruction id
	Handle string // backend specific: a D-Bus object path, an adb serial, ...
}

// Event is one observed change of a call.
type Event struct {
	State    call.State
	At       time.Time
	Duration time.Duration // time spent active; set with call.Ended
	Reason   string        // set with call.Failed, optionally with call.Ended
}

// Dialer is one backend.
type Dialer interface {
	// Name is the backend's name as given to --backend ("ofono", "adb", ...).
	Name() string
	// Capabilities says what this backend can do.
	Capabilities() Capabilities
	// Check reports whether the backend can dial right now; the error wraps
	// ErrUnavailable with a reason a user can act on.
	Check(ctx context.Context) error
	// Dial starts the call (or opens the dialer in call.ModePrefill). It returns
	// once the telephony stack accepted the request, not when the call ends.
	Dial(ctx context.Context, req Request) (Call, error)
	// Watch streams the call's states until a final state, then closes the
	// channel. It also closes when ctx ends. Backends without state reports
	// send one final event (call.Prefilled, or call.Ended for log).
	Watch(ctx context.Context, call Call) (<-chan Event, error)
	// Hangup ends the call; ErrUnsupported where the backend cannot.
	Hangup(ctx context.Context, call Call) error
}

// Prefilled is the Watch of a backend that only hands the number to the
// phone's dialer (url, kdeconnect): the one state it knows is that one,
// and the call, if any, is the user's.
func Prefilled() <-chan Event {
	ch := make(chan Event, 1)
	ch <- Event{State: call.Prefilled, At: time.Now()}
	close(ch)
	return ch
}
