// Package peername makes the names other programs report (a phone's
// Bluetooth name, a KDE Connect device name) fit to show: the backends list
// them on a terminal and the desktop shows them in menus.
package peername

import (
	"strings"
	"unicode"

	"github.com/deskdial/deskdial/internal/textsafe"
)

// MaxLen is the longest name kept, in characters.
const MaxLen = 64

// Clean drops control and formatting characters (terminal escapes,
// bidirectional overrides), what textsafe finds unsafe to show (line and
// paragraph separators too) and invalid UTF-8, trims spaces, and cuts the
// name to MaxLen characters.
func Clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if textsafe.Unsafe(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > MaxLen {
		s = strings.TrimSpace(string(r[:MaxLen]))
	}
	return s
}
