package protocol

import (
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.txt")

// TestVectors pins the wire format: fixed keys and a fixed nonce must give
// exactly the bytes in testdata/vectors.txt, which docs/protocol.md quotes
// for other implementations.
func TestVectors(t *testing.T) {
	d, p := desktop(t), phone(t)
	nonce := bytes.Repeat([]byte{0x24}, 24)
	db := NewBox(d, WithRand(bytes.NewReader(nonce)))
	issued := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	req := DialRequest{
		V: 1, ID: "0123456789abcdef0123456789abcdef",
		IssuedAt: issued.UnixMilli(), ExpiresAt: issued.Add(30 * time.Second).UnixMilli(),
		From: d.ID.String(), To: p.ID.String(), Target: "+12025550123", Mode: call.ModeCall,
	}
	env, err := db.Seal(KindDial, req, p.CurvePub)
	if err != nil {
		t.Fatal(err)
	}
	_, _, plain, err := NewBox(p).Open(env)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "desktop sign seed:  %s\n", desktopSignSeed)
	fmt.Fprintf(&b, "desktop curve seed: %s\n", desktopCurveSeed)
	fmt.Fprintf(&b, "desktop sign pub:   %s\n", d.SignPub)
	fmt.Fprintf(&b, "desktop curve pub:  %s\n", d.CurvePub)
	fmt.Fprintf(&b, "desktop ID:         %s\n", d.ID)
	fmt.Fprintf(&b, "phone sign seed:    %s\n", phoneSignSeed)
	fmt.Fprintf(&b, "phone curve seed:   %s\n", phoneCurveSeed)
	fmt.Fprintf(&b, "phone sign pub:     %s\n", p.SignPub)
	fmt.Fprintf(&b, "phone curve pub:    %s\n", p.CurvePub)
	fmt.Fprintf(&b, "phone ID:           %s\n", p.ID)
	fmt.Fprintf(&b, "dial subject:       %s\n", SubjectDial("deskdial", p.ID))
	fmt.Fprintf(&b, "nonce:              %s\n", hex.EncodeToString(nonce))
	fmt.Fprintf(&b, "boxed plaintext: 01 (the kind) followed by the JSON below\n")
	fmt.Fprintf(&b, "JSON: %s\n", plain)
	fmt.Fprintf(&b, "envelope (%d bytes):\n", len(env))
	h := hex.EncodeToString(env)
	for len(h) > 64 {
		b.WriteString(h[:64] + "\n")
		h = h[64:]
	}
	b.WriteString(h + "\n")
	got := b.String()
	golden(t, "vectors.txt", got)
}
