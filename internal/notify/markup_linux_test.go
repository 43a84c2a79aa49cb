package notify

import (
	"context"
	"testing"
)

// TestBodyMarkupEscaped: a contact or phone name carrying markup or escape
// sequences reaches a notification. On a server that reads markup it must
// arrive as text (entities), not as a link or an image; on one that does
// not, it arrives as typed. Control characters are shown visibly on both.
func TestBodyMarkupEscaped(t *testing.T) {
	const hostile = "Anna <a href=\"https://evil.example/\">update</a> & <img src=\"file:///etc/passwd\"/>\nline two\x1b[2J"
	for _, tc := range []struct {
		caps, wantBody string
	}{
		{"body body-markup actions", "Anna &lt;a href=\"https://evil.example/\"&gt;update&lt;/a&gt; &amp; &lt;img src=\"file:///etc/passwd\"/&gt;\nline two\\x1b[2J"},
		{"body actions", "Anna <a href=\"https://evil.example/\">update</a> & <img src=\"file:///etc/passwd\"/>\nline two\\x1b[2J"},
	} {
		t.Run(tc.caps, func(t *testing.T) {
			addr := privateBus(t)
			mock := startServer(t, addr, tc.caps)
			ctx := context.Background()
			n, err := New(ctx, "deskdial", WithAddress(addr))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := n.Show(ctx, Notification{Title: "Call from Pixel\x1b]0;x\x07\nforged", Body: hostile}); err != nil {
				t.Fatal(err)
			}
			calls := mockCalls(t, mock, "Notify")
			if len(calls) != 1 {
				t.Fatalf("%d Notify calls", len(calls))
			}
			if got := calls[0].args[4].Value(); got != tc.wantBody {
				t.Errorf("body sent =\n%q\nwant\n%q", got, tc.wantBody)
			}
			if got := calls[0].args[3].Value(); got != `Call from Pixel\x1b]0;x\x07\nforged` {
				t.Errorf("summary sent = %q", got)
			}
		})
	}
}
