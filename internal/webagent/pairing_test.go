package webagent

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/pairing"
	"github.com/deskdial/deskdial/internal/protocol"
	"github.com/deskdial/deskdial/internal/relay/mint"
)

type pairOut struct {
	Join      string `json:"join"`
	OfferID   string `json:"offerID"`
	FP        string `json:"fp"`
	OK        bool   `json:"ok"`
	Name      string `json:"name"`
	Server    string `json:"server"`
	Creds     string `json:"creds"`
	LoginSeed string `json:"loginSeed"`
	Err       string `json:"err"`
	Message   string `json:"message"`
}

func pairStep(t *testing.T, in map[string]any) pairOut {
	t.Helper()
	b, _ := json.Marshal(in)
	var out pairOut
	if err := json.Unmarshal(runNode(t, b, "tools/pair.mjs"), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPairingInterop: the page answers an offer made by Go with a join the
// desktop's checks accept (secret proof, signature, keys), and accepts the
// desktop's answer; an offer changed on the way, or one that expired, is
// refused with a message that says what to do.
func TestPairingInterop(t *testing.T) {
	desk, phone := identity(t, "desk"), identity(t, "phone")
	now := time.Now()
	fp := strings.Repeat("ab", 32)
	o, err := pairing.NewOffer(desk, "Büro PC", []string{"tls://192.0.2.1:4248", "wss://relay.example:443"}, fp, now)
	if err != nil {
		t.Fatal(err)
	}
	pend := pairing.NewPending()
	pend.Add(o)
	signSeed, err := phone.SignKP().Seed()
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]any{"offer": o.URI(), "now": now.UnixMilli(), "signSeed": string(signSeed), "curveSeed": curveSeed(t, phone)}
	step := func(kv ...any) map[string]any {
		m := map[string]any{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	out := pairStep(t, step("step", "join", "name", "Chrome on Android", "caps", map[string]any{"backend": "browser", "places_calls": false}))
	if out.Err != "" {
		t.Fatalf("join: %s: %s", out.Err, out.Message)
	}
	if out.OfferID != o.OfferID() || out.FP != fp {
		t.Fatalf("the page read offer %s with fingerprint %s, want %s and %s", out.OfferID, out.FP, o.OfferID(), fp)
	}
	// The key of a hosted relay's pairing login, from the offer's secret.
	lk, err := mint.PairingKey(o.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if ls, _ := lk.Seed(); out.LoginSeed != string(ls) {
		t.Fatalf("the page's pairing login key %s, Go's %s", out.LoginSeed, ls)
	}
	env, _ := hex.DecodeString(out.Join)
	dbox := protocol.NewBox(desk)
	kind, sender, plain, err := dbox.Open(env)
	if err != nil || kind != protocol.KindPairJoin || sender != phone.CurvePub {
		t.Fatalf("join does not open: %v %v", kind, err)
	}
	j, err := pairing.DecodeJoin(plain)
	if err != nil {
		t.Fatal(err)
	}
	peer, _, err := pend.Verify(j, sender, now)
	if err != nil {
		t.Fatalf("the desktop refuses the page's join: %v", err)
	}
	if peer.ID != phone.ID || peer.Name != "Chrome on Android" || !strings.Contains(string(peer.Caps), `"browser"`) {
		t.Fatalf("paired %+v", peer)
	}
	acc := pairing.MakeAccept(o, desk, "Büro PC", j).WithCreds(o, "eyJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.c2ln")
	aenv, err := dbox.Seal(protocol.KindPairAccept, acc, phone.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	out = pairStep(t, step("step", "accept", "accept", hex.EncodeToString(aenv)))
	if !out.OK || out.Name != "Büro PC" || out.Creds != acc.Creds {
		t.Fatalf("the page refuses the desktop's accept: %+v", out)
	}
	// An accept proving another secret is refused.
	other, _ := pairing.NewOffer(desk, "Büro PC", nil, fp, now)
	forged := pairing.MakeAccept(other, desk, "Büro PC", j)
	forged.OfferID = o.OfferID()
	fenv, _ := dbox.Seal(protocol.KindPairAccept, forged, phone.CurvePub)
	if out := pairStep(t, step("step", "accept", "accept", hex.EncodeToString(fenv))); out.OK || out.Err != "bad_proof" {
		t.Fatalf("forged accept: %+v", out)
	}
	// A changed offer (another fingerprint) fails its checksum.
	changed := strings.Replace(o.URI(), "fp="+fp, "fp="+strings.Repeat("cd", 32), 1)
	if out := pairStep(t, step("step", "join", "name", "x", "offer", changed)); out.Err != "bad_offer" || !strings.Contains(out.Message, "checksum") {
		t.Fatalf("changed offer: %+v", out)
	}
	// An expired offer says to open the pairing window again.
	if out := pairStep(t, step("step", "join", "name", "x", "now", now.Add(11*time.Minute).UnixMilli())); out.Err != "expired" {
		t.Fatalf("expired offer: %+v", out)
	}
}

// TestPresenceVerifies: the page's answer to a presence ping, as it goes on
// the wire, reads and verifies as desktops check it, and a changed name no
// longer verifies.
func TestPresenceVerifies(t *testing.T) {
	phone := identity(t, "phone")
	signSeed, err := phone.SignKP().Seed()
	if err != nil {
		t.Fatal(err)
	}
	in, _ := json.Marshal(map[string]string{"signSeed": string(signSeed), "curveSeed": curveSeed(t, phone), "name": "Chrome on Android"})
	m, err := protocol.MetadataFromAnswer(runNode(t, in, "tools/presence.mjs"))
	if err != nil {
		t.Fatalf("the page's presence answer does not read: %v", err)
	}
	p, err := protocol.VerifyPresence(m, phone.SignPub)
	if err != nil {
		t.Fatalf("the page's presence does not verify: %v (%v)", err, m)
	}
	if p.ID != phone.ID.String() || p.Name != "Chrome on Android" || p.Backend != "browser" || p.PlacesCalls {
		t.Fatalf("presence %+v", p)
	}
	m["name"] = "Someone else"
	if _, err := protocol.VerifyPresence(m, phone.SignPub); err == nil {
		t.Fatal("a changed presence verifies")
	}
}
