package protocol

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// announceVectors is testdata/announce_vectors.json: an announcement the
// phone of the vectors seals to the desktop, quoted by docs/protocol.md and
// checked by the page's node tests too.
type announceVectors struct {
	Subject  string `json:"subject"`
	Nonce    string `json:"nonce"`
	JSON     string `json:"json"`
	Envelope string `json:"envelope"`
}

func TestAnnounceVectors(t *testing.T) {
	d, p := desktop(t), phone(t)
	issued := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	a := Announce{V: 1, ID: "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", IssuedAt: issued.UnixMilli(),
		ExpiresAt: issued.Add(AnnounceTTL).UnixMilli(), From: p.ID.String(), To: d.ID.String(), State: AnnounceOnline}
	nonce := bytes.Repeat([]byte{0x27}, 24)
	env, err := NewBox(p, WithRand(bytes.NewReader(nonce))).Seal(KindAnnounce, a, d.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(a)
	got := announceVectors{Subject: SubjectStatus("deskdial", d.ID), Nonce: hex.EncodeToString(nonce),
		JSON: string(j), Envelope: hex.EncodeToString(env)}
	out, _ := json.MarshalIndent(got, "", "  ")
	out = append(out, '\n')
	golden(t, "announce_vectors.json", string(out), got.JSON, got.Envelope)
	k, sender, plain, err := NewBox(d).Open(env)
	if err != nil || k != KindAnnounce || sender != p.CurvePub {
		t.Fatalf("desktop opens the announcement: %v %v %v", k, sender, err)
	}
	if back, err := DecodeAnnounce(plain); err != nil || back != a {
		t.Fatalf("decode announcement: %+v %v", back, err)
	}
}

func TestAnnounceRules(t *testing.T) {
	d, p := desktop(t), phone(t)
	now := time.Now()
	ok := NewAnnounce(p.ID, d.ID, AnnounceOffline, now)
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid announcement refused: %v", err)
	}
	if ok.Online() || ok.ExpiresAt-ok.IssuedAt != AnnounceTTL.Milliseconds() {
		t.Fatalf("NewAnnounce = %+v", ok)
	}
	if err := ok.CheckTime(now.Add(AnnounceTTL + time.Millisecond)); !errors.Is(err, ErrExpired) {
		t.Errorf("stale announcement: %v, want ErrExpired", err)
	}
	if err := ok.CheckTime(now.Add(-MaxSkew - time.Second)); !errors.Is(err, ErrNotYetValid) {
		t.Errorf("announcement from the future: %v, want ErrNotYetValid", err)
	}
	bad := map[string]func(a *Announce){
		"version":    func(a *Announce) { a.V = 2 },
		"state":      func(a *Announce) { a.State = "away" },
		"no state":   func(a *Announce) { a.State = "" },
		"from":       func(a *Announce) { a.From = "x" },
		"lower-case": func(a *Announce) { a.To = strings.ToLower(a.To) },
		"id":         func(a *Announce) { a.ID = "a b" },
		"ttl":        func(a *Announce) { a.ExpiresAt = a.IssuedAt + MaxTTL.Milliseconds() + 1 },
		"no issued":  func(a *Announce) { a.IssuedAt = 0 },
	}
	for name, f := range bad {
		a := ok
		f(&a)
		if err := a.Validate(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// A desktop older than announcements knows kinds 1 to 8 and refuses any
// other before it opens the box: what it does with kind 9 is what this
// build does with the next kind, refuse it as malformed, and go on.
func TestUnknownKindRefusedUnopened(t *testing.T) {
	d, p := desktop(t), phone(t)
	env, err := NewBox(p).Seal(KindAnnounce, NewAnnounce(p.ID, d.ID, AnnounceOnline, time.Now()), d.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	env[3] = byte(KindAnnounce) + 1
	if _, _, _, err := NewBox(d).Open(env); !errors.Is(err, ErrMalformed) {
		t.Fatalf("unknown kind: %v, want ErrMalformed", err)
	}
}

func FuzzDecodeAnnounce(f *testing.F) {
	d, p := desktop(f), phone(f)
	b, _ := json.Marshal(NewAnnounce(p.ID, d.ID, AnnounceOnline, time.Unix(1767225600, 0)))
	f.Add(b)
	f.Add([]byte(`{"v":1,"id":"a","issued_at":1,"expires_at":2,"from":"x","to":"y","state":"online"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAnnounce(b)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		roundTrip(t, a, DecodeAnnounce)
	})
}
