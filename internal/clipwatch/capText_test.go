package clipwatch

import (
	"testing"
	"unicode/utf8"
)

func TestCapText(t *testing.T) {
	cases := []struct {
		in   string
		max  int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 3, "hel"},
		{"héllo", 2, "h"},
		{"héllo", 3, "hé"},
		{"h\xc3", 10, "h"},         // already cut inside a character
		{"a\xffb", 10, "a\uFFFDb"}, // invalid byte in the middle
		{"日本語", 4, "日"},
		{"", 4, ""},
	}
	for _, c := range cases {
		if got := capText([]byte(c.in), c.max); got != c.want {
			t.Errorf("capText(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func FuzzCapText(f *testing.F) {
	f.Add([]byte("+49 30 1234567 é日本"), 7)
	f.Fuzz(func(t *testing.T, b []byte, max int) {
		if max <= 0 || max > 1<<20 {
			return
		}
		got := capText(b, max)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 from %q", b)
		}
		if utf8.Valid(b) && len(got) > max {
			t.Fatalf("%d bytes from cap %d", len(got), max)
		}
	})
}
