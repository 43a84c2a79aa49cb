package remote

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

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
	// The real phone goes away; the server says nobody listens on its
	// dial subject, so the forged discovery answers do not bring it back.
	w.stop()
	w.waitOnline(w.client, false)
	// Now the relay answers presence pings on the phone's own dial
	// subject in its name. The phone shows as online (an answer is only
	// a hint), with what was learned at pairing.
	sub, err := mallory.Subscribe(ctx, protocol.SubjectDial("deskdial", w.phone.ID), func(m bus.Msg) {
		b, _ := json.Marshal(forged)
		_ = m.Respond(b)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	if err := mallory.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	check(false)
}

// TestPhonesListsOlderPhones: a phone from before presence answered on the
// dial subject registers a micro service with its signed presence and does
// not answer an empty request. It is listed, verified, and pinged on its
// dial subject only once by a client (an older phone writes every ping to
// its audit log as a malformed message).
func TestPhonesListsOlderPhones(t *testing.T) {
	url := externalNATS(t)
	w := newWorld(t, worldOpts{server: url})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w.stop()
	w.waitOnline(w.client, false)

	old, err := bus.Connect(ctx, bus.URLs(url))
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	meta, err := w.agent.Presence().SignedMetadata(w.phone)
	if err != nil {
		t.Fatal(err)
	}
	var pings atomic.Int32
	if _, err := old.AddService(ctx, bus.Service{Name: protocol.ServiceName, Version: "1.0.0",
		Subject: protocol.SubjectDial("deskdial", w.phone.ID), Metadata: meta,
		Handler: func(m bus.Msg) {
			if len(m.Data) == 0 {
				pings.Add(1) // an older agent: not an envelope, no answer
			}
		}}); err != nil {
		t.Fatal(err)
	}
	if err := old.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		list, err := w.client.Phones(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("phones: %+v, %v", list, err)
		}
		if p := list[0]; !p.Online || !p.Verified || p.Presence.Name != "Pixel" {
			t.Fatalf("older phone listed as %+v, want online with its signed presence", p)
		}
	}
	if n := pings.Load(); n != 1 {
		t.Fatalf("the older phone got %d presence pings on its dial subject, want 1", n)
	}
}
