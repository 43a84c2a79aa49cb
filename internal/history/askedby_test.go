package history

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/call"
)

// A call another phone asked for is kept with the device that asked; a
// database of schema 3 keeps its calls and gains the empty columns.
func TestCallAskedByAnotherDevice(t *testing.T) {
	ctx := context.Background()
	s, err := Open(loadFixture(t, "schema_v3.sql"))
	if err != nil {
		t.Fatalf("open a schema 3 database: %v", err)
	}
	defer s.Close()
	old, err := s.Calls(ctx, 0)
	if err != nil || len(old) == 0 {
		t.Fatalf("calls after migration: %d, %v", len(old), err)
	}
	for _, c := range old {
		if c.AskedByID != "" || c.AskedByName != "" {
			t.Fatalf("an old call names an asker: %+v", c)
		}
	}
	id, err := s.RecordCall(ctx, Call{Number: "+4930901820", PhoneID: "P", PhoneName: "Pixel", Outcome: call.OutcomeAccepted,
		AskedByID: "T", AskedByName: "Tablet"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Call(ctx, id)
	if err != nil || c.AskedByID != "T" || c.AskedByName != "Tablet" || c.PhoneName != "Pixel" {
		t.Fatalf("recorded %+v, %v", c, err)
	}
	// Names and IDs that are not plain text are refused, and nothing is
	// kept of the call.
	for _, bad := range []Call{
		{AskedByID: "T", AskedByName: "Tab\u202elet"},
		{AskedByID: "T\x1b[2J", AskedByName: "Tablet"},
		{AskedByID: strings.Repeat("T", 65)},
		{PhoneName: "Pixel\n1 +4930111111 Pixel accepted"},
	} {
		bad.Number, bad.Outcome = "+4930901821", call.OutcomeAccepted
		if _, err := s.RecordCall(ctx, bad); !errors.Is(err, ErrInvalidInput) {
			t.Errorf("RecordCall(%+v) = %v, want ErrInvalidInput", bad, err)
		}
	}
	if calls, _ := s.Calls(ctx, 0); len(calls) != len(old)+1 {
		t.Errorf("%d calls kept, want %d", len(calls), len(old)+1)
	}
}
