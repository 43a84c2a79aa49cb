package history

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

// TestSyncedHostileNamesNotStored: another desktop (or anyone holding the
// sync key) sends a contact or a recent whose name carries an escape
// sequence or a forged line; it is not stored. Plain names are.
func TestSyncedHostileNamesNotStored(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	entries := []entry{
		{Kind: kindContact, Ref: "u-evil", Updated: now.UnixNano(), Contact: &wireContact{Name: "Eve\x1b[2J", Numbers: []LabeledNumber{{Label: LabelMobile, E164: "+491701111111"}}}},
		{Kind: kindContact, Ref: "u-nl", Updated: now.UnixNano(), Contact: &wireContact{Name: "Eve\nMallory", Numbers: []LabeledNumber{{Label: LabelMobile, E164: "+491702222222"}}}},
		{Kind: kindContact, Ref: "u-ok", Updated: now.UnixNano(), Contact: &wireContact{Name: "Anna", Numbers: []LabeledNumber{{Label: LabelMobile, E164: "+491703333333"}}}},
		{Kind: kindRecent, Ref: "+491704444444", Updated: now.UnixNano(), Call: &wireCall{SyncID: "c1", At: now.UnixMilli(), Name: "Bob\u202e", Outcome: call.OutcomeAccepted}},
		{Kind: kindRecent, Ref: "+491705555555", Updated: now.UnixNano(), Call: &wireCall{SyncID: "c2", At: now.UnixMilli(), Name: "Bob", PhoneName: "Pixel\x07", Outcome: call.OutcomeAccepted}},
		{Kind: kindRecent, Ref: "+491706666666", Updated: now.UnixNano(), Call: &wireCall{SyncID: "c3", At: now.UnixMilli(), Name: "Carl", PhoneName: "Pixel", Outcome: call.OutcomeAccepted}},
		{Kind: kindRecent, Ref: "+491707777777", Updated: now.UnixNano(), Call: &wireCall{SyncID: "c4", At: now.UnixMilli(), Name: "Dan", AskedByName: "Tablet\x1b]0;x\x07", Outcome: call.OutcomeAccepted}},
		{Kind: kindRecent, Ref: "+491708888888", Updated: now.UnixNano(), Call: &wireCall{SyncID: "c5", At: now.UnixMilli(), Name: "Dan", AskedByID: "T\nforged", Outcome: call.OutcomeAccepted}},
		{Kind: kindRecent, Ref: "+491709999999", Updated: now.UnixNano(), Call: &wireCall{SyncID: "c6", At: now.UnixMilli(), Name: "Dan", PhoneID: strings.Repeat("P", 65), Outcome: call.OutcomeAccepted}},
	}
	applyEntries(t, s, entries)
	cs, _ := s.Contacts(ctx)
	if len(cs) != 1 || cs[0].Name != "Anna" {
		t.Errorf("contacts = %+v, want only Anna", cs)
	}
	rec, _ := s.Recent(ctx, 10)
	if len(rec) != 1 || rec[0].Name != "Carl" {
		t.Errorf("recents = %+v, want only Carl's", rec)
	}
}

// An extension travels with a synced contact; one holding anything but
// what a phone can key in is dropped, the number kept.
func TestSyncedExtensions(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now().UnixNano()
	entries := []entry{
		{Kind: kindContact, Ref: "u-ext", Updated: now, Contact: &wireContact{Name: "Front Desk", Numbers: []LabeledNumber{{Label: LabelWork, E164: "+14186569254", Ext: "102"}}}},
		{Kind: kindContact, Ref: "u-bad", Updated: now, Contact: &wireContact{Name: "Back Office", Numbers: []LabeledNumber{{Label: LabelWork, E164: "+14186569255", Ext: "1\x1b[2J"}}}},
	}
	y := &Syncer{}
	if err := s.write(ctx, func(tx *wtx) error {
		for i := range entries {
			if err := y.applyEntry(ctx, tx, &entries[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"Back Office work:+14186569255", "Front Desk work:+14186569254/102"}
	if got := contactLines(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("contacts = %q, want %q", got, want)
	}
	// What this desktop sends carries the extension for the others.
	b, err := json.Marshal(wireContact{Name: "Front Desk", Numbers: []LabeledNumber{{Label: LabelWork, E164: "+14186569254", Ext: "102"}}})
	if err != nil || !strings.Contains(string(b), `"Ext":"102"`) {
		t.Errorf("wire form %s, %v", b, err)
	}
}

// TestSyncedCallOutcomesChecked: a recent from another desktop (or anyone
// holding the sync key) whose outcome is no outcome (a call state, an
// empty or made-up word), whose talk time is negative or whose number is
// not E.164 is not stored; recents would show it as a call that never
// happened this way. A well-formed one is.
func TestSyncedCallOutcomesChecked(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	rec := func(ref, id string, o call.Outcome, ms int64) entry {
		return entry{Kind: kindRecent, Ref: ref, Updated: now.UnixNano(), Call: &wireCall{SyncID: id, At: now.UnixMilli(), Name: "Bob", Outcome: o, Duration: ms}}
	}
	entries := []entry{
		rec("+491701111111", "c1", call.Outcome(call.Prefilled), 0),
		rec("+491702222222", "c2", call.Outcome(call.Dialing), 0),
		rec("+491703333333", "c3", "", 0),
		rec("+491704444444", "c4", "answered\x1b[2J", 0),
		rec("+491705555555", "c5", call.OutcomeAnswered, -5000),
		rec("*#06#", "c6", call.OutcomeAccepted, 0),
		rec("+491707777777", "c7", call.OutcomeAnswered, 65000),
	}
	applyEntries(t, s, entries)
	got, _ := s.Recent(ctx, 10)
	if len(got) != 1 || got[0].Number != "+491707777777" || got[0].Outcome != call.OutcomeAnswered {
		t.Errorf("recents = %+v, want only the answered call to +491707777777", got)
	}
}

// applyEntries applies entries as if they had arrived from another
// desktop.
func applyEntries(t *testing.T, s *Store, entries []entry) {
	t.Helper()
	ctx := context.Background()
	y := &Syncer{}
	err := s.write(ctx, func(tx *wtx) error {
		for i := range entries {
			if err := y.applyEntry(ctx, tx, &entries[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
