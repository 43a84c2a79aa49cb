// Package telnum holds the number checks and tel: URI encoding shared by the
// dialer backends. The agent's policy has already vetted the number; these
// checks are a second line of defence, because a backend that builds a shell
// command or a URI must stay safe even if it is handed something unexpected.
package telnum

import (
	"fmt"
	"strings"

	"github.com/deskdial/deskdial/internal/dialer"
)

// MaxLen bounds a dialable string: E.164 allows 15 digits; MMI codes that
// the policy may explicitly allow are longer, but never this long.
const MaxLen = 32

// Check accepts an optional leading '+' followed by digits, '*' and '#'
// ('*' and '#' reach a backend only when the policy allowed MMI codes).
func Check(number string) error {
	if number == "" {
		return fmt.Errorf("%w: empty", dialer.ErrInvalidNumber)
	}
	if len(number) > MaxLen {
		return fmt.Errorf("%w: longer than %d characters", dialer.ErrInvalidNumber, MaxLen)
	}
	digits := 0
	for i, r := range number {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == '*' || r == '#':
		default:
			return fmt.Errorf("%w: %q contains %q", dialer.ErrInvalidNumber, number, r)
		}
	}
	if digits == 0 {
		return fmt.Errorf("%w: %q has no digits", dialer.ErrInvalidNumber, number)
	}
	return nil
}

// URI returns "tel:" followed by number with every byte other than [0-9+]
// percent-encoded. Android's Uri.parse treats a bare '#' as the start of a
// fragment, and a shell treats most other punctuation as syntax, so the
// result only ever contains [0-9+%A-F] after the scheme.
func URI(number string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(4 + len(number)*3)
	b.WriteString("tel:")
	for i := 0; i < len(number); i++ {
		c := number[i]
		if (c >= '0' && c <= '9') || c == '+' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0x0f])
	}
	return b.String()
}
