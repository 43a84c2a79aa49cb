package number

import (
	"unicode"
	"unicode/utf8"
)

// The candidate scanner is a hand-written equivalent of libphonenumber's
// matcher pattern
//
//	(?:[(\[（［+＋][PUNCT]{0,4}){0,2}\p{Nd}{1,20}(?:[PUNCT]{0,4}\p{Nd}{1,20}){0,20}
//
// Go's regexp engine expands the counted repetitions into a huge program and
// runs it at a few MB/s; a clipboard watcher scans every copy, so the scan is
// done by hand in one pass. The extension suffix is matched afterwards with
// phonenumbers' own pattern on the few bytes after a candidate.

const (
	maxLeads       = 2
	maxPunctRun    = 4
	maxDigitBlock  = 20 // MAX_LENGTH_FOR_NSN + MAX_LENGTH_COUNTRY_CODE
	maxDigitBlocks = 21
)

// isPunct reports whether r may separate digit groups of one number. It is
// libphonenumber's VALID_PUNCTUATION plus the space separators it lacks:
// narrow no-break space (U+202F), thin and figure spaces (U+2000-U+200A) and
// the medium mathematical space (U+205F), which typesetters and French and
// Swiss websites put between digit groups.
func isPunct(r rune) bool {
	switch {
	case r < 0x80:
		switch r {
		case '-', 'x', 'X', ' ', '(', ')', '.', '[', ']', '/', '~':
			return true
		}
		return false
	case r == 0x00A0, r == 0x00AD:
		return true
	case r >= 0x2000 && r <= 0x200B: // spaces, zero-width space
		return true
	case r >= 0x2010 && r <= 0x2015: // hyphens and dashes
		return true
	case r == 0x202F, r == 0x205F, r == 0x2060, r == 0x2053, r == 0x2212, r == 0x223C:
		return true
	case r == 0x3000, r == 0x30FC:
		return true
	case r >= 0xFF0D && r <= 0xFF0F, r == 0xFF08, r == 0xFF09, r == 0xFF3B, r == 0xFF3D, r == 0xFF5E, r == 0xFF58, r == 0xFF38:
		return true
	}
	return false
}

// isLead reports whether r may open a number before its first digit.
func isLead(r rune) bool {
	switch r {
	case '(', '[', '+', 0xFF08, 0xFF3B, 0xFF0B:
		return true
	}
	return false
}

func isPlus(r rune) bool { return r == '+' || r == 0xFF0B }

// isDigit reports whether r is a decimal digit in any script (\p{Nd}).
func isDigit(r rune) bool {
	if r < 0x80 {
		return r >= '0' && r <= '9'
	}
	return unicode.IsDigit(r)
}

// digitValue returns the value of a decimal digit rune, or -1.
func digitValue(r rune) int {
	if r >= '0' && r <= '9' {
		return int(r - '0')
	}
	if r < 0x80 || !unicode.IsDigit(r) {
		return -1
	}
	// Unicode decimal digits come in runs of ten starting at zero; some
	// runs (mathematical digits) follow each other directly.
	z := r
	for z > r-60 && unicode.IsDigit(z-1) {
		z--
	}
	return int(r-z) % 10
}

// decodeAt returns the rune at byte offset i and its width.
func decodeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return utf8.RuneError, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// decodeBefore returns the rune ending at byte offset i and its width.
func decodeBefore(s string, i int) (rune, int) {
	if i <= 0 {
		return utf8.RuneError, 0
	}
	if c := s[i-1]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeLastRuneInString(s[:i])
}

// htmlSpace reports the length of an HTML no-break or thin space entity
// starting at i ("&nbsp;", "&#160;", "&#8239;"...), which web pages put
// between digit groups and which survive a copy from a page's source.
func htmlSpace(s string, i int) int {
	if i >= len(s) || s[i] != '&' {
		return 0
	}
	for _, e := range htmlSpaces {
		if len(s)-i >= len(e) && equalFoldASCII(s[i:i+len(e)], e) {
			return len(e)
		}
	}
	return 0
}

var htmlSpaces = []string{"&nbsp;", "&#160;", "&#xa0;", "&#8239;", "&#x202f;", "&thinsp;", "&#8201;", "&#x2009;", "&ensp;"}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// punctAt returns the width of a separator at i (a punctuation rune or an
// HTML space entity), or 0.
func punctAt(s string, i int) int {
	r, w := decodeAt(s, i)
	if w == 0 {
		return 0
	}
	if isPunct(r) {
		return w
	}
	return entityAt(s, i)
}

// entityAt returns the length of an escaped separator at i: an HTML space
// entity, or a URL-escaped space, dash or bracket ("tel:+49%2030%201234"),
// or 0. Their digits are not the number's.
func entityAt(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch s[i] {
	case '&':
		return htmlSpace(s, i)
	case '%':
		if i+2 < len(s) && s[i+1] == '2' {
			switch s[i+2] {
			case '0', '8', '9', 'd', 'D':
				return 3
			}
		}
	}
	return 0
}

// nextDigit returns the byte offset of the first digit at or after i, or -1.
func nextDigit(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= '0' && c <= '9' {
				return i
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if unicode.IsDigit(r) {
			return i
		}
		i += w
	}
	return -1
}

// scanCandidate finds the next candidate at or after from. floor is the
// lowest offset the candidate may start at (the end of the previous one), so
// that lead characters are never shared. It returns start and end byte
// offsets, or start < 0 when no digit is left.
func scanCandidate(s string, from, floor int) (start, end int) {
	d := nextDigit(s, from)
	if d < 0 {
		return -1, -1
	}
	start = d
	// Walk back over leads and punctuation: the candidate starts at the
	// leftmost lead that is reachable through at most maxLeads leads, each
	// followed by at most maxPunctRun punctuation runes.
	i, leads, punct := d, 0, 0
	for i > floor && leads < maxLeads {
		r, w := decodeBefore(s, i)
		if isLead(r) {
			leads++
			punct = 0
			i -= w
			start = i
			continue
		}
		if isPunct(r) && punct < maxPunctRun {
			punct++
			i -= w
			continue
		}
		break
	}
	// Forward: digit blocks joined by short punctuation runs.
	end = d
	blocks := 0
	i = d
	for blocks < maxDigitBlocks {
		n := 0
		for n < maxDigitBlock {
			r, w := decodeAt(s, i)
			if w == 0 || !isDigit(r) {
				break
			}
			i += w
			n++
		}
		if n == 0 {
			break
		}
		blocks++
		end = i
		if n == maxDigitBlock {
			// A block longer than any number: the rest of the digit run
			// belongs to it too, so that no candidate starts inside it.
			for {
				r, w := decodeAt(s, i)
				if w == 0 || !isDigit(r) {
					break
				}
				i += w
			}
			end = i
			break
		}
		j, p := i, 0
		for p < maxPunctRun {
			w := punctAt(s, j)
			if w == 0 {
				break
			}
			j += w
			p++
		}
		r, w := decodeAt(s, j)
		if w == 0 || !isDigit(r) {
			break
		}
		i = j
	}
	return start, end
}
