package protocol

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

// A second phone, for the relay vectors: the one asked to call. Published
// test keys like the others.
const (
	phone2SignSeed  = "SUANDKK3F6NLQIYTSGMF4TYLYLFDS4PRMRCUD5WLWJSTVR5KH6YP2PYY2U"
	phone2CurveSeed = "SXAJMBSYG6VOJ3MHY2W6OJTZME4BEDP2JIXYGBY52OGYVTHPDT4BGU4PUI"
)

// relayVectors is testdata/relay_vectors.json: what docs/protocol.md quotes
// for a relay request sealed by a phone and a phone list sealed by the
// desktop; the page's node tests check the same file.
type relayVectors struct {
	Phone2SignSeed  string `json:"phone2_sign_seed"`
	Phone2CurveSeed string `json:"phone2_curve_seed"`
	Phone2ID        string `json:"phone2_id"`
	RelaySubject    string `json:"relay_subject"`
	RelayedSubject  string `json:"relayed_subject"`
	RelayNonce      string `json:"relay_nonce"`
	RelayJSON       string `json:"relay_json"`
	RelayEnvelope   string `json:"relay_envelope"`
	PhonesNonce     string `json:"phones_nonce"`
	PhonesJSON      string `json:"phones_json"`
	PhonesEnvelope  string `json:"phones_envelope"`
}

func TestRelayVectors(t *testing.T) {
	d, p, p2 := desktop(t), phone(t), fixed(t, phone2SignSeed, phone2CurveSeed)
	issued := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	req := RelayRequest{V: 1, ID: "fedcba9876543210fedcba9876543210", IssuedAt: issued.UnixMilli(),
		ExpiresAt: issued.Add(30 * time.Second).UnixMilli(), From: p.ID.String(), To: d.ID.String(),
		Op: OpDial, Phone: p2.ID.String(), Target: "+4930901820", Mode: call.ModeCall}
	list := PhoneList{V: 1, ID: "00112233445566778899aabbccddeeff", Phones: []PhoneEntry{{ID: p2.ID.String(), Name: "Tablet"}}}
	n1, n2 := bytes.Repeat([]byte{0x25}, 24), bytes.Repeat([]byte{0x26}, 24)
	renv, err := NewBox(p, WithRand(bytes.NewReader(n1))).Seal(KindRelay, req, d.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	penv, err := NewBox(d, WithRand(bytes.NewReader(n2))).Seal(KindPhones, list, p.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	rj, _ := json.Marshal(req)
	pj, _ := json.Marshal(list)
	got := relayVectors{
		Phone2SignSeed: phone2SignSeed, Phone2CurveSeed: phone2CurveSeed, Phone2ID: p2.ID.String(),
		RelaySubject: SubjectRelay("deskdial", d.ID), RelayedSubject: SubjectRelayed("deskdial", p.ID),
		RelayNonce: hex.EncodeToString(n1), RelayJSON: string(rj), RelayEnvelope: hex.EncodeToString(renv),
		PhonesNonce: hex.EncodeToString(n2), PhonesJSON: string(pj), PhonesEnvelope: hex.EncodeToString(penv),
	}
	out, _ := json.MarshalIndent(got, "", "  ")
	out = append(out, '\n')
	// docs/protocol.md quotes the JSON and the envelopes byte for byte.
	golden(t, "relay_vectors.json", string(out), got.RelayJSON, got.RelayEnvelope, got.PhonesJSON, got.PhonesEnvelope, got.Phone2ID)
	// Both open at the other end and decode to what was sealed.
	k, sender, plain, err := NewBox(d).Open(renv)
	if err != nil || k != KindRelay || sender != p.CurvePub {
		t.Fatalf("desktop opens the relay request: %v %v %v", k, sender, err)
	}
	if r, err := DecodeRelay(plain); err != nil || r != req {
		t.Fatalf("decode relay: %+v %v", r, err)
	}
	k, _, plain, err = NewBox(p).Open(penv)
	if err != nil || k != KindPhones {
		t.Fatalf("phone opens the list: %v %v", k, err)
	}
	if l, err := DecodePhones(plain); err != nil || len(l.Phones) != 1 || l.Phones[0] != list.Phones[0] {
		t.Fatalf("decode phones: %+v %v", l, err)
	}
}

func TestRelayRequestRules(t *testing.T) {
	d, p, p2 := desktop(t), phone(t), fixed(t, phone2SignSeed, phone2CurveSeed)
	now := time.Now()
	ok := RelayRequest{V: 1, ID: "a1", IssuedAt: now.UnixMilli(), ExpiresAt: now.Add(time.Minute).UnixMilli(),
		From: p.ID.String(), To: d.ID.String(), Op: OpDial, Phone: p2.ID.String(), Target: "+4930901820", Mode: call.ModePrefill}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid request refused: %v", err)
	}
	list := RelayRequest{V: 1, ID: "a2", IssuedAt: ok.IssuedAt, ExpiresAt: ok.ExpiresAt, From: ok.From, To: ok.To, Op: OpPhones}
	if err := list.Validate(); err != nil {
		t.Fatalf("valid list request refused: %v", err)
	}
	bad := map[string]func(r *RelayRequest){
		"version":      func(r *RelayRequest) { r.V = 2 },
		"op":           func(r *RelayRequest) { r.Op = "hangup" },
		"itself":       func(r *RelayRequest) { r.Phone = r.From },
		"phone":        func(r *RelayRequest) { r.Phone = "not-an-id" },
		"lower-case":   func(r *RelayRequest) { r.Phone = strings.ToLower(r.Phone) },
		"no target":    func(r *RelayRequest) { r.Target = "" },
		"control":      func(r *RelayRequest) { r.Target = "+49\n30" },
		"long target":  func(r *RelayRequest) { r.Target = strings.Repeat("1", MaxTarget+1) },
		"mode":         func(r *RelayRequest) { r.Mode = "now" },
		"ttl":          func(r *RelayRequest) { r.ExpiresAt = r.IssuedAt + MaxTTL.Milliseconds() + 1 },
		"list+target":  func(r *RelayRequest) { r.Op = OpPhones },
		"bad from":     func(r *RelayRequest) { r.From = "x" },
		"id":           func(r *RelayRequest) { r.ID = "a b" },
		"no issued_at": func(r *RelayRequest) { r.IssuedAt = 0 },
	}
	for name, f := range bad {
		r := ok
		f(&r)
		if err := r.Validate(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
	l := PhoneList{V: 1, ID: "x", Phones: []PhoneEntry{{ID: p2.ID.String(), Name: "evil\u202ename"}}}
	if err := l.Validate(); !errors.Is(err, ErrMalformed) {
		t.Errorf("phone name with a bidi override: %v", err)
	}
	l.Phones = make([]PhoneEntry, MaxPhones+1)
	if err := l.Validate(); !errors.Is(err, ErrMalformed) {
		t.Errorf("too many phones: %v", err)
	}
}

func FuzzDecodeRelay(f *testing.F) {
	f.Add([]byte(`{"v":1,"id":"a","issued_at":1,"expires_at":2,"from":"x","to":"y","op":"phones"}`))
	f.Add([]byte(`{"v":1,"id":"a","phones":[{"id":"x","name":"y"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if r, err := DecodeRelay(b); err == nil {
			if r.Validate() != nil {
				t.Fatal("decoded request does not validate")
			}
		}
		if l, err := DecodePhones(b); err == nil && len(l.Phones) > MaxPhones {
			t.Fatal("list too long")
		}
	})
}
