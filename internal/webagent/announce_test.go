package webagent

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/protocol"
)

// TestAnnouncementsOpen: the page's agent's announcements, sealed in
// JavaScript, open at a Go desktop as a phone's announcements must (sealed
// by the phone's key, kind 9, from the phone to this desktop, in their time
// window now, on the desktop's status subject), online and then offline.
func TestAnnouncementsOpen(t *testing.T) {
	phone, desk := identity(t, "phone"), identity(t, "desk")
	in, _ := json.Marshal(map[string]any{"id": phone.ID.String(), "curveSeed": curveSeed(t, phone),
		"desktop": map[string]string{"id": desk.ID.String(), "curvePub": desk.CurvePub}})
	lines := strings.Fields(string(runNode(t, in, "tools/announce.mjs")))
	if len(lines) != 4 {
		t.Fatalf("the page wrote %q, want two subjects and envelopes", lines)
	}
	box := protocol.NewBox(desk)
	var last protocol.Announce
	for i, state := range []string{protocol.AnnounceOnline, protocol.AnnounceOffline} {
		if want := protocol.SubjectStatus("deskdial", desk.ID); lines[2*i] != want {
			t.Fatalf("%s announcement on %s, want %s", state, lines[2*i], want)
		}
		env, err := hex.DecodeString(lines[2*i+1])
		if err != nil {
			t.Fatal(err)
		}
		kind, sender, plain, err := box.Open(env)
		if err != nil || kind != protocol.KindAnnounce || sender != phone.CurvePub {
			t.Fatalf("%s announcement opens as %v from %s: %v", state, kind, sender, err)
		}
		a, err := protocol.DecodeAnnounce(plain)
		if err != nil {
			t.Fatalf("%s announcement: %v", state, err)
		}
		if a.State != state || a.From != phone.ID.String() || a.To != desk.ID.String() || a.CheckTime(time.Now()) != nil {
			t.Fatalf("announcement %+v, want %s from the phone to the desktop, valid now", a, state)
		}
		if a.ExpiresAt-a.IssuedAt != protocol.AnnounceTTL.Milliseconds() || a.ID == last.ID || a.IssuedAt < last.IssuedAt {
			t.Fatalf("announcement %+v after %+v: want 30 s, a new id, not earlier", a, last)
		}
		last = a
	}
}
