package hotkey

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	good := []struct{ in, want string }{
		{"Ctrl+Alt+D", "Ctrl+Alt+D"},
		{"ctrl+alt+d", "Ctrl+Alt+D"},
		{" Control + Alt + d ", "Ctrl+Alt+D"},
		{"alt+ctrl+D", "Ctrl+Alt+D"},
		{"Super+Shift+F9", "Shift+Super+F9"},
		{"win+shift+f9", "Shift+Super+F9"},
		{"Cmd+Space", "Super+Space"},
		{"ctrl-alt-d", "Ctrl+Alt+D"},
		{"Ctrl++", "Ctrl+Plus"},
		{"Ctrl+-", "Ctrl+Minus"},
		{"ctrl--", "Ctrl+Minus"},
		{"F9", "F9"},
		{"Shift+F12", "Shift+F12"},
		{"ctrl+alt+pgdn", "Ctrl+Alt+PageDown"},
		{"Ctrl+Ctrl+D", "Ctrl+D"},
		{"Strg+Alt+5", "Ctrl+Alt+5"},
		{"option+return", "Alt+Enter"},
	}
	for _, c := range good {
		s, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if s.String() != c.want {
			t.Errorf("Parse(%q) = %q, want %q", c.in, s, c.want)
		}
	}
	bad := []struct {
		in   string
		want error
	}{
		{"", ErrSyntax},
		{"   ", ErrSyntax},
		{"Ctrl+Alt", ErrSyntax},
		{"Ctrl+Alt+D+E", ErrSyntax},
		{"Ctrl++Alt", ErrSyntax},
		{"Ctrl+Hyperdrive", ErrUnknownKey},
		{"D", ErrNeedsModifier},
		{"Shift+D", ErrNeedsModifier},
		{"Space", ErrNeedsModifier},
		{"+", ErrSyntax},
	}
	for _, c := range bad {
		_, err := Parse(c.in)
		if !errors.Is(err, c.want) {
			t.Errorf("Parse(%q) error %v, want %v", c.in, err, c.want)
		}
	}
}

func TestTextRoundTrip(t *testing.T) {
	var s Spec
	if err := s.UnmarshalText([]byte("super+shift+f9")); err != nil {
		t.Fatal(err)
	}
	b, _ := s.MarshalText()
	if string(b) != "Shift+Super+F9" {
		t.Fatalf("MarshalText = %q", b)
	}
	if err := s.UnmarshalText([]byte("Ctrl+")); err == nil {
		t.Fatal("UnmarshalText accepted Ctrl+")
	}
}

func TestTakenMessage(t *testing.T) {
	s, _ := Parse("ctrl+alt+d")
	err := error(takenError{s})
	if err.Error() != "hotkey: Ctrl+Alt+D is already used by another program" {
		t.Errorf("message %q", err)
	}
	if !errors.Is(err, ErrTaken) {
		t.Error("not ErrTaken")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"Ctrl+Alt+D", "super + shift + f9", "ctrl--", "Ctrl++", "+", "a+b", "Win+Space"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(in)
		if err != nil {
			return
		}
		again, err := Parse(s.String())
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", s, in, err)
		}
		if again != s {
			t.Fatalf("%q → %q → %q", in, s, again)
		}
		if _, ok := s.keysym(); !ok {
			t.Fatalf("%q parsed to a key without a keysym: %+v", in, s)
		}
	})
}
