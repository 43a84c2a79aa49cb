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
// do not keep, leaves nothing.
func TestRelayHistoryCall(t *testing.T) {
	hist, err := history.Open(filepath.Join(t.TempDir(), history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer hist.Close()
	ctx := context.Background()
	from := device.Peer{ID: mustID(t), Name: "Tablet"}
	to := device.Peer{ID: mustID(t), Name: "Pixel"}
	if err := (RelayEvent{From: from, Phone: to, Target: "112", Reply: protocol.Reply{Accepted: false}}).Record(ctx, hist); err != nil {
		t.Fatal(err)
	}
	if err := (RelayEvent{From: from, Phone: to, Target: "030 1234567",
		Reply: protocol.Reply{Accepted: true, Number: "+49301234567"}}).Record(ctx, hist); err != nil {
		t.Fatal(err)
	}
	calls, err := hist.Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 {
		t.Fatalf("history has %d calls, want the one with a number: %+v", len(calls), calls)
	}
	c := calls[0]
	if c.Number != "+49301234567" || c.PhoneName != "Pixel" || c.PhoneID != to.ID.String() ||
		c.AskedByName != "Tablet" || c.AskedByID != from.ID.String() || c.Outcome != call.OutcomeAccepted || c.At.IsZero() {
		t.Fatalf("history call %+v", c)
	}
}

func mustID(t *testing.T) device.ID {
	t.Helper()
	id, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return id.ID
}
