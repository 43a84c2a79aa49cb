// Package call is the call vocabulary every side speaks: where a call is
// (State), what the phone is asked to do (Mode) and what the history keeps
// of it (Outcome). It is defined here once; protocol (the wire), dialer
// and agent (the phone), desktop, history, the CLI and the tray use these
// types, so a state crosses from a backend to the tray without a cast.
//
// It imports nothing, so that every package may import it.
package call

import "time"

// State is where a call is.
type State string

// States a phone reports (protocol.Status.State; a dialer backend's events).
const (
	Dialing  State = "dialing"
	Alerting State = "alerting" // the far end is ringing
	Active   State = "active"   // connected
	Ended    State = "ended"    // hung up after being active or ringing
	Failed   State = "failed"   // the phone could not place it
	// Prefilled means the dialer was opened with the number; the user
	// places the call. No further states follow.
	Prefilled State = "prefilled"
)

// States the desktop knows before or instead of the phone's: never on the
// wire.
const (
	Sent    State = "sent"    // the phone accepted the request
	Offline State = "offline" // the phone did not answer
	Refused State = "refused" // the phone said no (with a reason)
)

// OnWire reports whether s is a state a phone may report.
func (s State) OnWire() bool {
	switch s {
	case Dialing, Alerting, Active, Ended, Failed, Prefilled:
		return true
	}
	return false
}

// Final reports whether no state can follow s.
func (s State) Final() bool {
	switch s {
	case Ended, Failed, Prefilled, Offline, Refused:
		return true
	}
	return false
}

// Live reports whether a call in s is still going on.
func (s State) Live() bool {
	switch s {
	case Sent, Dialing, Alerting, Active:
		return true
	}
	return false
}

// Mode says whether the phone places the call or only opens its dialer
// with the number filled in, leaving the last tap to the user.
type Mode string

// Modes.
const (
	ModeCall    Mode = "call"    // place the call
	ModePrefill Mode = "prefill" // open the dialer with the number, the user presses call
)

// Valid reports whether m is a mode.
func (m Mode) Valid() bool { return m == ModeCall || m == ModePrefill }

// Outcome is what the call history keeps of a call.
type Outcome string

// Outcomes.
const (
	OutcomeRequested Outcome = "requested" // sent to the phone, no answer yet
	OutcomeAccepted  Outcome = "accepted"  // the phone accepted (and dials, or shows the number)
	OutcomeAnswered  Outcome = "answered"  // connected; the history keeps the talk time
	OutcomeEnded     Outcome = "ended"     // ended without being connected
	OutcomeRefused   Outcome = "refused"   // the phone said no
	OutcomeOffline   Outcome = "offline"   // the phone did not answer the request
	OutcomeFailed    Outcome = "failed"    // the phone could not place it
)

// Valid reports whether o is an outcome.
func (o Outcome) Valid() bool {
	switch o {
	case OutcomeRequested, OutcomeAccepted, OutcomeAnswered, OutcomeEnded, OutcomeRefused, OutcomeOffline, OutcomeFailed:
		return true
	}
	return false
}

// OutcomeOf is the outcome kept for a call that got as far as s with talk
// connected time. It is the one mapping from a call's progress to history,
// so the tray and `deskdial call` keep the same row for the same call.
// ok is false for a state that says nothing about the outcome.
func OutcomeOf(s State, talk time.Duration) (o Outcome, d time.Duration, ok bool) {
	switch s {
	case Sent, Dialing, Alerting, Prefilled:
		// The phone took the request (for a prefill the user presses
		// call there: what follows is not ours to know).
		return OutcomeAccepted, 0, true
	case Active:
		return OutcomeAnswered, talk, true
	case Ended:
		if talk > 0 {
			return OutcomeAnswered, talk, true
		}
		return OutcomeEnded, 0, true
	case Failed:
		return OutcomeFailed, 0, true
	case Offline:
		return OutcomeOffline, 0, true
	case Refused:
		return OutcomeRefused, 0, true
	}
	return "", 0, false
}
