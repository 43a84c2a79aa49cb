package number

import "strings"

// Numbers broken across lines. A table cell or a quoted reply that wraps in
// the middle of a number leaves its first groups at the end of one line and
// the rest at the start of the next, behind the line's indentation, table
// borders or quote markers:
//
//	| Montréal | 514 398-  |        > Ring me on 07700
//	|          | 4455      |        > 123456 when you land
//
// The two parts are read as one number when nothing but such layout lies
// between them, the second part is not a number by itself, and together
// they form a valid number. The look-ahead is bounded, so each candidate
// costs at most one extra parse of each part.

const (
	maxWrapTail   = 64  // bytes between a number's last digit and the line break (cell padding)
	maxWrapIndent = 160 // bytes of indentation, borders and markers before the continuation
)

// isBorder reports table borders and quote markers that may stand between
// a line break and the continuation of a number.
func isBorder(r rune) bool {
	switch r {
	case '|', '>', '+', '¦', '｜', '│', '┃', '║', '┆', '┊', '＞':
		return true
	}
	return false
}

// isPad reports layout spaces: spaces, tabs, no-break and ideographic
// spaces.
func isPad(r rune) bool {
	return r == ' ' || r == '\t' || r == 0xA0 || r == 0x3000 || r == 0x202F || (r >= 0x2000 && r <= 0x200A)
}

// wrapContinuation returns where the continuation of a number ending at e
// starts on the next line, or -1. Only a group separator (a dash, a dot or
// a closing bracket), padding and one table border may follow the digits
// on their line.
func wrapContinuation(t string, e int) int {
	i, borders, seps := e, 0, 0
	for i < len(t) && i-e < maxWrapTail {
		r, w := decodeAt(t, i)
		switch {
		case isPad(r):
		case isBorder(r) && r != '>' && r != '＞' && r != '+':
			borders++
			if borders > 1 {
				return -1
			}
		case (isDash(r) || r == '.' || r == ')' || r == '）') && borders == 0:
			seps++
			if seps > 2 {
				return -1
			}
		case r == '\r' || r == '\n':
			return continuationStart(t, i)
		default:
			return -1
		}
		i += w
	}
	return -1
}

// continuationStart skips the line break at i and the next line's layout,
// and returns the offset of its first digit (or opening bracket before a
// digit), or -1.
func continuationStart(t string, i int) int {
	if t[i] == '\r' {
		i++
	}
	if i >= len(t) || t[i] != '\n' {
		return -1
	}
	i++
	start := i
	for i < len(t) && i-start < maxWrapIndent {
		r, w := decodeAt(t, i)
		switch {
		case isPad(r), isBorder(r):
			i += w
			continue
		case isDigit(r):
			return i
		case r == '(' || r == '（':
			if d, _ := decodeAt(t, i+w); isDigit(d) {
				return i
			}
		}
		return -1
	}
	return -1
}

// wrapped tries candidate c joined with its continuation on the next line
// and returns the end of the match, or 0.
func (m *matcher) wrapped(c cand) int {
	if c.end != c.core {
		return 0 // an extension ends the number on its own line
	}
	p := wrapContinuation(m.text, c.core)
	if p < 0 {
		return 0
	}
	s2, e2 := scanCandidate(m.text, p, p)
	if s2 != p {
		return 0
	}
	n1, n2 := allDigits(m.text, c.start, c.core), allDigits(m.text, s2, e2)
	if n1 < 2 || n2 < 2 || n1+n2 > maxWrapDigits {
		return 0
	}
	second := cand{start: s2, core: e2, end: e2}
	second.end, second.ext = m.extSuffix(e2)
	joined := cand{start: c.start, core: e2, end: second.end, ext: second.ext}
	// The cheap test first: most lines that end and start with digits do
	// not make one number together.
	m.tries--
	if _, ok := m.parse(joined.start, joined.end, joined); !ok {
		return 0
	}
	// A line that starts with a number of its own is not a continuation.
	if _, ok := m.parse(s2, second.end, second); ok {
		return 0
	}
	// Each part must be acceptable where it stands: no ID label before the
	// first, no unit or word glued after the second, neither a date.
	first := cand{start: c.start, core: c.core, end: c.core}
	if m.rejectCandidate(first) || m.rejectCandidate(second) || len(m.dateSpans(first)) > 0 || len(m.dateSpans(second)) > 0 {
		return 0
	}
	if csvRows(m.text, c.start, second.end) || bordersBefore(m.text, c.start) != bordersBefore(m.text, s2) {
		return 0
	}
	// Two amounts one above the other ("2 299" over "3 499") are a column
	// of prices, not one number.
	if amountShaped(m.text, c.start, c.core) && amountShaped(m.text, s2, e2) {
		return 0
	}
	return m.verify(joined.start, joined.end, joined)
}

// bordersBefore counts the table borders and quote markers between the
// start of i's line and i: a wrapped cell goes on in the same column, a
// quoted line at the same depth.
func bordersBefore(t string, i int) int {
	ls := strings.LastIndexByte(t[:i], '\n') + 1
	n := 0
	for _, r := range t[ls:i] {
		if isBorder(r) {
			n++
		}
	}
	return n
}

// amountShaped reports digits grouped by thousands: one to three digits,
// then groups of three, parted by a space, dot, comma or apostrophe.
func amountShaped(t string, a, b int) bool {
	gs, seps := groupsOf(t, a, b)
	if len(gs) < 2 || gs[0].n > 3 || !allSeps(seps, " ", ".", ",", "'", "\u00a0", "\u202f", "\u2009") {
		return false
	}
	for _, g := range gs[1:] {
		if g.n != 3 {
			return false
		}
	}
	return true
}

// csvRows reports the last field of one row and the first field of the
// next ("…,Berlin,4155\n867530,…"): the second part is followed by the
// field separator that the first part's line uses.
func csvRows(t string, a, e int) bool {
	if e >= len(t) {
		return false
	}
	sep := t[e]
	if sep != ',' && sep != ';' && sep != '\t' {
		return false
	}
	ls := strings.LastIndexByte(t[:a], '\n') + 1
	return strings.IndexByte(t[ls:a], sep) >= 0
}

// maxWrapDigits is the most digits a wrapped number can have: fifteen
// (E.164's longest) and a two-digit prefix.
const maxWrapDigits = 17

// allDigits counts the digits in [a, b).
func allDigits(s string, a, b int) int {
	n := 0
	for i := a; i < b; {
		r, w := decodeAt(s, i)
		if isDigit(r) {
			n++
		}
		i += w
	}
	return n
}
