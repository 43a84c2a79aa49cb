package protocol

import (
	"errors"
	"strings"
	"testing"
)

func TestPresenceSignedRoundTrip(t *testing.T) {
	ph := phone(t)
	p := Presence{ID: ph.ID.String(), Name: "Pixel 8", Backend: "modemmanager", PlacesCalls: true, CanHangup: true, Version: "1.4.0-3-gabc"}
	m, err := p.SignedMetadata(ph)
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyPresence(m, ph.SignPub)
	if err != nil || got != p {
		t.Fatalf("VerifyPresence = %+v, %v; want %+v", got, err, p)
	}
}

// TestPresenceForgedByRelay is the attack: presence is not sealed, so a
// relay operator answers discovery in a paired phone's name, or alters the
// phone's answer. None of it may verify.
func TestPresenceForgedByRelay(t *testing.T) {
	ph := phone(t)
	p := Presence{ID: ph.ID.String(), Name: "Pixel", Backend: "adb", PlacesCalls: true, Version: "1.0"}
	m, err := p.SignedMetadata(ph)
	if err != nil {
		t.Fatal(err)
	}
	change := map[string]func(map[string]string){
		"unsigned":       func(m map[string]string) { delete(m, "sig") },
		"garbage sig":    func(m map[string]string) { m["sig"] = "!!" },
		"name":           func(m map[string]string) { m["name"] = "Pixel (update required)" },
		"backend":        func(m map[string]string) { m["backend"] = "log" },
		"places_calls":   func(m map[string]string) { m["places_calls"] = "false" },
		"can_hangup":     func(m map[string]string) { m["can_hangup"] = "true" },
		"reports_states": func(m map[string]string) { m["reports_states"] = "true" },
		"version":        func(m map[string]string) { m["version"] = "9.9" },
		"signed by other": func(m map[string]string) {
			o, _ := p.SignedMetadata(fresh(t))
			m["sig"] = o["sig"]
		},
	}
	for name, fn := range change {
		c := map[string]string{}
		for k, v := range m {
			c[k] = v
		}
		fn(c)
		if _, err := VerifyPresence(c, ph.SignPub); !errors.Is(err, ErrForged) {
			t.Errorf("%s: VerifyPresence = %v, want ErrForged", name, err)
		}
	}
	// A valid presence checked against another phone's key.
	if _, err := VerifyPresence(m, fresh(t).SignPub); !errors.Is(err, ErrForged) {
		t.Errorf("other key: %v, want ErrForged", err)
	}
}

// TestPresenceHostileFields: escape sequences, line breaks, bidi overrides
// and huge values are refused where presence is read, signed or not.
func TestPresenceHostileFields(t *testing.T) {
	ph := phone(t)
	base := Presence{ID: ph.ID.String(), Name: "Pixel", Backend: "adb", Version: "1.0"}
	bad := map[string]Presence{}
	for _, s := range []string{"\x1b]0;pwned\x07", "adb\nPixel2\tonline", "adb\u202e", strings.Repeat("a", 100000), "ADB", "a b"} {
		p := base
		p.Backend = s
		bad["backend "+s[:min(len(s), 8)]] = p
		p = base
		p.Version = s
		bad["version "+s[:min(len(s), 8)]] = p
	}
	for _, s := range []string{"Pixel\x1b[2J", "Pixel\nMallory", "Pixel \u202egnp", strings.Repeat("P", 65), "Pixel\xff"} {
		p := base
		p.Name = s
		bad["name "+s[:min(len(s), 8)]] = p
	}
	for name, p := range bad {
		if name == "version ADB" {
			continue // upper case is fine in a version, not in a backend
		}
		if _, err := PresenceFromMetadata(p.Metadata()); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: PresenceFromMetadata = %v, want ErrMalformed", name, err)
		}
		if _, err := p.SignedMetadata(ph); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: SignedMetadata = %v, want ErrMalformed", name, err)
		}
	}
}

// FuzzPresenceFromMetadata: whatever a relay puts in presence, reading it
// never panics, and what is accepted is plain text.
func FuzzPresenceFromMetadata(f *testing.F) {
	f.Add("Pixel", "adb", "1.0", "")
	f.Add("Pixel\x1b[2J", "log\n", "1.0\u202e", "!!")
	f.Fuzz(func(t *testing.T, name, backend, version, sig string) {
		ph := phone(t)
		m := map[string]string{"id": ph.ID.String(), "name": name, "backend": backend, "version": version, "sig": sig}
		p, err := PresenceFromMetadata(m)
		if err != nil {
			return
		}
		for _, s := range []string{p.Name, p.Backend, p.Version} {
			if strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || r == 0x202e }) {
				t.Fatalf("accepted %q", s)
			}
		}
		if _, err := VerifyPresence(m, ph.SignPub); err == nil {
			t.Fatalf("a presence with a made-up signature verified: %v", m)
		}
	})
}

// TestPresenceAnswerRoundTrip: the answer to a presence ping carries the
// same signed presence as the micro service metadata did.
func TestPresenceAnswerRoundTrip(t *testing.T) {
	ph := phone(t)
	p := Presence{ID: ph.ID.String(), Name: "Pixel \"8\"", Backend: "ofono", PlacesCalls: true, ReportsStates: true, Version: "2.0.0"}
	b, err := p.SignedAnswer(ph)
	if err != nil {
		t.Fatal(err)
	}
	m, err := MetadataFromAnswer(b)
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyPresence(m, ph.SignPub)
	if err != nil || got != p {
		t.Fatalf("VerifyPresence = %+v, %v; want %+v", got, err, p)
	}
	if IsPresencePing(b) || !IsPresencePing(nil) {
		t.Fatal("IsPresencePing: only an empty message is a ping")
	}
	for _, bad := range []string{"", "null", "[]", `{"id":1}`, `"x"`, "{" + strings.Repeat(" ", MaxPresenceAnswer) + "}"} {
		if _, err := MetadataFromAnswer([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("MetadataFromAnswer(%.20q) = %v, want ErrMalformed", bad, err)
		}
	}
}

// FuzzMetadataFromAnswer: whatever answers a presence ping, reading it
// never panics, and a made-up answer never verifies.
func FuzzMetadataFromAnswer(f *testing.F) {
	f.Add([]byte(`{"id":"x","name":"Pixel","sig":"AA=="}`))
	f.Add([]byte(`{"name":"\u001b[2J"}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := MetadataFromAnswer(b)
		if err != nil {
			return
		}
		ph := phone(t)
		m["id"] = ph.ID.String()
		if _, err := VerifyPresence(m, ph.SignPub); err == nil {
			t.Fatalf("a made-up presence answer verified: %q", b)
		}
	})
}
