package agent

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/protocol"
)

// A short code (emergency or service number) sent for a prefill reaches
// the dialer as digits, as typed, so the phone's own dialer routes it; it
// is never rewritten into E.164 (+49112 reaches nobody), and never called.
func TestShortCodePrefilledAsTyped(t *testing.T) {
	s := newPhoneSetup(t)
	a := s.start(t)
	ctx := context.Background()
	send := func(target string, mode call.Mode) protocol.Reply {
		t.Helper()
		req := protocol.NewDial(s.desk.ID, s.phone.ID, target, mode, time.Now(), protocol.MaxTTL)
		b, err := protocol.NewBox(s.desk).Seal(protocol.KindDial, req, s.phone.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		return s.reply(t, a.Handle(ctx, b, nil))
	}
	var want []string
	for _, c := range []struct{ target, digits string }{
		{"112", "112"}, {"110", "110"}, {"1 1 2", "112"}, {"tel:11%32", "112"}, {"116117", "116117"},
	} {
		r := send(c.target, call.ModePrefill)
		if !r.Accepted || r.Number != c.digits || r.Mode != call.ModePrefill {
			t.Errorf("prefill %q: %+v; want the dialer opened with %s", c.target, r, c.digits)
			continue
		}
		want = append(want, c.digits)
	}
	for _, c := range []struct {
		target string
		code   protocol.Code
	}{
		{"112", protocol.CodeEmergency}, {"tel:110", protocol.CodeEmergency}, {"11833", protocol.CodePremium},
	} {
		if r := send(c.target, call.ModeCall); r.Accepted || r.Code != c.code {
			t.Errorf("call %q: %+v; want refused as %s", c.target, r, c.code)
		}
	}
	if got := s.dialled(t); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("dialled %q, want %q", got, want)
	}
}

// The desktop's region need not be the phone's: a short code of another
// region (000 in Australia, sent to a phone set to DE) is still only filled
// in, as typed, and never called.
func TestShortCodeOfAnotherRegion(t *testing.T) {
	s := newPhoneSetup(t)
	a := s.start(t)
	ctx := context.Background()
	send := func(target string, mode call.Mode) protocol.Reply {
		t.Helper()
		req := protocol.NewDial(s.desk.ID, s.phone.ID, target, mode, time.Now(), protocol.MaxTTL)
		b, err := protocol.NewBox(s.desk).Seal(protocol.KindDial, req, s.phone.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		return s.reply(t, a.Handle(ctx, b, nil))
	}
	if r := send("000", call.ModePrefill); !r.Accepted || r.Number != "000" {
		t.Errorf("prefill 000: %+v; want the dialer opened with 000", r)
	}
	if r := send("000", call.ModeCall); r.Accepted || r.Code != protocol.CodeEmergency {
		t.Errorf("call 000: %+v; want refused as emergency", r)
	}
	if got := s.dialled(t); strings.Join(got, " ") != "000" {
		t.Errorf("dialled %q, want only the prefilled 000", got)
	}
}
