package history

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

// The tray and `deskdial call` follow a call differently (the tray writes
// once at the end, the CLI at each state); both end with the same row.
func TestRecorderSameOutcomeEitherWay(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tc := range []struct {
		name    string
		steps   []call.State
		talk    time.Duration
		outcome call.Outcome
	}{
		{"answered", []call.State{call.Sent, call.Dialing, call.Alerting, call.Active, call.Ended}, 42 * time.Second, call.OutcomeAnswered},
		{"not answered", []call.State{"sent", "dialing", "ended"}, 0, call.OutcomeEnded},
		{"prefilled", []call.State{"sent", "prefilled"}, 0, call.OutcomeAccepted},
		{"failed", []call.State{"sent", "dialing", "failed"}, 0, call.OutcomeFailed},
		{"offline", []call.State{"offline"}, 0, call.OutcomeOffline},
		{"refused", []call.State{"refused"}, 0, call.OutcomeRefused},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Step by step, as the CLI does.
			cli, err := s.Begin(ctx, Call{Number: "+4930123456"})
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range tc.steps {
				talk := time.Duration(0)
				if i == len(tc.steps)-1 {
					talk = tc.talk
				}
				if err := cli.Reached(ctx, st, talk); err != nil {
					t.Fatal(err)
				}
			}
			// Only the end, as the tray does.
			tray, err := s.Begin(ctx, Call{Number: "+4930123456"})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Resume(tray.ID()).Reached(ctx, tc.steps[len(tc.steps)-1], tc.talk); err != nil {
				t.Fatal(err)
			}
			a, _ := s.Call(ctx, cli.ID())
			b, _ := s.Call(ctx, tray.ID())
			if a.Outcome != tc.outcome || b.Outcome != tc.outcome || a.Duration != tc.talk || b.Duration != tc.talk {
				t.Fatalf("CLI kept %s %v, tray %s %v; want %s %v", a.Outcome, a.Duration, b.Outcome, b.Duration, tc.outcome, tc.talk)
			}
		})
	}
}

// Only outcomes are kept: a call state or a backend's own word is refused,
// and the row keeps what it had.
func TestUpdateCallRefusesNonOutcomes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rec, err := s.Begin(ctx, Call{Number: "+4930123456"})
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []call.Outcome{"prefilled", "sent", "dialing", "", "ANSWERED"} {
		if err := s.UpdateCall(ctx, rec.ID(), bad, 0); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("UpdateCall(%q) = %v, want ErrInvalidInput", bad, err)
		}
	}
	if c, _ := s.Call(ctx, rec.ID()); c.Outcome != call.OutcomeRequested {
		t.Errorf("the row changed to %q", c.Outcome)
	}
}

// A short code or USSD code is no number to call again: the tray and the
// CLI both keep nothing of it.
func TestBeginKeepsOnlyNumbers(t *testing.T) {
	ctx := context.Background()
	s, err := Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, n := range []string{"112", "*#06#", "+49 30 123", ""} {
		rec, err := s.Begin(ctx, Call{Number: n})
		if err != nil || rec.ID() != 0 {
			t.Errorf("Begin(%q) = %d, %v; want nothing kept", n, rec.ID(), err)
		}
		if err := rec.Reached(ctx, call.Ended, time.Second); err != nil {
			t.Errorf("a call not kept: Reached = %v", err)
		}
	}
	if calls, _ := s.Recent(ctx, 10); len(calls) != 0 {
		t.Fatalf("kept %+v", calls)
	}
}
