package peername

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/deskdial/deskdial/internal/textsafe"
)

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"Pixel 7":                      "Pixel 7",
		"  Bob\x1b[31m's\u202e phone ": "Bob[31m's phone",
		strings.Repeat("é", 80):        strings.Repeat("é", 64),
		strings.Repeat("0", 63) + " 0": strings.Repeat("0", 63),
		"\xff\xfeZ":                    "Z",
		// A line or paragraph separator breaks a terminal line as a
		// newline does: a nearby device naming itself so forged a row.
		"Pixel\u2028Mallory\u2029 x": "PixelMallory x",
	} {
		if got := Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"Pixel 7", "\x1b[2J", "a\u202eb", strings.Repeat("x", 100), "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Clean(s)
		if utf8.RuneCountInString(n) > MaxLen || strings.TrimSpace(n) != n || !utf8.ValidString(n) {
			t.Fatalf("Clean(%q) = %q", s, n)
		}
		for _, r := range n {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || textsafe.Unsafe(r) {
				t.Fatalf("Clean(%q) kept %U", s, r)
			}
		}
		if Clean(n) != n {
			t.Fatalf("Clean is not stable on %q", n)
		}
	})
}
