package number

import (
	"strings"
	"unicode"
)

// LooksLikeName reports whether a call target is meant as a contact's name
// rather than a number: it is no number or USSD/MMI code read in region, no
// URI (a scheme such as sip: is never a name), and it has letters and fewer
// than three digits. Vanity numbers ("1-800-FLOWERS") are numbers.
//
// The desktop uses it to look a name up in the contacts before sending; the
// phone uses it to say "send a number" instead of "not a number".
func LooksLikeName(target, region string) bool {
	if strings.Contains(target, ":") || IsMMI(target) {
		return false
	}
	if _, err := Parse(target, region); err == nil {
		return false
	}
	letters, digits := 0, 0
	for _, r := range target {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r):
			digits++
		}
	}
	return letters > 0 && digits < 3
}
