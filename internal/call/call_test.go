package call

import (
	"testing"
	"time"
)

func TestStates(t *testing.T) {
	for _, tc := range []struct {
		s                   State
		onWire, final, live bool
	}{
		{Sent, false, false, true},
		{Dialing, true, false, true},
		{Alerting, true, false, true},
		{Active, true, false, true},
		{Ended, true, true, false},
		{Failed, true, true, false},
		{Prefilled, true, true, false},
		{Offline, false, true, false},
		{Refused, false, true, false},
		{"ringing", false, false, false},
	} {
		if tc.s.OnWire() != tc.onWire || tc.s.Final() != tc.final || tc.s.Live() != tc.live {
			t.Errorf("%s: on wire %v final %v live %v", tc.s, tc.s.OnWire(), tc.s.Final(), tc.s.Live())
		}
	}
}

// Every state a call can end in maps to an outcome the history accepts.
func TestOutcomeOf(t *testing.T) {
	for _, s := range []State{Sent, Dialing, Alerting, Active, Ended, Failed, Prefilled, Offline, Refused} {
		o, _, ok := OutcomeOf(s, time.Second)
		if !ok || !o.Valid() {
			t.Errorf("OutcomeOf(%s) = %q, %v", s, o, ok)
		}
	}
	if o, d, _ := OutcomeOf(Ended, 42*time.Second); o != OutcomeAnswered || d != 42*time.Second {
		t.Errorf("an answered call ended as %s %v", o, d)
	}
	if o, _, _ := OutcomeOf(Ended, 0); o != OutcomeEnded {
		t.Errorf("an unanswered call ended as %s", o)
	}
	if _, _, ok := OutcomeOf("ringing", 0); ok {
		t.Error("an unknown state gave an outcome")
	}
	for _, o := range []Outcome{"prefilled", "sent", ""} {
		if o.Valid() {
			t.Errorf("%q is no outcome", o)
		}
	}
}
