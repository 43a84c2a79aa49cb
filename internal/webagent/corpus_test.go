package webagent

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/agent"
	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
	"github.com/deskdial/deskdial/internal/protocol"
)

type corpusPeer struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	SignPub  string `json:"signPub"`
	CurvePub string `json:"curvePub"`
}

type corpusOut struct {
	Reply    string `json:"reply"`
	Decision struct {
		Accepted bool          `json:"accepted"`
		Code     protocol.Code `json:"code"`
		Display  string        `json:"display"`
	} `json:"decision"`
}

func identity(t *testing.T, dir string) *device.Identity {
	t.Helper()
	id, err := device.LoadOrCreate(filepath.Join(t.TempDir(), dir))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func curveSeed(t *testing.T, id *device.Identity) string {
	t.Helper()
	s, err := id.CurveKP().Seed()
	if err != nil {
		t.Fatal(err)
	}
	return string(s)
}

// TestAgentCorpus: requests sealed by Go are opened and decided by the
// page's agent, and its replies, sealed in JS, open in Go and carry the same
// decision the Go agent makes for the same requests: every rule of the
// policy (sender, recipient, time, replay, rate, MMI, premium, emergency)
// gives the same code in both.
func TestAgentCorpus(t *testing.T) {
	phone, desk, stranger := identity(t, "phone"), identity(t, "desk"), identity(t, "stranger")
	now := time.Now()
	dbox, sbox := protocol.NewBox(desk), protocol.NewBox(stranger)
	type item struct {
		name string
		env  []byte
		to   *device.Identity // who the reply is sealed to: the sealer
	}
	var items []item
	seal := func(name string, b *protocol.Box, req protocol.DialRequest) protocol.DialRequest {
		env, err := b.Seal(protocol.KindDial, req, phone.CurvePub)
		if err != nil {
			t.Fatal(err)
		}
		to := desk
		if b == sbox {
			to = stranger
		}
		items = append(items, item{name, env, to})
		return req
	}
	dial := func(target string, mode call.Mode) protocol.DialRequest {
		return protocol.NewDial(desk.ID, phone.ID, target, mode, now, 0)
	}
	first := seal("call", dbox, dial("+4930901820", call.ModeCall))
	seal("retry", dbox, first)
	changed := first
	changed.Target = "+4930901821"
	seal("replayed", dbox, changed)
	seal("prefill", dbox, dial("+4930901820", call.ModePrefill))
	seal("national", dbox, dial("030 901820", call.ModeCall))
	seal("mmi", dbox, dial("*#06#", call.ModeCall))
	seal("mmi encoded", dbox, dial("tel:%2A%2306%23", call.ModePrefill))
	seal("premium", dbox, dial("+4990012345678", call.ModeCall))
	seal("premium DE", dbox, dial("+49 900 1 234567", call.ModeCall))
	seal("emergency", dbox, dial("112", call.ModeCall))
	seal("emergency prefill", dbox, dial("112", call.ModePrefill))
	seal("short code", dbox, dial("116117", call.ModeCall))
	seal("short code prefill", dbox, dial("116117", call.ModePrefill))
	seal("name", dbox, dial("Alice", call.ModeCall))
	seal("not a number", dbox, dial("12", call.ModeCall))
	exp := protocol.NewDial(desk.ID, phone.ID, "+4930901820", call.ModeCall, now.Add(-time.Minute), 0)
	seal("expired", dbox, exp)
	stale := protocol.NewDial(desk.ID, phone.ID, "+4930901820", call.ModeCall, now.Add(-40*time.Second), protocol.MaxTTL)
	seal("issued too long ago", dbox, stale)
	fut := protocol.NewDial(desk.ID, phone.ID, "+4930901820", call.ModeCall, now.Add(time.Minute), 0)
	seal("not yet valid", dbox, fut)
	wrong := dial("+4930901820", call.ModeCall)
	wrong.To = stranger.ID.String()
	seal("wrong recipient", dbox, wrong)
	lie := dial("+4930901820", call.ModeCall)
	lie.From = stranger.ID.String()
	seal("from another desktop", dbox, lie)
	seal("unknown sender", sbox, protocol.NewDial(stranger.ID, phone.ID, "+4930901820", call.ModeCall, now, 0))
	tampered := append([]byte(nil), items[0].env...)
	tampered[len(tampered)-1] ^= 1
	items = append(items, item{"tampered", tampered, desk})
	for i := 0; i < 10; i++ { // with the requests above, more than 20 a minute
		seal("rate", dbox, dial("+4930901820", call.ModePrefill))
	}

	// The Go agent's decisions, with a backend that places calls: the
	// page's Call button is the call (one tap), so a "call" request for a
	// premium-rate or emergency number is refused as the Go agent refuses
	// it, and the desktop's user decides again.
	reg, err := device.OpenRegistry(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.Add(device.Peer{ID: desk.ID, Name: "Laptop", Role: device.RoleDesktop, SignPub: desk.SignPub, CurvePub: desk.CurvePub, AddedAt: now}); err != nil {
		t.Fatal(err)
	}
	ga, err := agent.New(agent.Config{Identity: phone, Registry: reg, Dialer: logdial.New(filepath.Join(t.TempDir(), "dialled.txt")), Region: "DE", RatePerMinute: 20},
		agent.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	defer ga.Close()

	in := map[string]any{
		"phone":  map[string]string{"id": phone.ID.String(), "curveSeed": curveSeed(t, phone)},
		"peers":  []corpusPeer{{ID: desk.ID.String(), Name: "Laptop", Role: "desktop", SignPub: desk.SignPub, CurvePub: desk.CurvePub}},
		"region": "DE", "now": now.UnixMilli(), "rate": 20,
	}
	var envs []string
	for _, it := range items {
		envs = append(envs, hex.EncodeToString(it.env))
	}
	in["envelopes"] = envs
	b, _ := json.Marshal(in)
	var outs []corpusOut
	if err := json.Unmarshal(runNode(t, b, "tools/agent-corpus.mjs"), &outs); err != nil {
		t.Fatal(err)
	}
	if len(outs) != len(items) {
		t.Fatalf("node decided %d of %d requests", len(outs), len(items))
	}
	codes := map[protocol.Code]int{}
	for i, it := range items {
		goReply := openReply(t, it.name+" (Go)", it.to, phone, ga.Handle(context.Background(), it.env, nil))
		raw, err := hex.DecodeString(outs[i].Reply)
		if err != nil || len(raw) == 0 {
			t.Fatalf("%s: the page sent no reply", it.name)
		}
		jsReply := openReply(t, it.name+" (page)", it.to, phone, raw)
		if jsReply.ID != goReply.ID || jsReply.Accepted != goReply.Accepted || jsReply.Code != goReply.Code || jsReply.Number != goReply.Number {
			t.Errorf("%s: Go %+v, page %+v", it.name, goReply, jsReply)
		}
		if jsReply.Accepted && jsReply.Mode != call.ModePrefill {
			t.Errorf("%s: the page accepted in mode %q, want prefill", it.name, jsReply.Mode)
		}
		if outs[i].Decision.Accepted != jsReply.Accepted || outs[i].Decision.Code != jsReply.Code {
			t.Errorf("%s: the page shows %+v but replied %+v", it.name, outs[i].Decision, jsReply)
		}
		// The page writes its codes as literals: each must be one the
		// protocol defines, or a desktop could only show its reason.
		if !jsReply.Accepted && !jsReply.Code.Known() {
			t.Errorf("%s: the page refused with code %q, which protocol does not define", it.name, jsReply.Code)
		}
		codes[jsReply.Code]++
	}
	for _, c := range []protocol.Code{"", protocol.CodeReplayed, protocol.CodeMMI, protocol.CodePremium, protocol.CodeEmergency,
		protocol.CodeExpired, protocol.CodeNotYetValid, protocol.CodeWrongRecipient, protocol.CodeForged,
		protocol.CodeUnknownSender, protocol.CodeRateLimited, protocol.CodeContactName, protocol.CodeNotANumber} {
		if codes[c] == 0 {
			t.Errorf("the corpus has no request the page answers with code %q", c)
		}
	}
}

func openReply(t *testing.T, name string, desk, phone *device.Identity, env []byte) protocol.Reply {
	t.Helper()
	kind, sender, plain, err := protocol.NewBox(desk).Open(env)
	if err != nil || kind != protocol.KindReply || sender != phone.CurvePub {
		t.Fatalf("%s: reply does not open as the phone's: kind %v, err %v", name, kind, err)
	}
	r, err := protocol.DecodeReply(plain)
	if err != nil {
		t.Fatalf("%s: reply: %v (%s)", name, err, plain)
	}
	return r
}
