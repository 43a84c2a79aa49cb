package number

import "testing"

func TestNationalDigits(t *testing.T) {
	for in, want := range map[string]string{"+49301234567": "301234567", "+12015550123": "2015550123", "not": ""} {
		if got := NationalDigits(in); got != want {
			t.Errorf("NationalDigits(%q) = %q, want %q", in, got, want)
		}
	}
}
