package protocol

import (
	"strings"
	"testing"
)

// payload200 is a 200-byte message, the size of a dial request.
var payload200 = []byte(`{"v":1,"id":"` + strings.Repeat("a", 200-len(`{"v":1,"id":""}`)) + `"}`)

// BenchmarkSealOpen is one seal on the desktop plus one open on the phone
// with the shared key precomputed (what Box does after the first message).
// Run with: go test -run '^$' -bench 'SealOpen' -count 5 ./internal/protocol/
func BenchmarkSealOpen(b *testing.B) {
	d, p := desktop(b), phone(b)
	db, pb := NewBox(d), NewBox(p)
	b.ReportAllocs()
	for b.Loop() {
		env, err := db.Seal(KindDial, payload200, p.CurvePub)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, _, err := pb.Open(env); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNkeysSealOpen is the same with nkeys' xkey Seal and Open, which
// compute the X25519 shared key on every call: the anchor for the above.
func BenchmarkNkeysSealOpen(b *testing.B) {
	d, p := desktop(b), phone(b)
	dk, pk := d.CurveKP(), p.CurveKP()
	b.ReportAllocs()
	for b.Loop() {
		env, err := dk.Seal(payload200, p.CurvePub)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := pk.Open(env, d.CurvePub); err != nil {
			b.Fatal(err)
		}
	}
}
