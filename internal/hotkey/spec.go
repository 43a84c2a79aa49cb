package hotkey

import (
	"errors"
	"fmt"
	"strings"
)

// Modifiers is a set of modifier keys.
type Modifiers uint8

const (
	Ctrl Modifiers = 1 << iota
	Alt
	Shift
	Super // the Windows / Command / logo key
)

// Spec is a key combination such as Ctrl+Alt+D. Its zero value is not a
// valid hotkey; make one with Parse.
type Spec struct {
	Mods Modifiers
	// Key is the canonical name of the non-modifier key: "D", "7", "F9",
	// "Space", "PageUp", ... (see Parse).
	Key string
}

// Parser errors; Parse wraps them with the offending text.
var (
	ErrSyntax     = errors.New("hotkey: not a key combination")
	ErrUnknownKey = errors.New("hotkey: unknown key")
	// ErrNeedsModifier refuses combinations that would swallow ordinary
	// typing, such as "D" or "Shift+D".
	ErrNeedsModifier = errors.New("hotkey: needs Ctrl, Alt or Super")
)

var modNames = map[string]Modifiers{
	"ctrl": Ctrl, "control": Ctrl, "ctl": Ctrl, "strg": Ctrl, "primary": Ctrl,
	"alt": Alt, "option": Alt, "opt": Alt, "mod1": Alt, "meta": Alt,
	"shift": Shift,
	"super": Super, "win": Super, "windows": Super, "cmd": Super, "command": Super,
	"logo": Super, "mod4": Super,
}

// keyDef is a key we can grab: its canonical name and X keysym name.
type keyDef struct {
	name   string
	keysym string
	// standalone keys (function keys, Print, Pause) may be used without a
	// modifier because they do not produce text.
	standalone bool
}

var keys = map[string]keyDef{}

func addKey(name, keysym string, standalone bool, aliases ...string) {
	d := keyDef{name, keysym, standalone}
	keys[strings.ToLower(name)] = d
	for _, a := range aliases {
		keys[strings.ToLower(a)] = d
	}
}

func init() {
	for c := 'a'; c <= 'z'; c++ {
		addKey(strings.ToUpper(string(c)), string(c), false)
	}
	for c := '0'; c <= '9'; c++ {
		addKey(string(c), string(c), false)
	}
	for i := 1; i <= 24; i++ {
		addKey(fmt.Sprintf("F%d", i), fmt.Sprintf("F%d", i), true)
	}
	addKey("Space", "space", false, "spacebar", " ")
	addKey("Tab", "Tab", false)
	addKey("Enter", "Return", false, "return")
	addKey("Escape", "Escape", false, "esc")
	addKey("Backspace", "BackSpace", false)
	addKey("Delete", "Delete", false, "del")
	addKey("Insert", "Insert", false, "ins")
	addKey("Home", "Home", false)
	addKey("End", "End", false)
	addKey("PageUp", "Prior", false, "pgup", "prior", "page_up")
	addKey("PageDown", "Next", false, "pgdn", "next", "page_down")
	addKey("Up", "Up", false)
	addKey("Down", "Down", false)
	addKey("Left", "Left", false)
	addKey("Right", "Right", false)
	addKey("Print", "Print", true, "printscreen", "prtsc")
	addKey("Pause", "Pause", true, "break")
	addKey("Minus", "minus", false, "-")
	addKey("Equal", "equal", false, "=")
	addKey("Comma", "comma", false, ",")
	addKey("Period", "period", false, ".")
	addKey("Slash", "slash", false, "/")
	addKey("Semicolon", "semicolon", false, ";")
	addKey("Apostrophe", "apostrophe", false, "'")
	addKey("Backslash", "backslash", false, `\`)
	addKey("BracketLeft", "bracketleft", false, "[")
	addKey("BracketRight", "bracketright", false, "]")
	addKey("Grave", "grave", false, "`")
	addKey("Plus", "plus", false, "+")
}

// Parse reads a key combination written the way people write them:
// "Ctrl+Alt+D", "super + shift + f9", "Control+Win+Space", "ctrl-alt-d".
// Case and spaces do not matter; Control, Ctl and Strg mean Ctrl; Win, Cmd
// and Logo mean Super; Option means Alt. Exactly one non-modifier key is
// needed, and it needs Ctrl, Alt or Super unless it is a function key,
// Print or Pause.
func Parse(s string) (Spec, error) {
	parts, err := split(s)
	if err != nil {
		return Spec{}, err
	}
	var spec Spec
	var key *keyDef
	for _, p := range parts {
		low := strings.ToLower(p)
		if m, ok := modNames[low]; ok {
			spec.Mods |= m
			continue
		}
		d, ok := keys[low]
		if !ok {
			if low == "" {
				return Spec{}, fmt.Errorf("parse %q: empty key: %w", s, ErrSyntax)
			}
			return Spec{}, fmt.Errorf("parse %q: %q: %w", s, p, ErrUnknownKey)
		}
		if key != nil {
			return Spec{}, fmt.Errorf("parse %q: two keys %s and %s: %w", s, key.name, d.name, ErrSyntax)
		}
		key = &d
	}
	if key == nil {
		return Spec{}, fmt.Errorf("parse %q: no key besides the modifiers: %w", s, ErrSyntax)
	}
	spec.Key = key.name
	if !key.standalone && spec.Mods&(Ctrl|Alt|Super) == 0 {
		return Spec{}, fmt.Errorf("parse %q: %w", s, ErrNeedsModifier)
	}
	return spec, nil
}

// split cuts s at '+' (or '-' when there is no '+'), keeping a literal
// "+" or "-" key at the end, as in "Ctrl++" or "Ctrl+-".
func split(s string) ([]string, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, fmt.Errorf("parse %q: empty: %w", s, ErrSyntax)
	}
	if len(t) > 100 {
		return nil, fmt.Errorf("parse %q: too long: %w", s[:20]+"…", ErrSyntax)
	}
	sep := "+"
	if !strings.Contains(t, "+") && strings.Contains(t, "-") && len(t) > 1 {
		sep = "-"
	}
	var tail string
	if len(t) > 1 && strings.HasSuffix(t, sep) {
		// "Ctrl++": the last separator is the key itself.
		rest := strings.TrimSpace(strings.TrimSuffix(t, sep))
		if strings.HasSuffix(rest, sep) {
			tail = sep
			t = strings.TrimSuffix(rest, sep)
		}
	}
	raw := strings.Split(t, sep)
	parts := make([]string, 0, len(raw)+1)
	for _, p := range raw {
		p = strings.TrimSpace(p)
		if p == "" && !(len(raw) == 1 && tail != "") {
			return nil, fmt.Errorf("parse %q: empty part: %w", s, ErrSyntax)
		}
		parts = append(parts, p)
	}
	if tail != "" {
		parts = append(parts, tail)
	}
	return parts, nil
}

// String gives the canonical form, modifiers in the order Ctrl, Alt,
// Shift, Super: "Ctrl+Alt+D".
func (s Spec) String() string {
	var b strings.Builder
	for _, m := range []struct {
		m    Modifiers
		name string
	}{{Ctrl, "Ctrl"}, {Alt, "Alt"}, {Shift, "Shift"}, {Super, "Super"}} {
		if s.Mods&m.m != 0 {
			b.WriteString(m.name)
			b.WriteByte('+')
		}
	}
	b.WriteString(s.Key)
	return b.String()
}

// keysym returns the X keysym name of the key.
func (s Spec) keysym() (string, bool) {
	d, ok := keys[strings.ToLower(s.Key)]
	return d.keysym, ok
}

// MarshalText and UnmarshalText let a Spec sit in a settings file.
func (s Spec) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func (s *Spec) UnmarshalText(b []byte) error {
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*s = p
	return nil
}
