package number

import "testing"

// Trunk prefixes other than 0, and retired prefixes still written.
func TestFindTrunkAndLegacyPrefixes(t *testing.T) {
	runCases(t, []findCase{
		// Trunk prefix 8 (Russia, Kazakhstan), in the metadata.
		{"RU", "звоните 8 800 200-12-34", []string{"+78002001234"}},
		{"RU", "8 (4012) 34-56-78", []string{"+74012345678"}},
		{"KZ", "8 (7172) 45-67-89", []string{"+77172456789"}},
		{"KZ", "8 705 123 45 67", []string{"+77051234567"}},
		// Argentina's 15 after the area code; Brazil's carrier codes.
		{"AR", "cel 011 15 4567-8901", []string{"+5491145678901"}},
		{"AR", "0261 15 456-7890", []string{"+5492614567890"}},
		{"BR", "0 15 21 98765-4321", []string{"+5521987654321"}},
		// Mexico's retired prefixes.
		{"MX", "lada sin costo 01 800 987 6543", []string{"+528009876543"}},
		{"MX", "Monterrey 01 81 8345 6789", []string{"+528183456789"}},
		{"MX", "cel 044 33 1234 5678", []string{"+523312345678"}},
		{"MX", "045 55 8765 4321", []string{"+525587654321"}},
		{"MX", "+52 1 81 1234 5678", []string{"+528112345678"}},
		{"US", "Mexico office: +52 1 55 8765 4321", []string{"+525587654321"}},
		// A wait for the dial tone after a prefix.
		{"PL", "0~22 765 43 21", []string{"+48227654321"}},
		{"PL", "0~0 44 20 7946 0018", []string{"+442079460018"}},
		{"RU", "8~10 49 30 1234567", []string{"+49301234567"}},
		// Not legacy: the prefixes elsewhere, or with the wrong length.
		{"US", "01 800 987 6543", nil},
		{"MX", "01 800 987 654", nil},
		{"MX", "+52 1 55 8765 432", nil},
	})
}
