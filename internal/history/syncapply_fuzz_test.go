package history

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/deskdial/deskdial/internal/call"
)

// FuzzSyncApply feeds entries that open with the user's sync key (another
// desktop of the user, or one whose key leaked, wrote them) into a real
// store: whatever their fields, nothing panics and nothing is stored that
// this desktop would not have recorded itself.
func FuzzSyncApply(f *testing.F) {
	f.Add(true, "+4930123456", "id1", int64(1700000000000), "Anna", "UDXYZ", "Pixel", "answered", int64(42000), "UABC", "Tablet", "Anna", "mobile", "+4915123456789", "12")
	f.Add(false, "uid-1", "", int64(0), "", "", "", "", int64(0), "", "", "Bob\u202e", "work", "030 1234", "p1")
	f.Add(true, "112", "x", int64(-1), "\x1b[2J", "", "", "dialing", int64(-5), "", "", "", "", "", "")
	key, err := NewSyncKey()
	if err != nil {
		f.Fatal(err)
	}
	s, err := Open(filepath.Join(f.TempDir(), FileName))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	y, err := NewSyncer(s, nil, key, WithContacts())
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, recent bool, ref, syncID string, at int64, name, phoneID, phoneName, outcome string, ms int64, askedID, askedName, cname, label, e164, ext string) {
		e := entry{V: 1, Ref: ref, Updated: at, Device: "other-desktop"}
		if recent {
			e.Kind = kindRecent
			e.Call = &wireCall{SyncID: syncID, At: at, Name: name, PhoneID: phoneID, PhoneName: phoneName,
				Outcome: call.Outcome(outcome), Duration: ms, AskedByID: askedID, AskedByName: askedName}
		} else {
			e.Kind = kindContact
			e.Contact = &wireContact{Name: cname, Org: name, Numbers: []LabeledNumber{{Label: label, E164: e164, Ext: ext}}}
		}
		e.Key = y.keys.kvKey(e.Kind, e.Ref)
		plain, err := json.Marshal(e) // invalid UTF-8 becomes U+FFFD, as a desktop would send it
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := y.keys.sealValue(plain)
		if err != nil {
			t.Fatal(err)
		}
		if err := y.apply(ctx, e.Key, sealed, false); err != nil {
			t.Fatalf("apply: %v", err)
		}
		calls, err := s.Calls(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range calls {
			if !isE164(c.Number) || !c.Outcome.Valid() || c.Duration < 0 || checkCallText(c) != nil {
				t.Fatalf("stored a call this desktop would not record: %+v", c)
			}
		}
		contacts, err := s.Contacts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range contacts {
			if err := checkContact(&c); err != nil {
				t.Fatalf("stored a contact this desktop would not import: %+v: %v", c, err)
			}
			for _, n := range c.Numbers {
				if !isE164(n.E164) || !validExt(n.Ext) {
					t.Fatalf("stored a number this desktop would not import: %+v", n)
				}
			}
		}
	})
}
