package history

import (
	"context"
	"time"
)

// OutcomeOf is the outcome kept for a call that got as far as state (a call
// state the phone reported, or what the desktop saw of the request: "sent"
// when the phone accepted it, "offline", "refused"), and talk, its
// connected time. It is the one mapping from a call's progress to history,
// so the tray and `deskdial call` keep the same row for the same call.
// ok is false for a state that says nothing new about the outcome.
func OutcomeOf(state string, talk time.Duration) (outcome string, d time.Duration, ok bool) {
	switch state {
	case "sent", "dialing", "alerting", "prefilled":
		// The phone took the request (and, for a prefill, the user
		// presses call there: what follows is not ours to know).
		return OutcomeAccepted, 0, true
	case "active":
		return OutcomeAnswered, talk, true
	case "ended":
		if talk > 0 {
			return OutcomeAnswered, talk, true
		}
		return OutcomeEnded, 0, true
	case "failed":
		return OutcomeFailed, 0, true
	case "offline":
		return OutcomeOffline, 0, true
	case "refused":
		return OutcomeRefused, 0, true
	}
	return "", 0, false
}

// Recorder keeps one call's history row up to date as the call goes.
type Recorder struct {
	s  *Store
	id int64
}

// Begin records a call just requested (Outcome is set to requested).
func (s *Store) Begin(ctx context.Context, c Call) (Recorder, error) {
	c.Outcome = OutcomeRequested
	id, err := s.RecordCall(ctx, c)
	if err != nil {
		return Recorder{}, err
	}
	return Recorder{s: s, id: id}, nil
}

// Resume follows a call recorded earlier (by Begin) under id.
func (s *Store) Resume(id int64) Recorder { return Recorder{s: s, id: id} }

// ID is the call's history row.
func (r Recorder) ID() int64 { return r.id }

// Reached records that the call got as far as state (see OutcomeOf) with
// talk connected time. A state that changes nothing writes nothing.
func (r Recorder) Reached(ctx context.Context, state string, talk time.Duration) error {
	if r.s == nil || r.id == 0 {
		return nil
	}
	outcome, d, ok := OutcomeOf(state, talk)
	if !ok {
		return nil
	}
	return r.s.UpdateCall(ctx, r.id, outcome, d)
}

// FileName is the call history and contacts database in the data dir.
const FileName = "history.db"
