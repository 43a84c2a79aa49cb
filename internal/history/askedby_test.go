package history

import (
	"context"
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
}
