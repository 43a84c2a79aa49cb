package pairing

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const fp = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func ident(t testing.TB) *device.Identity {
	t.Helper()
	id, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func offer(t testing.TB, d *device.Identity) Offer {
	t.Helper()
	o, err := NewOffer(d, "Office PC", []string{"tls://192.168.1.20:4248", "tls://[fe80::1]:4248"}, strings.ToUpper(fp), t0)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestOfferURIRoundTrip(t *testing.T) {
	d := ident(t)
	o := offer(t, d)
	u := o.URI()
	if !strings.HasPrefix(u, "deskdial://pair?v=1&") {
		t.Fatalf("URI %q", u)
	}
	got, err := ParseOfferAt(u, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got.DesktopID != d.ID || got.Name != "Office PC" || got.SignPub != d.SignPub || got.CurvePub != d.CurvePub ||
		got.CertFP != fp || string(got.Secret) != string(o.Secret) || !got.Expires.Equal(t0.Add(OfferTTL)) ||
		len(got.Servers) != 2 || got.Servers[1] != "tls://[fe80::1]:4248" {
		t.Fatalf("parsed %+v", got)
	}
	// Hosted server: no fingerprint; a name with spaces and non-ASCII.
	o2, err := NewOffer(d, "Zoë's Mac & more", []string{"wss://nats.example.com"}, "", t0)
	if err != nil {
		t.Fatal(err)
	}
	got, err = ParseOfferAt("  "+o2.URI()+"\n", t0)
	if err != nil || got.Name != "Zoë's Mac & more" || got.CertFP != "" {
		t.Fatalf("hosted offer: %+v %v", got, err)
	}
	// Parameter order does not matter.
	pu, _ := url.Parse(u)
	q := pu.Query()
	reordered := "deskdial://pair?" + q.Encode()
	if _, err := ParseOfferAt(reordered, t0); err != nil {
		t.Fatalf("reordered: %v", err)
	}
	p := o.Peer(t0)
	if p.ID != d.ID || p.Role != device.RoleDesktop || p.Server != "tls://192.168.1.20:4248" || p.CertFP != fp || p.Validate() != nil {
		t.Fatalf("Peer = %+v", p)
	}
}

func TestOfferRefused(t *testing.T) {
	d := ident(t)
	o := offer(t, d)
	u := o.URI()
	other := offer(t, ident(t))
	replace := func(old, new string) string { return strings.Replace(u, old, new, 1) }
	param := func(k string) string {
		pu, _ := url.Parse(u)
		return pu.Query().Get(k)
	}
	// flipFirst changes a value's first character. (The last character of
	// unpadded base32 carries unused bits, so changing it may leave the
	// decoded value, and so the offer, as it was.)
	flipFirst := func(s string) string {
		c := s[0]
		if c == 'A' {
			c = 'B'
		} else {
			c = 'A'
		}
		return string(c) + s[1:]
	}
	cases := []struct {
		name string
		in   string
		now  time.Time
		want error
	}{
		{"expired", u, t0.Add(OfferTTL + time.Second), ErrExpired},
		{"empty", "", t0, ErrBadOffer},
		{"other scheme", replace("deskdial://", "https://"), t0, ErrBadOffer},
		{"other host", replace("://pair?", "://join?"), t0, ErrBadOffer},
		{"version 2", replace("v=1", "v=2"), t0, ErrBadOffer},
		{"cut off", u[:len(u)/2], t0, ErrBadOffer},
		{"no checksum", u[:strings.LastIndex(u, "&c=")], t0, ErrBadOffer},
		{"checksum typo", replace("c="+param("c"), "c="+flipFirst(param("c"))), t0, ErrBadOffer},
		{"name changed", replace("n=Office+PC", "n=Evil+PC"), t0, ErrBadOffer},
		{"server changed", replace("192.168.1.20", "192.168.1.66"), t0, ErrBadOffer},
		{"server dropped", replace("&s="+url.QueryEscape("tls://[fe80::1]:4248"), ""), t0, ErrBadOffer},
		{"fingerprint changed", replace(fp[:8], "00000000"), t0, ErrBadOffer},
		{"secret typo", replace("t="+param("t"), "t="+flipFirst(param("t"))), t0, ErrBadOffer},
		{"expiry extended", replace(param("e"), param("e")[:len(param("e"))-1]+"9"), t0, ErrBadOffer},
		{"keys of another desktop", replace(param("x"), other.CurvePub), t0, ErrBadOffer},
		{"ID of another desktop", replace(url.QueryEscape(param("id")), url.QueryEscape(other.DesktopID.String())), t0, ErrBadOffer},
		{"duplicate parameter", u + "&n=Other", t0, ErrBadOffer},
		{"too long", u + "&pad=" + strings.Repeat("x", MaxOfferLen), t0, ErrBadOffer},
		{"far future expiry", farFuture(t, d), t0, ErrBadOffer},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.in == u && c.want != ErrExpired {
				t.Fatal("test case does not change the offer")
			}
			_, err := ParseOfferAt(c.in, c.now)
			if !errors.Is(err, c.want) {
				t.Fatalf("ParseOfferAt = %v, want %v", err, c.want)
			}
		})
	}
	// The messages tell the user what to do.
	_, err := ParseOfferAt(u, t0.Add(time.Hour))
	if !strings.Contains(err.Error(), "deskdial pair") {
		t.Errorf("expired message: %v", err)
	}
	_, err = ParseOfferAt(replace("n=Office+PC", "n=Evil+PC"), t0)
	if !strings.Contains(err.Error(), "mistyped or changed") {
		t.Errorf("tamper message: %v", err)
	}
}

func farFuture(t *testing.T, d *device.Identity) string {
	o, err := NewOffer(d, "PC", nil, "", t0.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return o.URI()
}

func TestNewOfferRefusesBadInput(t *testing.T) {
	d := ident(t)
	cases := map[string]func() (Offer, error){
		"empty name":        func() (Offer, error) { return NewOffer(d, "", nil, "", t0) },
		"ftp server":        func() (Offer, error) { return NewOffer(d, "PC", []string{"ftp://x"}, "", t0) },
		"server with creds": func() (Offer, error) { return NewOffer(d, "PC", []string{"nats://u:p@x:4222"}, "", t0) },
		"short fingerprint": func() (Offer, error) { return NewOffer(d, "PC", nil, "abcd", t0) },
		"too many servers": func() (Offer, error) {
			return NewOffer(d, "PC", strings.Split(strings.Repeat("nats://h:1 ", MaxServers+1), " ")[:MaxServers+1], "", t0)
		},
	}
	for name, f := range cases {
		if _, err := f(); !errors.Is(err, ErrBadOffer) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestPairingExchange runs the exchange the way the transport will: the join is
// sealed to the desktop, the accept sealed back.
func TestPairingExchange(t *testing.T) {
	d, p := ident(t), ident(t)
	o := offer(t, d)
	pending := NewPending()
	pending.Add(o)

	// Phone side: parse the offer it was shown, answer it.
	seen, err := ParseOfferAt(o.URI(), t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	j, err := MakeJoin(seen, p, "Pixel", map[string]any{"backend": "log", "places_calls": true})
	if err != nil {
		t.Fatal(err)
	}
	env, err := protocol.NewBox(p).Seal(protocol.KindPairJoin, j, seen.CurvePub)
	if err != nil {
		t.Fatal(err)
	}

	// Desktop side.
	kind, sender, plain, err := protocol.NewBox(d).Open(env)
	if err != nil || kind != protocol.KindPairJoin {
		t.Fatalf("open join: %v %v", kind, err)
	}
	gotJoin, err := DecodeJoin(plain)
	if err != nil {
		t.Fatal(err)
	}
	peer, used, err := pending.Verify(gotJoin, sender, t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if peer.ID != p.ID || peer.Name != "Pixel" || peer.Role != device.RolePhone || peer.CurvePub != p.CurvePub || used.OfferID() != o.OfferID() {
		t.Fatalf("peer %+v", peer)
	}
	var caps map[string]any
	if err := json.Unmarshal(peer.Caps, &caps); err != nil || caps["backend"] != "log" {
		t.Fatalf("caps %s", peer.Caps)
	}
	reg, _ := device.OpenRegistry(t.TempDir())
	if err := reg.Add(peer); err != nil {
		t.Fatalf("the verified peer cannot be stored: %v", err)
	}
	acc := MakeAccept(used, d, "Office PC", gotJoin)
	env, err = protocol.NewBox(d).Seal(protocol.KindPairAccept, acc, sender)
	if err != nil {
		t.Fatal(err)
	}

	// Phone side again.
	_, from, plain, err := protocol.NewBox(p).Open(env)
	if err != nil || from != seen.CurvePub {
		t.Fatalf("open accept: %v from %s", err, from)
	}
	gotAcc, err := DecodeAccept(plain)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyAccept(seen, gotAcc); err != nil {
		t.Fatal(err)
	}
	if gotAcc.PhoneID != p.ID.String() {
		t.Fatalf("accept for %s", gotAcc.PhoneID)
	}

	// The same join again: the offer is used up.
	if _, _, err := pending.Verify(gotJoin, sender, t0.Add(3*time.Minute)); !errors.Is(err, ErrReused) {
		t.Fatalf("second use: %v, want ErrReused", err)
	}
	// Another phone with the same offer: also refused.
	p2 := ident(t)
	j2, _ := MakeJoin(seen, p2, "Other", nil)
	if _, _, err := pending.Verify(j2, p2.CurvePub, t0.Add(3*time.Minute)); !errors.Is(err, ErrReused) {
		t.Fatalf("second phone: %v, want ErrReused", err)
	}
}

func TestVerifyJoinRefuses(t *testing.T) {
	d, p, mallory := ident(t), ident(t), ident(t)
	o := offer(t, d)
	good, err := MakeJoin(o, p, "Pixel", nil)
	if err != nil {
		t.Fatal(err)
	}
	wrongSecret := o
	wrongSecret.Secret = make([]byte, SecretLen)
	badProof, _ := MakeJoin(wrongSecret, p, "Pixel", nil)
	badProof.OfferID = o.OfferID()
	otherSig, _ := MakeJoin(o, mallory, "Pixel", nil)

	cases := []struct {
		name   string
		j      func() Join
		sender string
		now    time.Time
		want   error
	}{
		{"wrong proof", func() Join { return badProof }, p.CurvePub, t0, ErrBadProof},
		{"name changed after proof", func() Join { j := good; j.Name = "Evil"; return j }, p.CurvePub, t0, ErrBadProof},
		{"caps changed after proof", func() Join { j := good; j.Caps = json.RawMessage(`{"x":1}`); return j }, p.CurvePub, t0, ErrBadProof},
		{"expired offer", func() Join { return good }, p.CurvePub, t0.Add(OfferTTL + time.Second), ErrExpired},
		{"unknown offer", func() Join { j := good; j.OfferID = "0000000000000000"; return j }, p.CurvePub, t0, ErrUnknownOffer},
		{"sealed by another key", func() Join { return good }, mallory.CurvePub, t0, ErrKeyMismatch},
		{"phone ID of another key", func() Join { j := good; j.PhoneID = mallory.ID.String(); return j }, p.CurvePub, t0, ErrKeyMismatch},
		{"signature by another key", func() Join { j := good; j.Sig = otherSig.Sig; return j }, p.CurvePub, t0, ErrKeyMismatch},
		{"no signature", func() Join { j := good; j.Sig = nil; return j }, p.CurvePub, t0, ErrKeyMismatch},
		{"malformed phone ID", func() Join { j := good; j.PhoneID = "x"; return j }, p.CurvePub, t0, ErrBadMessage},
		{"bad name", func() Join { j := good; j.Name = ""; return j }, p.CurvePub, t0, ErrBadMessage},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pending := NewPending()
			pending.Add(o)
			if _, _, err := pending.Verify(c.j(), c.sender, c.now); !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %v", err, c.want)
			}
			// A refused join does not use the offer up (except by
			// repeated wrong proofs, below): the real phone can still pair.
			if _, _, err := pending.Verify(good, p.CurvePub, t0); err != nil && c.want != ErrExpired {
				t.Fatalf("the real join after a refused one: %v", err)
			}
		})
	}
}

func TestWrongProofsBurnTheOffer(t *testing.T) {
	d, p := ident(t), ident(t)
	o := offer(t, d)
	pending := NewPending()
	pending.Add(o)
	wrong := o
	wrong.Secret = make([]byte, SecretLen)
	j, _ := MakeJoin(wrong, p, "Pixel", nil)
	j.OfferID = o.OfferID()
	for i := 0; i < maxBadProofs; i++ {
		if _, _, err := pending.Verify(j, p.CurvePub, t0); !errors.Is(err, ErrBadProof) {
			t.Fatalf("try %d: %v", i, err)
		}
	}
	good, _ := MakeJoin(o, p, "Pixel", nil)
	if _, _, err := pending.Verify(good, p.CurvePub, t0); !errors.Is(err, ErrReused) {
		t.Fatalf("after %d wrong proofs: %v, want the offer burned", maxBadProofs, err)
	}
}

func TestPendingCancelAndPrune(t *testing.T) {
	d, p := ident(t), ident(t)
	o := offer(t, d)
	var pending Pending // the zero value works
	pending.Add(o)
	pending.Cancel(o)
	j, _ := MakeJoin(o, p, "Pixel", nil)
	if _, _, err := pending.Verify(j, p.CurvePub, t0); !errors.Is(err, ErrUnknownOffer) {
		t.Fatalf("cancelled offer: %v", err)
	}
	pending.Add(o)
	if n := pending.Prune(t0.Add(OfferTTL)); n != 1 {
		t.Fatalf("pruned a live offer: %d left", n)
	}
	if n := pending.Prune(t0.Add(3 * OfferTTL)); n != 0 {
		t.Fatalf("kept a dead offer: %d left", n)
	}
}

func TestPendingConcurrentUseOnce(t *testing.T) {
	d, p := ident(t), ident(t)
	o := offer(t, d)
	pending := NewPending()
	pending.Add(o)
	j, _ := MakeJoin(o, p, "Pixel", nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := pending.Verify(j, p.CurvePub, t0); err == nil {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok != 1 {
		t.Fatalf("%d joins accepted for one offer", ok)
	}
}

func TestVerifyAcceptRefuses(t *testing.T) {
	d, p := ident(t), ident(t)
	o := offer(t, d)
	j, _ := MakeJoin(o, p, "Pixel", nil)
	good := MakeAccept(o, d, "Office PC", j)
	other := offer(t, d) // same desktop, another secret
	cases := map[string]struct {
		a    Accept
		want error
	}{
		"answers another offer": {MakeAccept(other, d, "Office PC", j), ErrKeyMismatch},
		"name changed":          {func() Accept { a := good; a.Name = "Evil"; return a }(), ErrBadProof},
		"server injected":       {func() Accept { a := good; a.Server = "nats://evil:4222"; return a }(), ErrBadProof},
		"no proof":              {func() Accept { a := good; a.Proof = nil; return a }(), ErrBadProof},
	}
	for name, c := range cases {
		if err := VerifyAccept(o, c.a); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	withServer := MakeAcceptServer(o, d, "Office PC", j, "tls://10.0.0.2:4248")
	if err := VerifyAccept(o, withServer); err != nil {
		t.Errorf("accept naming a server: %v", err)
	}
}

func TestDecodeJoinAccept(t *testing.T) {
	for _, in := range []string{"", "[]", `{"v":2}`, `{"v":1,"caps":` + `"` + strings.Repeat("x", MaxCaps) + `"}`, "{"} {
		if _, err := DecodeJoin([]byte(in)); !errors.Is(err, ErrBadMessage) {
			t.Errorf("DecodeJoin(%.20q) = %v", in, err)
		}
		if in != `{"v":1,"caps":`+`"`+strings.Repeat("x", MaxCaps)+`"}` {
			if _, err := DecodeAccept([]byte(in)); !errors.Is(err, ErrBadMessage) {
				t.Errorf("DecodeAccept(%.20q) = %v", in, err)
			}
		}
	}
}

func FuzzParseOffer(f *testing.F) {
	d, err := device.FromSeeds([]byte("SUAEL2UMNMRVU2NHNNTHOXSFIZR4BCBASYJG7KBNB76GRRLJQI3QQBKYN4"), []byte("SXADUUENXPZYWVZHY5U3GKLIVXLI7O5BPSGI5UTRZL34SZJF6JHPBZNGCM"))
	if err != nil {
		f.Fatal(err)
	}
	o := offer(f, d)
	f.Add(o.URI())
	f.Add("deskdial://pair?v=1")
	f.Add("deskdial://pair?v=1&s=%zz")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseOfferAt(s, t0)
		if err != nil {
			if !errors.Is(err, ErrBadOffer) && !errors.Is(err, ErrExpired) {
				t.Fatalf("error %v is neither ErrBadOffer nor ErrExpired", err)
			}
			return
		}
		// Whatever parses prints an URI that parses to the same offer.
		again, err := ParseOfferAt(got.URI(), t0)
		if err != nil || again.URI() != got.URI() {
			t.Fatalf("offer does not round-trip: %v", err)
		}
	})
}
