package number

import "unicode/utf8"

// Find gives up after a fixed number of digit groups that are no numbers,
// so that any clipboard costs bounded time. FindAll reads a text to its
// end, so it hands it over in pieces of FindPiece bytes, each with
// findOverlap bytes of the text around it: a number across a boundary is
// seen whole and reported by the piece it starts in.
const (
	FindPiece   = 32 << 10
	findOverlap = 256
)

// FindAll is every number in text (a file, a log, an export, however
// long), in order, with offsets into text.
func FindAll(text, region string) []Match {
	if len(text) <= FindPiece {
		return Find(text, region, WithScanLimit(0))
	}
	var out []Match
	for start := 0; start < len(text); {
		end := runeStart(text, start+FindPiece)
		lo, hi := runeStart(text, start-findOverlap), runeStart(text, end+findOverlap)
		for _, m := range Find(text[lo:hi], region, WithScanLimit(0)) {
			m.Start, m.End = m.Start+lo, m.End+lo
			if m.Start >= start && m.Start < end {
				out = append(out, m)
			}
		}
		start = end
	}
	return out
}

// runeStart is i clamped to text and moved back to the start of a rune.
func runeStart(text string, i int) int {
	i = max(0, min(i, len(text)))
	for i > 0 && i < len(text) && !utf8.RuneStart(text[i]) {
		i--
	}
	return i
}
