package number

import (
	"strings"
	"testing"
)

// TestFindAllLongText: a long text is searched to its end, past many digit
// groups that are no numbers, with offsets into the whole text; a number
// across a piece boundary is found once, whole, wherever the boundary
// falls (multi-byte text before it included).
func TestFindAllLongText(t *testing.T) {
	var b strings.Builder
	b.WriteString("Tel. +49 30 1234567\n")
	for b.Len() < 1<<20 {
		b.WriteString("ref 1234 ")
	}
	b.WriteString("Fax 030 7654321, mobile +49 171 5551234\n")
	text := b.String()
	var got []string
	for _, m := range FindAll(text, "DE") {
		if text[m.Start:m.End] != m.Raw {
			t.Errorf("%+v is not at its place", m)
		}
		got = append(got, m.E164)
	}
	if strings.Join(got, " ") != "+49301234567 +49307654321 +491715551234" {
		t.Fatalf("found %v", got)
	}
	for _, filler := range []string{"x", "ü"} {
		for pad := 0; pad < 40; pad++ {
			in := strings.Repeat(filler, (FindPiece-20+pad)/len(filler)) + " +49 30 1234567 "
			ms := FindAll(in, "DE")
			if len(ms) != 1 || ms[0].E164 != "+49301234567" || in[ms[0].Start:ms[0].End] != "+49 30 1234567" {
				t.Fatalf("%q pad %d: %+v", filler, pad, ms)
			}
		}
	}
}
