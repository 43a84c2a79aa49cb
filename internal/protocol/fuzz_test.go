package protocol

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

// FuzzOpen feeds arbitrary bytes to Box.Open: it must never panic, and must
// fail with ErrMalformed or ErrForged unless the bytes are a real envelope.
func FuzzOpen(f *testing.F) {
	d, p := desktop(f), phone(f)
	db, pb := NewBox(d), NewBox(p)
	for _, k := range []Kind{KindDial, KindReply, KindStatus} {
		env, err := db.Seal(k, NewDial(d.ID, p.ID, "+12025550123", call.ModeCall, time.Unix(1767225600, 0), 0), p.CurvePub)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(env)
	}
	f.Add([]byte("DD\x01\x01"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		kind, sender, plain, err := pb.Open(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrForged) {
				t.Fatalf("error %v is neither ErrMalformed nor ErrForged", err)
			}
			if plain != nil || sender != "" || kind != 0 {
				t.Fatal("results returned with an error")
			}
			return
		}
		if sender != d.CurvePub {
			t.Fatalf("opened a box from %s, only %s sealed any", sender, d.CurvePub)
		}
		_, _ = DecodeDial(plain)
	})
}

// FuzzDecode feeds arbitrary bytes to every decoder: none may panic, errors
// are ErrMalformed, and whatever decodes re-encodes to an equal message.
func FuzzDecode(f *testing.F) {
	d, p := desktop(f), phone(f)
	dial := NewDial(d.ID, p.ID, "+12025550123", call.ModeCall, time.Unix(1767225600, 0), 0)
	for _, m := range []any{
		dial,
		Accept(dial.ID, "+12025550123"),
		Refuse(dial.ID, CodePremium, "premium-rate numbers are not dialled"),
		Status{V: 1, ID: dial.ID, Seq: 2, State: call.Ended, At: 1767225642000, DurationMS: 42000, From: p.ID.String()},
		Hangup{V: 1, ID: NewMsgID(), CallID: dial.ID, IssuedAt: dial.IssuedAt, ExpiresAt: dial.ExpiresAt, From: dial.From, To: dial.To},
	} {
		b, _ := json.Marshal(m)
		f.Add(b)
	}
	f.Add([]byte(`{"v":1,"id":"x","issued_at":1e400}`))
	f.Add([]byte(`{"v":1}{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(err error) {
			if err != nil && !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
		}
		if m, err := DecodeDial(data); err == nil {
			roundTrip(t, m, DecodeDial)
		} else {
			check(err)
		}
		if m, err := DecodeReply(data); err == nil {
			roundTrip(t, m, DecodeReply)
		} else {
			check(err)
		}
		if m, err := DecodeStatus(data); err == nil {
			roundTrip(t, m, DecodeStatus)
		} else {
			check(err)
		}
		if m, err := DecodeHangup(data); err == nil {
			roundTrip(t, m, DecodeHangup)
		} else {
			check(err)
		}
	})
}

func roundTrip[M comparable](t *testing.T, m M, decode func([]byte) (M, error)) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := decode(b)
	if err != nil || back != m {
		t.Fatalf("%+v does not survive a round trip: %v", m, err)
	}
}
