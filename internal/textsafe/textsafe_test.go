package textsafe

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile are strings a peer, server or file may send to take over a
// terminal or a notification, or to forge what the user reads.
var hostile = map[string]string{
	"esc-title":   "Pixel\x1b]0;pwned\x07",
	"esc-clear":   "Anna\x1b[2J\x1b[H",
	"newline-row": "Anna\tmobile\t+4917011111\nMallory",
	"cr-overtype": "Anna\rMallory",
	"c1-csi":      "Anna\u009b31m",
	"bidi":        "Anna \u202egnp.exe",
	"isolate":     "Anna\u2066x\u2069",
	"line-sep":    "Anna\u2028Mallory",
	"bad-utf8":    "Anna\xff\xfe",
	"del":         "Anna\x7f",
	"nul":         "Anna\x00",
}

func TestCheckRefusesHostile(t *testing.T) {
	for name, s := range hostile {
		if err := Check(s, 64); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Check(%q) = %v, want ErrInvalid", name, s, err)
		}
	}
	if err := Check(strings.Repeat("a", 65), 64); !errors.Is(err, ErrInvalid) {
		t.Errorf("65 characters with a limit of 64: %v", err)
	}
	if err := Check(strings.Repeat("ä", 64), 64); err != nil {
		t.Errorf("64 two-byte characters with a limit of 64: %v", err)
	}
	if err := Check(strings.Repeat("x", 1<<20), 256); !errors.Is(err, ErrInvalid) {
		t.Errorf("a megabyte: %v", err)
	}
	for _, ok := range []string{"Anna Schmidt", "Zoë Ångström", "李小龍", "O'Brien & Sons <GmbH>", "👩‍👩‍👧 Family", "עברית", ""} {
		if err := Check(ok, 64); err != nil {
			t.Errorf("Check(%q) = %v, want nil", ok, err)
		}
	}
}

// TestTerminalShowsControlsVisibly is what a user would see: no raw
// control byte reaches the terminal, and the text stays readable.
func TestTerminalShowsControlsVisibly(t *testing.T) {
	cases := map[string]string{
		"Pixel\x1b]0;pwned\x07": `Pixel\x1b]0;pwned\x07`,
		"Anna\tmobile\nMallory": `Anna\tmobile\nMallory`,
		"Anna\rX":               `Anna\rX`,
		"Anna \u202egnp.exe":    `Anna \u202egnp.exe`,
		"Anna\u009b31m":         `Anna\u009b31m`,
		"Anna\xff":              `Anna\xff`,
		"Zoë Ångström 李":        "Zoë Ångström 李",
		"O'Brien & Sons <GmbH>": "O'Brien & Sons <GmbH>",
	}
	for in, want := range cases {
		if got := Terminal(in); got != want {
			t.Errorf("Terminal(%q) = %q, want %q", in, got, want)
		}
	}
	for name, s := range hostile {
		got := Terminal(s)
		if err := Check(got, 0); err != nil {
			t.Errorf("%s: Terminal(%q) = %q still unsafe: %v", name, s, got, err)
		}
	}
}

func TestMarkupEscapes(t *testing.T) {
	cases := map[string]string{
		`<a href="http://x">Anna</a>`:       `&lt;a href="http://x"&gt;Anna&lt;/a&gt;`,
		"Tom & Jerry":                       "Tom &amp; Jerry",
		"<img src=\"file:///etc/passwd\"/>": `&lt;img src="file:///etc/passwd"/&gt;`,
		"line one\nline two":                "line one\nline two",
		"Anna\x1b[31m":                      `Anna\x1b[31m`,
		"&amp;":                             "&amp;amp;",
	}
	for in, want := range cases {
		if got := Markup(in); got != want {
			t.Errorf("Markup(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Plain("a <b>\n\x1b"); got != "a <b>\n\\x1b" {
		t.Errorf("Plain = %q", got)
	}
}

// FuzzEscape checks, for any input, that Terminal's output passes Check and
// Markup's output has no raw tag or entity start of its own.
func FuzzEscape(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Add("Tom & <b>Jerry</b>")
	f.Fuzz(func(t *testing.T, s string) {
		term := Terminal(s)
		if err := Check(term, 0); err != nil {
			t.Fatalf("Terminal(%q) = %q: %v", s, term, err)
		}
		if Check(s, 0) == nil && !strings.ContainsAny(s, "\n") && term != s {
			t.Fatalf("Terminal changed checked text %q to %q", s, term)
		}
		m := Markup(s)
		if !utf8.ValidString(m) || strings.ContainsAny(m, "<>") {
			t.Fatalf("Markup(%q) = %q", s, m)
		}
		if strings.Count(m, "&") != strings.Count(m, "&amp;")+strings.Count(m, "&lt;")+strings.Count(m, "&gt;") {
			t.Fatalf("Markup(%q) = %q has a raw &", s, m)
		}
	})
}
