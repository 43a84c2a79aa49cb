package remote

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/protocol"
)

// TestServeReportsAndStops: Serve says where it serves, notes once that
// the history cannot keep phones' calls when its database cannot be
// opened, and ends without an error when told to stop.
func TestServeReportsAndStops(t *testing.T) {
	d := newDesktop(t, "")
	// A directory where the database file should be: it cannot be opened.
	if err := os.Mkdir(filepath.Join(d.Paths.Data, history.FileName), 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serving := make(chan string, 1)
	var notes []string
	done := make(chan error, 1)
	go func() {
		done <- d.Serve(ctx, ServeReport{
			Serving: func(urls []string, fp string) { serving <- strings.Join(urls, " ") + " " + fp },
			Note:    func(m string) { notes = append(notes, m) },
		})
	}()
	select {
	case s := <-serving:
		if !strings.HasPrefix(s, "tls://") {
			t.Errorf("serving on %q", s)
		}
	case err := <-done:
		t.Fatalf("Serve ended: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("Serve never said it was serving")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve after stop: %v", err)
	}
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "note: calls from phones are not kept in the history: ") {
		t.Fatalf("notes %q", notes)
	}
}

// TestRelayHistoryCall: a relayed call is kept with the number the called
// phone dials and the phone that asked for it; a short code, which recents
// do not keep, leaves nothing. The row follows the called phone's states in
// their order, whichever comes first: a state handled before the reply is
// written with it, and neither a late, less final state nor anything after
// the final one changes the outcome.
func TestRelayHistoryCall(t *testing.T) {
	hist := openHistory(t)
	ctx := context.Background()
	from := device.Peer{ID: mustID(t), Name: "Tablet"}
	to := device.Peer{ID: mustID(t), Name: "Pixel"}
	var warned []error
	h := &relayHistory{hist: hist, warn: func(err error) { warned = append(warned, err) }}
	accepted := RelayEvent{From: from, Phone: to, Target: "030 1234567", Reply: protocol.Reply{Accepted: true, Number: "+49301234567"}}
	st := func(seq int, s call.State, talk time.Duration) protocol.Status {
		return protocol.Status{V: 1, Seq: seq, State: s, DurationMS: talk.Milliseconds()}
	}
	steps := func(rec *relayRecord, step ...func(*relayRecord)) int64 {
		for _, f := range step {
			f(rec)
		}
		return rec.rec.ID()
	}
	begin := func(ev RelayEvent) func(*relayRecord) { return func(r *relayRecord) { r.begin(ev) } }
	state := func(s protocol.Status) func(*relayRecord) { return func(r *relayRecord) { r.state(s) } }

	// A short code: nothing kept, whatever follows.
	if id := steps(h.newRecord(time.Now()), begin(RelayEvent{From: from, Phone: to, Target: "112", Reply: protocol.Reply{Accepted: true}}),
		state(st(0, call.Prefilled, 0))); id != 0 {
		t.Fatalf("a short code got row %d", id)
	}
	for _, tc := range []struct {
		name    string
		steps   []func(*relayRecord)
		outcome call.Outcome
		talk    time.Duration
	}{
		{"only the reply", []func(*relayRecord){begin(accepted)}, call.OutcomeAccepted, 0},
		{"states after the reply", []func(*relayRecord){begin(accepted), state(st(0, call.Dialing, 0)), state(st(1, call.Active, 0)),
			state(st(2, call.Ended, 42*time.Second))}, call.OutcomeAnswered, 42 * time.Second},
		{"the end before the reply", []func(*relayRecord){state(st(0, call.Dialing, 0)), state(st(1, call.Ended, 0)), begin(accepted)},
			call.OutcomeEnded, 0},
		{"answered before the reply", []func(*relayRecord){state(st(2, call.Ended, 42*time.Second)), state(st(1, call.Active, 0)), begin(accepted)},
			call.OutcomeAnswered, 42 * time.Second},
		{"overtaken states", []func(*relayRecord){begin(accepted), state(st(2, call.Failed, 0)), state(st(1, call.Active, 0)),
			state(st(0, call.Dialing, 0))}, call.OutcomeFailed, 0},
		{"nothing after the end", []func(*relayRecord){begin(accepted), state(st(0, call.Ended, 0)), state(st(1, call.Active, 5*time.Second))},
			call.OutcomeEnded, 0},
		{"refused", []func(*relayRecord){begin(RelayEvent{From: from, Phone: to, Target: "+49301234567",
			Reply: protocol.Reply{Code: protocol.CodePremium}})}, call.OutcomeRefused, 0},
		{"offline", []func(*relayRecord){begin(RelayEvent{From: from, Phone: to, Target: "+49301234567",
			Reply: protocol.Reply{Code: protocol.CodeOffline}})}, call.OutcomeOffline, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := time.Now().Add(-time.Minute)
			id := steps(h.newRecord(at), tc.steps...)
			c, err := hist.Call(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if c.Outcome != tc.outcome || c.Duration != tc.talk {
				t.Errorf("kept %s %v, want %s %v", c.Outcome, c.Duration, tc.outcome, tc.talk)
			}
			if c.Number != "+49301234567" || c.PhoneName != "Pixel" || c.PhoneID != to.ID.String() ||
				c.AskedByName != "Tablet" || c.AskedByID != from.ID.String() || !c.At.Equal(at.Truncate(time.Millisecond)) {
				t.Errorf("history call %+v", c)
			}
		})
	}
	// Once the service stopped (and its caller may close the store),
	// nothing is written.
	rec := h.newRecord(time.Now())
	h.stop()
	if id := steps(rec, begin(accepted)); id != 0 {
		t.Errorf("a call recorded after the service stopped: %d", id)
	}
	if len(warned) != 0 {
		t.Errorf("warnings: %v", warned)
	}
}

func openHistory(t *testing.T) *history.Store {
	t.Helper()
	hist, err := history.Open(filepath.Join(t.TempDir(), history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hist.Close() })
	return hist
}

func mustID(t *testing.T) device.ID {
	t.Helper()
	id, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return id.ID
}
