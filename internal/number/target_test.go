package number

import "testing"

func TestIsE164(t *testing.T) {
	for s, want := range map[string]bool{
		"+4930123456": true, "+12": true, "+123456789012345": true,
		"+1234567890123456": false, "+1": false, "4930123456": false, "+49 30": false,
		"+49-30": false, "+٤٩٣٠": false, "": false, "+": false, "tel:+4930": false,
	} {
		if got := IsE164(s); got != want {
			t.Errorf("IsE164(%q) = %v, want %v", s, got, want)
		}
	}
}
