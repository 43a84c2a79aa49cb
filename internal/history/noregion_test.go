package history

import (
	"context"
	"strings"
	"testing"
)

// TestImportWithoutRegionKeepsOnlyInternationalNumbers: with no region
// known, a number written without a country code cannot be placed. Read as
// a US number, an Italian mobile (347 812 4567) became a New York number
// that `call NAME` would dial. It is skipped and counted, with the reason;
// numbers with a country code are imported.
func TestImportWithoutRegionKeepsOnlyInternationalNumbers(t *testing.T) {
	s, _ := openTemp(t)
	in := "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Mario Rossi\r\nTEL;TYPE=CELL:347 812 4567\r\nTEL;TYPE=WORK:+39 06 1234 5678\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna\r\nTEL;TYPE=CELL:030 1234567\r\nEND:VCARD\r\n"
	for _, region := range []string{"", "ZZ"} {
		rep, err := s.ImportVCard(context.Background(), strings.NewReader(in), region)
		if err != nil {
			t.Fatal(err)
		}
		if rep.NoRegion != 2 || rep.Skipped != 1 {
			t.Errorf("region %q: report = %+v, want 2 numbers skipped for want of a region, Anna skipped (none of her numbers could be read)", region, rep)
		}
		for _, p := range rep.Problems {
			if !strings.Contains(p.Reason, "no country code, and no region is set") {
				t.Errorf("problem %q does not say a region is missing", p)
			}
		}
	}
	cs, err := s.Contacts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 1 || len(cs[0].Numbers) != 1 || cs[0].Numbers[0].E164 != "+390612345678" {
		t.Errorf("contacts = %+v, want Mario with his Rome number only", cs)
	}
}
