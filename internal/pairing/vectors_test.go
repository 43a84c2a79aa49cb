package pairing

import (
	"bytes"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/device"
)

var update = flag.Bool("update", false, "rewrite testdata/vectors.json")

// Published test keys (the same as in docs/protocol.md); never use them.
const (
	vecDesktopSign  = "SUAEL2UMNMRVU2NHNNTHOXSFIZR4BCBASYJG7KBNB76GRRLJQI3QQBKYN4"
	vecDesktopCurve = "SXADUUENXPZYWVZHY5U3GKLIVXLI7O5BPSGI5UTRZL34SZJF6JHPBZNGCM"
	vecPhoneSign    = "SUACLFKSBMFZI7UXDVGZ3GOAUQEAFXSGOMWGPMYTBL6GZAIFS4MBOSDMPQ"
	vecPhoneCurve   = "SXAFEL4WVI63IQJYG6P5OA6P6ZXV5N3CZLW7HBXFISKC3Z5EAJFWGELG5U"
)

// pairingVectors is testdata/vectors.json: everything another
// implementation needs to check its offer digest, checksum and proofs.
// Byte strings are hex; proofs and signatures also base64 as on the wire.
type pairingVectors struct {
	Comment string `json:"comment"`
	Keys    struct {
		DesktopSignSeed  string `json:"desktop_sign_seed"`
		DesktopCurveSeed string `json:"desktop_curve_seed"`
		PhoneSignSeed    string `json:"phone_sign_seed"`
		PhoneCurveSeed   string `json:"phone_curve_seed"`
	} `json:"keys"`
	Offer struct {
		ID       string   `json:"id"`
		Name     string   `json:"n"`
		SignPub  string   `json:"k"`
		CurvePub string   `json:"x"`
		Servers  []string `json:"s"`
		FP       string   `json:"fp"`
		Secret   string   `json:"t"`
		Expires  int64    `json:"e"`
		Login    string   `json:"l"`
	} `json:"offer"`
	URI          string `json:"uri"`
	DigestInput  string `json:"digest_input_hex"`
	Digest       string `json:"digest_hex"`
	Checksum     string `json:"checksum"`
	OfferID      string `json:"offer_id"`
	Join         Join   `json:"join"`
	JoinCaps     string `json:"join_caps_bytes"` // caps exactly as sent and signed (the join object above is re-indented)
	JoinSigned   string `json:"join_signed_hex"`
	JoinProofHex string `json:"join_proof_hex"`
	JoinSigHex   string `json:"join_sig_hex"`
	Accept       Accept `json:"accept"`
	AccSigned    string `json:"accept_signed_hex"`
	AccProofHex  string `json:"accept_proof_hex"`
	Altered      struct {
		Comment   string   `json:"comment"`
		Servers   []string `json:"s"`
		URI       string   `json:"uri"`
		Digest    string   `json:"digest_hex"`
		JoinProof string   `json:"join_proof_hex"`
	} `json:"altered"`
}

// digestInput is what Offer.Digest hashes, for the vector file.
func digestInput(o Offer) []byte {
	fs := []string{o.DesktopID.String(), o.Name, o.SignPub, o.CurvePub, "2"}
	fs = append(fs, o.Servers...)
	fs = append(fs, o.CertFP, string(o.Secret), "1767226200")
	if o.Login != "" {
		fs = append(fs, "login", o.Login)
	}
	return fields("deskdial-offer-v1", fs...)
}

func makeVectors(t *testing.T) pairingVectors {
	t.Helper()
	d, err := device.FromSeeds([]byte(vecDesktopSign), []byte(vecDesktopCurve))
	if err != nil {
		t.Fatal(err)
	}
	p, err := device.FromSeeds([]byte(vecPhoneSign), []byte(vecPhoneCurve))
	if err != nil {
		t.Fatal(err)
	}
	o := Offer{
		DesktopID: d.ID, Name: "Office PC", SignPub: d.SignPub, CurvePub: d.CurvePub,
		Servers: []string{"tls://192.168.1.20:4248", "tls://[fe80::1]:4248"},
		CertFP:  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		Secret:  bytes.Repeat([]byte{0x42}, SecretLen),
		Expires: time.Date(2026, 1, 1, 0, 10, 0, 0, time.UTC),
	}
	if err := o.validate(); err != nil {
		t.Fatal(err)
	}
	var v pairingVectors
	v.Comment = "deskdial pairing test vectors; see docs/protocol.md section 7. Published test keys: never use them."
	v.Keys.DesktopSignSeed, v.Keys.DesktopCurveSeed = vecDesktopSign, vecDesktopCurve
	v.Keys.PhoneSignSeed, v.Keys.PhoneCurveSeed = vecPhoneSign, vecPhoneCurve
	v.Offer.ID, v.Offer.Name, v.Offer.SignPub, v.Offer.CurvePub = o.DesktopID.String(), o.Name, o.SignPub, o.CurvePub
	v.Offer.Servers, v.Offer.FP = o.Servers, o.CertFP
	v.Offer.Secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(o.Secret)
	v.Offer.Expires = o.Expires.Unix()
	v.URI = o.URI()
	v.DigestInput = hex.EncodeToString(digestInput(o))
	v.Digest = hex.EncodeToString(o.Digest())
	v.Checksum = o.checksum()
	v.OfferID = o.OfferID()
	j, err := MakeJoin(o, p, "Pixel", map[string]any{"backend": "log", "places_calls": true})
	if err != nil {
		t.Fatal(err)
	}
	v.Join = j
	v.JoinCaps = string(j.Caps)
	v.JoinSigned = hex.EncodeToString(j.signed(o))
	v.JoinProofHex, v.JoinSigHex = hex.EncodeToString(j.Proof), hex.EncodeToString(j.Sig)
	a := MakeAcceptServer(o, d, "Office PC", j, "tls://192.168.1.20:4248")
	v.Accept = a
	v.AccSigned = hex.EncodeToString(a.signed(o))
	v.AccProofHex = hex.EncodeToString(a.Proof)

	alt := o
	alt.Servers = []string{"tls://203.0.113.66:4248", o.Servers[1]}
	aj, err := MakeJoin(alt, p, "Pixel", map[string]any{"backend": "log", "places_calls": true})
	if err != nil {
		t.Fatal(err)
	}
	v.Altered.Comment = "the offer above with its first server replaced and the checksum recomputed: it parses, but the join made from it carries another proof, which the desktop refuses, and the accept above does not verify against it"
	v.Altered.Servers, v.Altered.URI = alt.Servers, alt.URI()
	v.Altered.Digest = hex.EncodeToString(alt.Digest())
	v.Altered.JoinProof = hex.EncodeToString(aj.Proof)
	return v
}

// TestPairingVectors pins the offer digest, checksum and proofs to
// testdata/vectors.json, which other implementations load.
func TestPairingVectors(t *testing.T) {
	v := makeVectors(t)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	in, _ := hex.DecodeString(v.DigestInput)
	if sum := sha256.Sum256(in); hex.EncodeToString(sum[:]) != v.Digest {
		t.Fatal("digest_input_hex does not hash to digest_hex")
	}
	path := filepath.Join("testdata", "vectors.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("vectors changed; the wire format must not (run with -update only for a new protocol version)\n%s", got)
	}
	// The file is self-consistent: the digest input hashes to the digest,
	// and the altered offer parses yet does not pair.
	o, err := ParseOfferAt(v.URI, time.Unix(v.Offer.Expires, 0).Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	pending := NewPending()
	pending.Add(o)
	if _, _, err := pending.Verify(v.Join, v.Join.CurvePub, time.Unix(v.Offer.Expires, 0).Add(-time.Minute)); err != nil {
		t.Fatalf("vector join: %v", err)
	}
	alt, err := ParseOfferAt(v.Altered.URI, time.Unix(v.Offer.Expires, 0).Add(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyAccept(alt, v.Accept); err == nil {
		t.Fatal("the accept verified against the altered offer")
	}
}
