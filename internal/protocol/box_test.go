package protocol

import (
	"bytes"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/nats-io/nkeys"
)

func TestSealOpen(t *testing.T) {
	d, p := desktop(t), phone(t)
	db, pb := NewBox(d), NewBox(p)
	if db.PublicKey() != d.CurvePub {
		t.Fatalf("box key %s differs from identity's %s", db.PublicKey(), d.CurvePub)
	}
	req := NewDial(d.ID, p.ID, "+493012345678", call.ModeCall, time.Now(), 0)
	env, err := db.Seal(KindDial, req, p.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(env, []byte("+493012345678")) || bytes.Contains(env, []byte(p.ID.String())) {
		t.Fatal("the envelope shows the number or the recipient in clear")
	}
	kind, sender, plain, err := pb.Open(env)
	if err != nil {
		t.Fatal(err)
	}
	if kind != KindDial || sender != d.CurvePub {
		t.Fatalf("Open = %s from %s", kind, sender)
	}
	got, err := DecodeDial(plain)
	if err != nil {
		t.Fatal(err)
	}
	if got != req {
		t.Fatalf("decoded %+v, sent %+v", got, req)
	}
	if k, s, err := Peek(env); err != nil || k != KindDial || s != d.CurvePub {
		t.Fatalf("Peek = %v %s %v", k, s, err)
	}
	// And back: the reply is sealed to the desktop.
	env, err = pb.Seal(KindReply, Accept(req.ID, "+493012345678"), sender)
	if err != nil {
		t.Fatal(err)
	}
	_, from, plain, err := db.Open(env)
	if err != nil || from != p.CurvePub {
		t.Fatalf("reply: %v from %s", err, from)
	}
	if r, err := DecodeReply(plain); err != nil || !r.Accepted || r.ID != req.ID {
		t.Fatalf("reply %+v %v", r, err)
	}
	if len(env) != len(plain)+Overhead {
		t.Fatalf("overhead %d, documented %d", len(env)-len(plain), Overhead)
	}
}

// The private key comes from the nkeys curve seed exactly as nkeys uses it:
// nkeys can open the box inside our envelope.
func TestBoxMatchesNkeys(t *testing.T) {
	d, p := desktop(t), phone(t)
	env, err := NewBox(d).Seal(KindStatus, []byte(`{"x":1}`), p.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	xk := append([]byte("xkv1"), env[36:]...) // nkeys' layout: version, nonce, box
	plain, err := p.CurveKP().Open(xk, d.CurvePub)
	if err != nil {
		t.Fatalf("nkeys cannot open our box: %v", err)
	}
	if string(plain) != "\x03"+`{"x":1}` {
		t.Fatalf("nkeys opened %q", plain)
	}
}

func TestOpenRefuses(t *testing.T) {
	d, p, stranger := desktop(t), phone(t), fresh(t)
	pb := NewBox(p)
	env, err := NewBox(d).Seal(KindDial, []byte(`{"v":1}`), p.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	mut := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), env...)) }
	strangerRaw, _ := nkeys.Decode(nkeys.PrefixByteCurve, []byte(stranger.CurvePub))
	toStranger, _ := NewBox(d).Seal(KindDial, []byte(`{"v":1}`), stranger.CurvePub)
	cases := []struct {
		name string
		in   []byte
		want error
	}{
		{"nil", nil, ErrMalformed},
		{"header only", env[:headerLen], ErrMalformed},
		{"one byte short", env[:len(env)-1], ErrForged},
		{"bad magic", mut(func(b []byte) []byte { b[0] = 'X'; return b }), ErrMalformed},
		{"future version", mut(func(b []byte) []byte { b[2] = 2; return b }), ErrMalformed},
		{"unknown kind", mut(func(b []byte) []byte { b[3] = 99; return b }), ErrMalformed},
		{"kind relabelled", mut(func(b []byte) []byte { b[3] = byte(KindReply); return b }), ErrForged},
		{"flipped ciphertext bit", mut(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrForged},
		{"flipped tag bit", mut(func(b []byte) []byte { b[headerLen] ^= 0x80; return b }), ErrForged},
		{"flipped nonce bit", mut(func(b []byte) []byte { b[40] ^= 1; return b }), ErrForged},
		{"other sender key", mut(func(b []byte) []byte { copy(b[4:36], strangerRaw); return b }), ErrForged},
		{"low-order sender key", mut(func(b []byte) []byte { copy(b[4:36], make([]byte, 32)); return b }), ErrForged},
		{"sealed for someone else", toStranger, ErrForged},
		{"too long", append(mut(func(b []byte) []byte { return b }), make([]byte, MaxEnvelope)...), ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, plain, err := pb.Open(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("Open = %v, want %v", err, c.want)
			}
			if plain != nil {
				t.Fatal("plaintext returned with an error")
			}
		})
	}
	// Every truncation and every single-bit change fails.
	for n := 0; n < len(env); n++ {
		if _, _, _, err := pb.Open(env[:n]); err == nil {
			t.Fatalf("envelope truncated to %d bytes opened", n)
		}
	}
	for i := 0; i < len(env)*8; i++ {
		b := append([]byte(nil), env...)
		b[i/8] ^= 1 << (i % 8)
		if _, _, _, err := pb.Open(b); err == nil {
			t.Fatalf("bit %d flipped and the envelope still opened", i)
		}
	}
}

func TestSealRefuses(t *testing.T) {
	db := NewBox(desktop(t))
	p := phone(t)
	if _, err := db.Seal(KindDial, []byte("{}"), p.SignPub); !errors.Is(err, ErrBadKey) {
		t.Fatalf("seal to a signing key: %v", err)
	}
	lowOrder, _ := nkeys.Encode(nkeys.PrefixByteCurve, make([]byte, 32))
	if _, err := db.Seal(KindDial, []byte("{}"), string(lowOrder)); !errors.Is(err, ErrBadKey) {
		t.Fatalf("seal to a low-order key: %v", err)
	}
	if _, err := db.Seal(Kind(0), []byte("{}"), p.CurvePub); !errors.Is(err, ErrMalformed) {
		t.Fatalf("seal with kind 0: %v", err)
	}
	if _, err := db.Seal(KindDial, make([]byte, MaxMessage+1), p.CurvePub); !errors.Is(err, ErrMalformed) {
		t.Fatalf("seal of an oversized message: %v", err)
	}
	if _, err := db.Seal(KindDial, func() {}, p.CurvePub); err == nil {
		t.Fatal("sealed a value JSON cannot encode")
	}
}

func TestNoncesDiffer(t *testing.T) {
	db, p := NewBox(desktop(t)), phone(t)
	a, _ := db.Seal(KindDial, []byte("{}"), p.CurvePub)
	b, _ := db.Seal(KindDial, []byte("{}"), p.CurvePub)
	if bytes.Equal(a[36:60], b[36:60]) {
		t.Fatal("two seals used the same nonce")
	}
}

func TestBoxConcurrent(t *testing.T) {
	d := desktop(t)
	db := NewBox(d)
	peers := make([]*Box, 4)
	for i := range peers {
		peers[i] = NewBox(fresh(t))
	}
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				pb := peers[(g+i)%len(peers)]
				env, err := db.Seal(KindDial, []byte(`{"n":1}`), pb.PublicKey())
				if err != nil {
					errc <- err
					return
				}
				if _, from, _, err := pb.Open(env); err != nil || from != d.CurvePub {
					errc <- err
					return
				}
				if i%10 == 0 {
					db.Forget(pb.PublicKey())
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
}

func TestSharedKeyCacheIsBounded(t *testing.T) {
	db := NewBox(desktop(t))
	for i := 0; i < maxCachedKeys+10; i++ {
		kp, _ := nkeys.CreateCurveKeys()
		pub, _ := kp.PublicKey()
		if _, err := db.Seal(KindDial, []byte("{}"), pub); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(db.shared); n > maxCachedKeys {
		t.Fatalf("cache holds %d keys, bound is %d", n, maxCachedKeys)
	}
	if n, m := len(db.named), len(db.shared); n != m {
		t.Fatalf("cache holds %d keys by name and %d by value", n, m)
	}
}

func TestKeyCacheSize(t *testing.T) {
	db := NewBox(desktop(t), WithKeyCache(3))
	for i := 0; i < 5; i++ {
		kp, _ := nkeys.CreateCurveKeys()
		pub, _ := kp.PublicKey()
		if _, err := db.Seal(KindDial, []byte("{}"), pub); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(db.shared); n != 3 {
		t.Fatalf("cache holds %d keys, want its size 3", n)
	}
}

// TestForgetDropsBothSpellings: after Forget, neither Seal (by name) nor
// Open (by raw key) finds the peer's cached key.
func TestForgetDropsBothSpellings(t *testing.T) {
	d, p := desktop(t), phone(t)
	db, pb := NewBox(d), NewBox(p)
	sealed, err := db.Seal(KindDial, []byte("{}"), p.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	if _, sender, _, err := pb.Open(sealed); err != nil || sender != d.CurvePub {
		t.Fatalf("Open = %q, %v", sender, err)
	}
	db.Forget(p.CurvePub)
	pb.Forget(d.CurvePub)
	if len(db.shared)+len(db.named)+len(pb.shared)+len(pb.named) != 0 {
		t.Fatalf("keys left after Forget: %d %d %d %d", len(db.shared), len(db.named), len(pb.shared), len(pb.named))
	}
}

func TestKindString(t *testing.T) {
	for k := KindDial; k <= KindPairAccept; k++ {
		if strings.HasPrefix(k.String(), "kind(") {
			t.Errorf("kind %d has no name", k)
		}
	}
	if Kind(42).String() != "kind(42)" {
		t.Error(Kind(42).String())
	}
}
