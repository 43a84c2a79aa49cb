package history

import (
	"context"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/number"
)

// FileName is the call history and contacts database in the data dir.
const FileName = "history.db"

// Recorder keeps one call's history row up to date as the call goes, with
// the outcomes of call.OutcomeOf: the tray and `deskdial call` both record
// through it, so they keep the same row for the same call.
type Recorder struct {
	s  *Store
	id int64
}

// Begin records a call just requested (its Outcome is set to requested).
// Only an E.164 number is kept: a short code (112) or a USSD code works
// only as typed on the phone, and recents would offer it again as a number
// it is not. For those Begin records nothing and returns a Recorder that
// records nothing (ID 0).
func (s *Store) Begin(ctx context.Context, c Call) (Recorder, error) {
	if !isE164(c.Number) {
		return Recorder{}, nil
	}
	c.Outcome = call.OutcomeRequested
	id, err := s.RecordCall(ctx, c)
	if err != nil {
		return Recorder{}, err
	}
	return Recorder{s: s, id: id}, nil
}

// Resume follows a call recorded earlier (by Begin) under id.
func (s *Store) Resume(id int64) Recorder { return Recorder{s: s, id: id} }

// ID is the call's history row (0: none).
func (r Recorder) ID() int64 { return r.id }

// Reached records that the call got as far as state with talk connected
// time. A state that says nothing about the outcome writes nothing.
func (r Recorder) Reached(ctx context.Context, state call.State, talk time.Duration) error {
	if r.s == nil || r.id == 0 {
		return nil
	}
	outcome, d, ok := call.OutcomeOf(state, talk)
	if !ok {
		return nil
	}
	return r.s.UpdateCall(ctx, r.id, outcome, d)
}

// isE164: see number.IsE164.
func isE164(s string) bool { return number.IsE164(s) }
