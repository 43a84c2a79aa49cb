package number

import "testing"

func TestDisplay(t *testing.T) {
	for in, want := range map[string]string{
		"+49301234567": "+49 30 1234567",
		"+12025550123": "+1 202-555-0123",
		"*#06#":        "*#06#",
		"":             "",
	} {
		if got := Display(in); got != want {
			t.Errorf("Display(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplit(t *testing.T) {
	for _, tc := range []struct{ in, cc, nat, ndd string }{
		{"49301234567", "49", "301234567", "0"},
		{"12025550123", "1", "2025550123", "1"},
		{"390612345678", "39", "0612345678", ""},
	} {
		cc, nat, ndd, ok := Split(tc.in)
		if !ok || cc != tc.cc || nat != tc.nat || ndd != tc.ndd {
			t.Errorf("Split(%q) = %q %q %q %v", tc.in, cc, nat, ndd, ok)
		}
	}
	if _, _, _, ok := Split("999"); ok {
		t.Error("Split(999) found a country")
	}
}
