// Package textsafe checks text that comes from a peer, a server or an
// imported file where it enters, and escapes text where it is shown.
//
// Two different jobs, both needed: Check refuses what no honest source sends
// (control characters, bidirectional overrides, broken UTF-8, megabytes of
// name), so stored data stays clean; Terminal and Markup make whatever does
// reach the screen harmless anyway, because data stored by an older version,
// or a field that is not checked, must still not be able to move the cursor,
// recolour the terminal, forge a table row or inject notification markup.
package textsafe

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is returned by Check; the message names the first offending
// character.
var ErrInvalid = errors.New("textsafe: invalid text")

// Check accepts s if it is valid UTF-8 of at most max characters (runes)
// and contains no character that Unsafe reports. max <= 0 means no limit.
func Check(s string, max int) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: not valid UTF-8", ErrInvalid)
	}
	if max > 0 && len(s) > max && utf8.RuneCountInString(s) > max {
		return fmt.Errorf("%w: longer than %d characters", ErrInvalid, max)
	}
	for _, r := range s {
		if Unsafe(r) {
			return fmt.Errorf("%w: contains the control or direction character %U", ErrInvalid, r)
		}
	}
	return nil
}

// Unsafe reports whether r must never appear raw on a screen: C0 and C1
// control characters and DEL (terminal escape sequences, line breaks, tabs
// that forge columns), the line and paragraph separators, and the
// bidirectional formatting characters that make text display in another
// order than it is stored ("Trojan Source").
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f, // ALM, LRM, RLM
		r >= 0x202a && r <= 0x202e, // LRE, RLE, PDF, LRO, RLO
		r >= 0x2066 && r <= 0x2069, // LRI, RLI, FSI, PDI
		r == 0x2028, r == 0x2029:   // line and paragraph separator
		return true
	case r == utf8.RuneError:
		return true
	}
	return false
}

// Terminal returns s with every unsafe character, and every byte that is not
// UTF-8, written out visibly: ESC as `\x1b`, a newline as `\n`, a tab as
// `\t`, U+202E as `\u202e`, a stray byte 0xff as `\xff`. Everything else is
// kept as is, so ordinary names (accents, CJK, emoji) look unchanged.
func Terminal(s string) string { return escape(s, modeTerminal) }

// Markup returns s escaped for the body of a freedesktop notification whose
// server interprets markup ("body-markup"): `&`, `<` and `>` become
// entities, so a name cannot add tags, links or images; unsafe characters are
// shown as Terminal shows them, except newlines (a body may have several
// lines), which are kept.
func Markup(s string) string { return escape(s, modeMarkup) }

// Plain is Terminal keeping newlines: for text shown where markup means
// nothing (a notification's title, a body on a server without markup).
func Plain(s string) string { return escape(s, modePlain) }

type mode int

const (
	modeTerminal mode = iota
	modePlain         // keep newlines
	modeMarkup        // keep newlines, escape &<>
)

func escape(s string, m mode) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= 0x20 && c < 0x7f && !(m == modeMarkup && (c == '&' || c == '<' || c == '>')) {
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n <= 1) || (Unsafe(r) && !(m != modeTerminal && r == '\n')) ||
			(m == modeMarkup && (r == '&' || r == '<' || r == '>')) {
			break
		}
		i += n
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' && m != modeTerminal:
			b.WriteByte('\n')
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case m == modeMarkup && r == '&':
			b.WriteString("&amp;")
		case m == modeMarkup && r == '<':
			b.WriteString("&lt;")
		case m == modeMarkup && r == '>':
			b.WriteString("&gt;")
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
