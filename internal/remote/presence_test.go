package remote

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/bus"
	"github.com/deskdial/deskdial/internal/protocol"
)

// TestPresenceForgedByRelayNotShown is the attack on a hosted relay: its
// operator (here: anyone on an open nats-server) answers discovery in a
// paired phone's name with text meant for the user's terminal. What the
// desktop shows comes only from what the phone signed, or else from what
// it said, authenticated, at pairing.
func TestPresenceForgedByRelayNotShown(t *testing.T) {
	url := externalNATS(t)
	w := newWorld(t, worldOpts{server: url})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	mallory, err := bus.Connect(ctx, bus.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	defer mallory.Close()
	forged := map[string]string{
		"id": w.phone.ID.String(), "name": "Pixel\x1b]0;pwned\x07",
		"backend": "log\x1b[2J\nEvil\tonline\tcalls", "places_calls": "false",
		"can_hangup": "true", "version": "1.0\u202e",
	}
	tidy := map[string]string{ // well-formed, but not signed by the phone
		"id": w.phone.ID.String(), "name": "Pixel", "backend": "adb",
		"places_calls": "false", "can_hangup": "true", "version": "6.6.6",
	}
	for _, m := range []map[string]string{forged, tidy} {
		if _, err := mallory.AddService(ctx, bus.Service{Name: protocol.ServiceName, Version: "1.0.0",
			Subject: "mallory." + m["version"][:1], Metadata: m, Handler: func(bus.Msg) {}}); err != nil {
			t.Fatal(err)
		}
	}

	check := func(wantVerified bool) {
		t.Helper()
		list, err := w.client.Phones(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("phones: %+v, %v", list, err)
		}
		p := list[0]
		if !p.Online || p.Verified != wantVerified {
			t.Fatalf("online %v verified %v, want online and verified=%v", p.Online, p.Verified, wantVerified)
		}
		pr := p.Presence
		if pr.Backend != "log" || !pr.PlacesCalls || pr.Name != "Pixel" || pr.Version == "6.6.6" {
			t.Fatalf("presence shown = %+v, want the phone's own (log, places calls)", pr)
		}
		if strings.ContainsAny(pr.Name+pr.Backend+pr.Version, "\x1b\n\t\u202e") {
			t.Fatalf("hostile text reached the listing: %+v", pr)
		}
	}
	// The real phone is online and signs: its presence wins.
	check(true)
	// The real phone goes away; the relay still answers in its name. The
	// listing falls back to what was learned at pairing.
	w.stop()
	deadline := time.Now().Add(10 * time.Second)
	for {
		list, err := w.client.Phones(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 1 && !list[0].Verified {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the phone's signed presence is still seen after it stopped: %+v", list)
		}
	}
	check(false)
}
