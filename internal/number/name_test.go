package number

import "testing"

func TestLooksLikeName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"Anna Schmidt", true},
		{"Jörg Müller", true},
		{"Mum", true},
		{"Office 2", true},
		{"+49 30 1234567", false},
		{"030 1234567", false},
		{"1-800-FLOWERS", false}, // a vanity number
		{"*#06#", false},
		{"tel:+4930123456", false},
		{"sip:anna@example.org", false},
		{"Room 123", false}, // three digits: a typo'd number, not a name
		{"", false},
		{"   ", false},
	} {
		if got := LooksLikeName(tc.in, "DE"); got != tc.want {
			t.Errorf("LooksLikeName(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
