package history

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

// The sync values of docs/protocol.md ("History sync"), as fixed bytes:
// the sync key is the bytes 0 to 31, the call is to +4930901820.
const (
	formatKey    = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	formatBucket = "recent.d16f0e7ad53f29c3e51b49301c6e4cb0"
	// What a desktop of the previous version writes: no asker.
	formatOld = `{"v":1,"k":"recent.d16f0e7ad53f29c3e51b49301c6e4cb0","t":"recent","r":"+4930901820","u":1767225600000000000,"d":"office",` +
		`"c":{"id":"00112233445566778899aabbccddeeff","at":1767225600000,"pi":"M256QL-BSSP4O-DFAPKW-GKX4S6-J6NJJ3-QBIUGM","pn":"Pixel","o":"answered","ms":42000}}`
	// What this version writes for a call a phone asked for.
	formatNew = `{"v":1,"k":"recent.d16f0e7ad53f29c3e51b49301c6e4cb0","t":"recent","r":"+4930901820","u":1767225600000000000,"d":"office",` +
		`"c":{"id":"00112233445566778899aabbccddeeff","at":1767225600000,"pi":"M256QL-BSSP4O-DFAPKW-GKX4S6-J6NJJ3-QBIUGM","pn":"Pixel","o":"answered","ms":42000,` +
		`"ai":"2PEWRG-ZJZESD-VLWFR5-FQQ7YL-6Q7DG2-L6PBJK","an":"Tablet"}}`
)

// prevEntry and prevCall are the sync value as the previous version
// declared it, field for field: what it decodes of a value.
type prevEntry struct {
	V       int       `json:"v"`
	Key     string    `json:"k"`
	Kind    string    `json:"t"`
	Ref     string    `json:"r"`
	Updated int64     `json:"u"`
	Device  string    `json:"d"`
	Deleted bool      `json:"x,omitempty"`
	Call    *prevCall `json:"c,omitempty"`
}

type prevCall struct {
	SyncID    string       `json:"id"`
	At        int64        `json:"at"`
	Name      string       `json:"n,omitempty"`
	PhoneID   string       `json:"pi,omitempty"`
	PhoneName string       `json:"pn,omitempty"`
	Outcome   call.Outcome `json:"o,omitempty"`
	Duration  int64        `json:"ms,omitempty"`
}

func formatSyncer(t *testing.T, s *Store) *Syncer {
	t.Helper()
	key, err := ParseSyncKey(formatKey)
	if err != nil {
		t.Fatal(err)
	}
	y, err := NewSyncer(s, nil, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := y.keys.kvKey(kindRecent, "+4930901820"); got != formatBucket {
		t.Fatalf("bucket key %s, want %s", got, formatBucket)
	}
	return y
}

// applyPlain seals plain as a desktop does and applies it as arriving
// from the bucket.
func applyPlain(t *testing.T, y *Syncer, plain string) {
	t.Helper()
	sealed, err := y.keys.sealValue([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	if err := y.apply(context.Background(), formatBucket, sealed, false); err != nil {
		t.Fatal(err)
	}
}

// TestSyncFormatAcrossVersions: a call a phone asked for keeps its asker
// between desktops of this version, and the format stays version 1 both
// ways: this version reads a previous version's value (no asker), and a
// previous version reads this version's (it ignores the asker).
func TestSyncFormatAcrossVersions(t *testing.T) {
	ctx := context.Background()
	at := time.UnixMilli(1767225600000)

	// What this version writes, byte for byte.
	e := entry{V: 1, Key: formatBucket, Kind: kindRecent, Ref: "+4930901820", Updated: at.UnixNano(), Device: "office",
		Call: &wireCall{SyncID: "00112233445566778899aabbccddeeff", At: at.UnixMilli(), PhoneID: "M256QL-BSSP4O-DFAPKW-GKX4S6-J6NJJ3-QBIUGM",
			PhoneName: "Pixel", Outcome: call.OutcomeAnswered, Duration: 42000, AskedByID: "2PEWRG-ZJZESD-VLWFR5-FQQ7YL-6Q7DG2-L6PBJK", AskedByName: "Tablet"}}
	if b, err := json.Marshal(e); err != nil || string(b) != formatNew {
		t.Fatalf("this version writes\n%s\nwant\n%s (%v)", b, formatNew, err)
	}
	// And from the history row of such a call.
	src, _ := openTemp(t)
	if _, err := src.RecordCall(ctx, Call{At: at, Number: "+4930901820", PhoneID: "P", PhoneName: "Pixel", Outcome: call.OutcomeAccepted,
		AskedByID: "T", AskedByName: "Tablet"}); err != nil {
		t.Fatal(err)
	}
	built, err := formatSyncer(t, src).build(ctx, kindRecent, "+4930901820", at.UnixNano())
	if err != nil || built.V != 1 || built.Call == nil || built.Call.AskedByID != "T" || built.Call.AskedByName != "Tablet" {
		t.Fatalf("built %+v, %v", built.Call, err)
	}

	// The previous version reads this version's value: version 1, every
	// field it knows as it was.
	var prev prevEntry
	if err := json.Unmarshal([]byte(formatNew), &prev); err != nil || prev.V != 1 || prev.Key != formatBucket || prev.Call == nil {
		t.Fatalf("previous version decodes %+v, %v", prev, err)
	}
	if c := *prev.Call; c != (prevCall{SyncID: "00112233445566778899aabbccddeeff", At: at.UnixMilli(), PhoneID: "M256QL-BSSP4O-DFAPKW-GKX4S6-J6NJJ3-QBIUGM",
		PhoneName: "Pixel", Outcome: call.OutcomeAnswered, Duration: 42000}) {
		t.Fatalf("previous version reads the call as %+v", c)
	}

	// This version reads the previous version's value, and its own.
	for _, tc := range []struct {
		name, plain  string
		askID, askBy string
	}{
		{"previous version's value", formatOld, "", ""},
		{"this version's value", formatNew, "2PEWRG-ZJZESD-VLWFR5-FQQ7YL-6Q7DG2-L6PBJK", "Tablet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := openTemp(t)
			applyPlain(t, formatSyncer(t, s), tc.plain)
			calls, err := s.Calls(ctx, 0)
			if err != nil || len(calls) != 1 {
				t.Fatalf("calls %+v, %v", calls, err)
			}
			c := calls[0]
			if c.Number != "+4930901820" || c.PhoneName != "Pixel" || c.Outcome != call.OutcomeAnswered || c.Duration != 42*time.Second ||
				!c.At.Equal(at) || c.AskedByID != tc.askID || c.AskedByName != tc.askBy {
				t.Fatalf("stored %+v", c)
			}
		})
	}
}

// A copy of a call without its asker (sent on by a desktop of the previous
// version) updates the outcome and leaves the asker kept.
func TestSyncKeepsAskerAgainstOlderCopy(t *testing.T) {
	s, _ := openTemp(t)
	ctx := context.Background()
	now := time.Now()
	withAsker := entry{Kind: kindRecent, Ref: "+4930901820", Updated: now.UnixNano(), Call: &wireCall{SyncID: "c1", At: now.UnixMilli(),
		Outcome: call.OutcomeAccepted, AskedByID: "T", AskedByName: "Tablet"}}
	without := entry{Kind: kindRecent, Ref: "+4930901820", Updated: now.UnixNano() + 1, Call: &wireCall{SyncID: "c1", At: now.UnixMilli(),
		Outcome: call.OutcomeEnded}}
	applyEntries(t, s, []entry{withAsker, without})
	calls, _ := s.Calls(ctx, 0)
	if len(calls) != 1 || calls[0].Outcome != call.OutcomeEnded || calls[0].AskedByID != "T" || calls[0].AskedByName != "Tablet" {
		t.Fatalf("calls %+v", calls)
	}
}
