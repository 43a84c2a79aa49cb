package history

import (
	"context"
	"strings"
	"testing"
)

// Re-importing cards with another region never reinterprets a number
// already stored: (201) 555-0123 first read as German stays as stored, with
// a note, instead of a second reading merged into the contact; 030 1234567,
// no number in the US, is reported and the stored one kept.
func TestReimportOtherRegionKeepsStoredNumbers(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	const cards = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:anna-1\r\nFN:Anna Muster\r\nTEL;TYPE=WORK:030 1234567\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Bob Brown\r\nTEL;TYPE=CELL:(201) 555-0123\r\nEND:VCARD\r\n"
	if _, err := s.ImportVCard(ctx, strings.NewReader(cards), "DE"); err != nil {
		t.Fatal(err)
	}
	before, err := s.Contacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.ImportVCard(ctx, strings.NewReader(cards), "US")
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.Contacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	show := func(cs []Contact) string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name+"="+numbersOf(c))
		}
		return strings.Join(out, "; ")
	}
	if show(after) != show(before) {
		t.Fatalf("re-import in another region changed the contacts:\nbefore %s\nafter  %s", show(before), show(after))
	}
	if !strings.Contains(show(after), "Anna Muster=work:+49301234567") {
		t.Fatalf("contacts %s", show(after))
	}
	var probs []string
	for _, p := range rep.Problems {
		probs = append(probs, p.String())
	}
	j := strings.Join(probs, "\n")
	for _, want := range []string{
		`(Bob Brown): number "(201) 555-0123" kept as +492015550123, as stored before (it would read as +12015550123 in this import's region)`,
		`(Anna Muster): number "030 1234567" skipped`,
	} {
		if !strings.Contains(j, want) {
			t.Errorf("problems lack %q:\n%s", want, j)
		}
	}
}

// Every number that could not be read is counted and listed with its
// reason; a card none of whose numbers could be read is skipped, not
// "without a phone number".
func TestImportReportsSkippedNumbers(t *testing.T) {
	s, _ := openTemp(t)
	const cards = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Carla\r\nTEL;TYPE=CELL:+49 170 1234567\r\nTEL;TYPE=WORK:12\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Dora\r\nTEL;TYPE=CELL:call me\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Emil\r\nEND:VCARD\r\n"
	rep, err := s.ImportVCard(context.Background(), strings.NewReader(cards), "DE")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 1 || rep.Skipped != 1 || rep.NoNumber != 1 || rep.SkippedNumbers != 2 {
		t.Errorf("report %+v, want 1 added, 1 skipped, 1 without a number, 2 numbers skipped", rep)
	}
	var probs []string
	for _, p := range rep.Problems {
		probs = append(probs, p.String())
	}
	j := strings.Join(probs, "\n")
	for _, want := range []string{`(Carla): number "12" skipped`, `(Dora): number "call me" skipped`} {
		if !strings.Contains(j, want) {
			t.Errorf("problems lack %q:\n%s", want, j)
		}
	}
}
