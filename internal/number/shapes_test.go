package number

import "testing"

// The shapes a matcher should not drop, each found in the usual
// surroundings: an amount right before the number, "number" joined to it by
// a hyphen, an extension after "/x" or after a spaced tilde.
func TestFindShapesInContexts(t *testing.T) {
	shapes := []struct {
		region, text, e164, ext string
	}{
		{"US", "$20 415-666-7777", "+14156667777", ""},
		{"DE", "€20 030 1234567", "+49301234567", ""},
		{"GB", "£9.99 020 7946 0018", "+442079460018", ""},
		{"US", "My number-415-666-7777", "+14156667777", ""},
		{"DE", "Meine Nummer-0170 1234567", "+491701234567", ""},
		{"US", "415-666-7777/x12", "+14156667777", "12"},
		{"US", "1 800 749 3524 ~1234", "+18007493524", "1234"},
	}
	contexts := []struct{ before, after string }{
		{"", ""},
		{"Call ", " now."},
		{"Details: ", "\n"},
		{"\n", " "},
		{"(", ")"},
		{"\"", "\""},
		{"{\"note\":\"", "\"}"},
		{"<td>", "</td>"},
		{"Anna;", ";Berlin"},
		{"* ", "\n* next"},
		{"> ", "\n> thanks"},
		{"｜", "｜"},
	}
	for _, s := range shapes {
		for _, c := range contexts {
			text := c.before + s.text + c.after
			ms := Find(text, s.region)
			if len(ms) != 1 || ms[0].E164 != s.e164 || ms[0].Extension != s.ext {
				t.Errorf("Find(%q, %s) = %+v, want %s ext %q", text, s.region, ms, s.e164, s.ext)
			}
		}
	}
	// An amount alone, or one that is only thousands, stays an amount;
	// an ID word before "number" still names an ID.
	runCases(t, []findCase{
		{"US", "Was $1,249.99 now $999.99", nil},
		{"DE", "Preis €1 299 000", nil},
		{"US", "Order number-415-867-5309", nil},
		{"DE", "ID-0301234567", nil},
		{"US", "USD 4155550100", nil},
	})
}
