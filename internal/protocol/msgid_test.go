package protocol

import (
	"strings"
	"testing"
)

// FuzzValidMsgID requires the hand-written id check to agree with the
// regular expression that defines message ids.
func FuzzValidMsgID(f *testing.F) {
	for _, s := range []string{"", "a", "A-z_09", "01J9X5K2M7", strings.Repeat("x", 64), strings.Repeat("x", 65),
		"a b", "a\n", "\n", "é", "a.b", "a/b", "-", "_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if got, want := validMsgID(id), msgIDRE().MatchString(id); got != want {
			t.Fatalf("validMsgID(%q) = %v, the pattern says %v", id, got, want)
		}
	})
}
