package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/protocol"
)

// phoneSetup is a phone with one paired desktop, the log backend and an
// audit log, all in a temporary directory.
type phoneSetup struct {
	dir, dialLog, audit string
	phone, desk         *device.Identity
	reg                 *device.Registry
}

func newPhoneSetup(t *testing.T) *phoneSetup {
	t.Helper()
	dir := t.TempDir()
	s := &phoneSetup{dir: dir, dialLog: filepath.Join(dir, "dialled.txt"), audit: filepath.Join(dir, AuditFile)}
	var err error
	if s.phone, err = device.LoadOrCreate(filepath.Join(dir, "phone")); err != nil {
		t.Fatal(err)
	}
	if s.desk, err = device.LoadOrCreate(filepath.Join(dir, "desk")); err != nil {
		t.Fatal(err)
	}
	if s.reg, err = device.OpenRegistry(filepath.Join(dir, "phone")); err != nil {
		t.Fatal(err)
	}
	if err := s.reg.Add(device.Peer{ID: s.desk.ID, Name: "Laptop", Role: device.RoleDesktop,
		SignPub: s.desk.SignPub, CurvePub: s.desk.CurvePub, AddedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	return s
}

// start runs an agent process for the phone: every call is a fresh agent
// over the same files, as after a restart.
func (s *phoneSetup) start(t *testing.T) *Agent {
	t.Helper()
	a, err := New(Config{Identity: s.phone, Registry: s.reg, RegistryDir: filepath.Join(s.dir, "phone"),
		Dialer: logdial.New(s.dialLog), Region: "DE", AuditPath: s.audit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func (s *phoneSetup) dialled(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(s.dialLog)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(b))
}

func (s *phoneSetup) reply(t *testing.T, sealed []byte) protocol.Reply {
	t.Helper()
	kind, sender, plain, err := protocol.NewBox(s.desk).Open(sealed)
	if err != nil || kind != protocol.KindReply || sender != s.phone.CurvePub {
		t.Fatalf("reply does not open as the phone's: kind %v, err %v", kind, err)
	}
	r, err := protocol.DecodeReply(plain)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A request captured on the relay and replayed after the phone's agent
// restarted, still inside its validity window, must not dial a second time.
func TestReplayAfterRestartIsRefused(t *testing.T) {
	s := newPhoneSetup(t)
	req := protocol.NewDial(s.desk.ID, s.phone.ID, "+49 30 1234567", call.ModeCall, time.Now(), protocol.MaxTTL)
	sealed, err := protocol.NewBox(s.desk).Seal(protocol.KindDial, req, s.phone.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	first := s.start(t)
	if r := s.reply(t, first.Handle(ctx, sealed, nil)); !r.Accepted {
		t.Fatalf("first request refused: %s %s", r.Code, r.Reason)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	again := s.start(t)
	r := s.reply(t, again.Handle(ctx, sealed, nil))
	if r.Accepted || r.Code != protocol.CodeReplayed {
		t.Errorf("replay after restart: accepted %v code %q (%s), want refused as %q", r.Accepted, r.Code, r.Reason, protocol.CodeReplayed)
	}
	if got := s.dialled(t); len(got) != 1 {
		t.Errorf("dialled %v, want the number once", got)
	}

	// A fresh request from the same desktop still goes through.
	req2 := protocol.NewDial(s.desk.ID, s.phone.ID, "+49 30 7654321", call.ModeCall, time.Now(), protocol.MaxTTL)
	sealed2, _ := protocol.NewBox(s.desk).Seal(protocol.KindDial, req2, s.phone.CurvePub)
	if r := s.reply(t, again.Handle(ctx, sealed2, nil)); !r.Accepted {
		t.Errorf("a new request after restart was refused: %s %s", r.Code, r.Reason)
	}
}

// An offer may name a desktop this phone already trusts (its ID and signing
// key are public) with the offerer's own curve key. Pairing with it would
// replace the real desktop's key: its requests would be refused, and the
// offerer's would be logged under the real desktop's name.
func TestPairRefusesOfferImpersonatingAPairedDesktop(t *testing.T) {
	s := newPhoneSetup(t)
	mallory, err := device.LoadOrCreate(filepath.Join(s.dir, "mallory"))
	if err != nil {
		t.Fatal(err)
	}
	o, err := pairing.NewOffer(s.desk, "Laptop", []string{"tls://127.0.0.1:1"}, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	o.CurvePub = mallory.CurvePub
	forged, err := pairing.ParseOffer(o.URI())
	if err != nil {
		t.Fatalf("the forged offer should parse (its fields are well formed): %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = Pair(ctx, forged, s.phone, s.reg, "Pixel", Caps{Backend: "log"}, PairOptions{CredsDir: filepath.Join(s.dir, "phone")})
	if !errors.Is(err, ErrPairConflict) {
		t.Fatalf("Pair = %v, want ErrPairConflict", err)
	}
	p, ok := s.reg.Get(s.desk.ID)
	if !ok || p.CurvePub != s.desk.CurvePub {
		t.Fatalf("the paired desktop's key changed to %q", p.CurvePub)
	}
}

// The replay cache is rebuilt from the end of a long audit log: every dial
// of the last window is found across read chunks, older ones are not.
func TestRecentDialsReadsBackwardsAcrossChunks(t *testing.T) {
	path := filepath.Join(t.TempDir(), AuditFile)
	l, err := openAudit(path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	since := now.Add(-replayWindow)
	for i := 0; i < 300; i++ {
		_ = l.write(Entry{Time: since.Add(-time.Hour), Kind: "dial", ID: "old" + strings.Repeat("x", i%40), Decision: "accepted"})
	}
	want := map[string]bool{}
	for i := 0; i < 1500; i++ {
		id := protocol.NewMsgID()
		kind := "dial"
		if i%7 == 0 {
			kind = "hangup"
		} else {
			want[id] = true
		}
		_ = l.write(Entry{Time: since.Add(time.Duration(i) * time.Millisecond), Kind: kind, ID: id, Decision: "refused",
			Target: "+49 30 1234567", Reason: "a reason long enough to make the log span several read chunks"})
	}
	if err := l.close(); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Size() < 2*auditChunk {
		t.Fatalf("log of %d bytes does not span chunks", fi.Size())
	}
	got, err := recentDials(path, since)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range got {
		if !want[e.ID] {
			t.Fatalf("found %q (%s at %s), not a recent dial", e.ID, e.Kind, e.Time)
		}
		delete(want, e.ID)
	}
	if len(want) != 0 {
		t.Errorf("%d recent dials not found", len(want))
	}
}

// FuzzRecentDials: whatever the audit log holds, reading it back never
// fails or returns an entry from before the window (by its clock mark, or
// its time for a line without one).
func FuzzRecentDials(f *testing.F) {
	f.Add([]byte(`{"time":"2030-01-01T00:00:00Z","kind":"dial","id":"a","decision":"accepted"}` + "\n"))
	f.Add([]byte("{\"time\":\n\n\n{}"))
	f.Add([]byte(`{"time":"1999-01-01T00:00:00Z","kind":"dial","id":"b"}`))
	f.Add([]byte(`{"time":"1999-01-01T00:00:00Z","kind":"dial","id":"c","expires_at":1,"clock_mark":1893456000000}`))
	since := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), AuditFile)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := recentDials(path, since)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			if e.order().Before(since) || e.Kind != "dial" || e.ID == "" {
				t.Fatalf("returned %+v", e)
			}
		}
	})
}

// A peers.json the agent cannot read any more (a hand edit gone wrong, a
// desktop removed by editing the file) must not leave the old list trusted:
// nothing is dialled until the file reads again.
func TestUnreadableRegistryDialsNothing(t *testing.T) {
	s := newPhoneSetup(t)
	a := s.start(t)
	ctx := context.Background()
	send := func(target string) protocol.Reply {
		req := protocol.NewDial(s.desk.ID, s.phone.ID, target, call.ModeCall, time.Now(), protocol.MaxTTL)
		sealed, err := protocol.NewBox(s.desk).Seal(protocol.KindDial, req, s.phone.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		return s.reply(t, a.Handle(ctx, sealed, nil))
	}
	if r := send("+49 30 1234567"); !r.Accepted {
		t.Fatalf("refused while paired: %s %s", r.Code, r.Reason)
	}
	peers := filepath.Join(s.dir, "phone", device.PeersFile)
	good, err := os.ReadFile(peers)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(peers, []byte(`{"version":1,"peers":[`), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := send("+49 30 7654321"); r.Accepted || r.Code != protocol.CodeUnknownSender {
		t.Errorf("with an unreadable peers.json: accepted %v code %q (%s), want refused as %q", r.Accepted, r.Code, r.Reason, protocol.CodeUnknownSender)
	}
	if got := s.dialled(t); len(got) != 1 {
		t.Errorf("dialled %v, want only the first number", got)
	}
	if err := os.WriteFile(peers, good, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := send("+49 30 7654321"); !r.Accepted {
		t.Errorf("refused once peers.json reads again: %s %s", r.Code, r.Reason)
	}
}

// A phone whose clock runs ahead refuses a fresh request as expired; when
// the clock is then set right (NTP, the network's time), a replay of that
// request is inside its window by the new clock. It must not dial: the
// desktop was told nothing was dialled.
func TestReplayAfterClockStepsBackIsNotDialled(t *testing.T) {
	s := newPhoneSetup(t)
	t0 := time.Now()
	var clock time.Time
	a, err := New(Config{Identity: s.phone, Registry: s.reg, RegistryDir: filepath.Join(s.dir, "phone"),
		Dialer: logdial.New(s.dialLog), Region: "DE", AuditPath: s.audit}, WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	seal := func(target string, issued time.Time) []byte {
		req := protocol.NewDial(s.desk.ID, s.phone.ID, target, call.ModeCall, issued, 30*time.Second)
		b, err := protocol.NewBox(s.desk).Seal(protocol.KindDial, req, s.phone.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	captured := seal("+49 30 1111111", t0)
	clock = t0.Add(40 * time.Second) // 40 s ahead
	if r := s.reply(t, a.Handle(ctx, captured, nil)); r.Accepted || r.Code != protocol.CodeExpired {
		t.Fatalf("with the clock ahead: accepted %v code %q, want %q", r.Accepted, r.Code, protocol.CodeExpired)
	}
	clock = t0.Add(42 * time.Second) // the phone goes on serving
	if r := s.reply(t, a.Handle(ctx, seal("+49 30 2222222", clock), nil)); !r.Accepted {
		t.Fatalf("a current request was refused: %s %s", r.Code, r.Reason)
	}
	clock = t0.Add(5 * time.Second) // the clock is set right
	if r := s.reply(t, a.Handle(ctx, captured, nil)); r.Accepted {
		t.Errorf("the replay after the clock was set right was accepted")
	}
	for _, n := range s.dialled(t) {
		if n == "+49301111111" {
			t.Errorf("dialled %s, which the desktop was told had expired", n)
		}
	}
}

// With USSD/MMI codes allowed, the code is filled in as the phone's dialer
// would take it, and a target that is more than a code is refused rather
// than handed to the backend as it came.
func TestAllowedMMICodeIsCleanedOrRefused(t *testing.T) {
	s := newPhoneSetup(t)
	a, err := New(Config{Identity: s.phone, Registry: s.reg, RegistryDir: filepath.Join(s.dir, "phone"),
		Dialer: logdial.New(s.dialLog), Region: "DE", AuditPath: s.audit, AllowMMI: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	send := func(target string) protocol.Reply {
		req := protocol.NewDial(s.desk.ID, s.phone.ID, target, call.ModeCall, time.Now(), protocol.MaxTTL)
		b, err := protocol.NewBox(s.desk).Seal(protocol.KindDial, req, s.phone.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		return s.reply(t, a.Handle(ctx, b, nil))
	}
	for _, target := range []string{"*#06#", "tel:*%2306%23", "TEL: *#06#", "* # 06 #"} {
		if r := send(target); !r.Accepted || r.Mode != call.ModePrefill || r.Number != "*#06#" {
			t.Errorf("%q: accepted %v mode %q number %q (%s), want *#06# prefilled", target, r.Accepted, r.Mode, r.Number, r.Reason)
		}
	}
	for _, target := range []string{"*#06#; reboot", "*21*$(id)#", "tel:*21*%27x%27#", "#*%0A"} {
		if r := send(target); r.Accepted {
			t.Errorf("%q was accepted as %q", target, r.Number)
		}
	}
	for _, n := range s.dialled(t) {
		if n != "*#06#" {
			t.Errorf("the backend was handed %q", n)
		}
	}
}

// FuzzMMICode: whatever the target, an accepted code holds only digits, '*',
// '#' and a leading '+', and fits a reply.
func FuzzMMICode(f *testing.F) {
	for _, s := range []string{"*#06#", "tel:*%2306%23", "*21*+4930123#", "*#06#; reboot", "%", "+", "tel:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		code, ok := mmiCode(target)
		if !ok {
			return
		}
		if code == "" || len(code) > maxMMI {
			t.Fatalf("mmiCode(%q) = %q", target, code)
		}
		for i, c := range code {
			if !(c >= '0' && c <= '9' || c == '*' || c == '#' || c == '+' && i == 0) {
				t.Fatalf("mmiCode(%q) = %q holds %q", target, code, c)
			}
		}
	})
}

// Spellings that might hide a premium-rate, shared-cost or emergency number,
// or a * or #, from the policy: none of them is dialled in call mode.
func TestNumberTricksAreNotAutoDialled(t *testing.T) {
	s := newPhoneSetup(t)
	a := s.start(t)
	ctx := context.Background()
	for _, target := range []string{
		"０９００ １２３４５６７",                       // full-width digits
		"＋４９ ９００ １２３４５６７",                    // full-width plus
		"0049 900 1234567",                   // international prefix
		"+49 (0) 900 1234567",                // trunk prefix kept
		"tel:0900-1234567;phone-context=+49", // context supplies the country
		"tel:1234567;phone-context=+49900",   // context supplies more than that
		"tel:%2B499001234567",                // percent-encoded plus
		"0900 1234567,,1",                    // a pause after the number
		"+1 900 CALL NOW",                    // letters
		"0180 5 123456",                      // shared cost
		"tel:11%32",                          // encoded emergency number
		"1 1 2",                              // spaced emergency number
		"tel:%2A%2306%23",                    // encoded MMI code
		"*%2306%23",                          // encoded MMI code, no scheme
		"+49 30 1234567#",                    // a number with a trailing #
	} {
		req := protocol.NewDial(s.desk.ID, s.phone.ID, target, call.ModeCall, time.Now(), protocol.MaxTTL)
		b, err := protocol.NewBox(s.desk).Seal(protocol.KindDial, req, s.phone.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		if r := s.reply(t, a.Handle(ctx, b, nil)); r.Accepted {
			t.Errorf("%q was dialled as %s", target, r.Number)
		}
	}
	if got := s.dialled(t); len(got) != 0 {
		t.Errorf("dialled %v", got)
	}
}
