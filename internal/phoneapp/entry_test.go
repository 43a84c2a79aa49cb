package phoneapp

import (
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/agent"
)

// The phone's console never shows an empty "()" for a repeated request.
func TestPhoneEntryText(t *testing.T) {
	for _, tc := range []struct {
		en   agent.Entry
		want string
	}{
		{agent.Entry{Kind: "dial", FromName: "Laptop", Decision: "accepted", Number: "+49301234567"}, "dial from Laptop: accepted +49301234567"},
		{agent.Entry{Kind: "dial", FromName: "Laptop", Decision: "duplicate"}, "dial from Laptop: the same request again, answered as before; nothing dialled again"},
		{agent.Entry{Kind: "dial", FromName: "Laptop", Decision: "duplicate", Reason: "rate limit"}, "dial from Laptop: the same request again, refused as before (rate limit)"},
		{agent.Entry{Kind: "dial", Decision: "refused", Reason: "unknown sender"}, "dial from an unknown desktop: refused (unknown sender)"},
		{agent.Entry{Kind: "hangup", FromName: "Laptop", Decision: "refused"}, "hangup from Laptop: refused"},
	} {
		if got := entryLine(tc.en); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.en, got, tc.want)
		}
		if strings.Contains(entryLine(tc.en), "()") {
			t.Errorf("%+v: empty parentheses", tc.en)
		}
	}
}
