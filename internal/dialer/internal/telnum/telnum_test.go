package telnum

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/dialer"
)

func TestURI(t *testing.T) {
	for in, want := range map[string]string{
		"+4930123456": "tel:+4930123456",
		"*2767*3855#": "tel:%2A2767%2A3855%23",
		"1; reboot":   "tel:1%3B%20%72%65%62%6F%6F%74",
		"'$(id)`x`":   "tel:%27%24%28%69%64%29%60%78%60",
		"a\nb":        "tel:%61%0A%62",
		"":            "tel:",
		"\xff+1":      "tel:%FF+1",
		"100%":        "tel:100%25",
	} {
		if got := URI(in); got != want {
			t.Errorf("URI(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, ok := range []string{"+4930123456", "110", "*#06#", "+1"} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "+", "1+1", "12 34", "1;id", "'1'", "$(id)", "tel:1", "#", strings.Repeat("1", MaxLen+1), "１２３"} {
		if err := Check(bad); !errors.Is(err, dialer.ErrInvalidNumber) {
			t.Errorf("Check(%q) = %v, want ErrInvalidNumber", bad, err)
		}
	}
}

// FuzzURI: whatever goes in, only [0-9+%A-F] come out after the scheme, and
// decoding gives the input back.
func FuzzURI(f *testing.F) {
	for _, s := range []string{"+4930123456", "*#06#", "1;id", "'", "$(x)", "\n", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		u := URI(in)
		rest, ok := strings.CutPrefix(u, "tel:")
		if !ok {
			t.Fatalf("no scheme: %q", u)
		}
		for _, c := range rest {
			if !strings.ContainsRune("0123456789+%ABCDEF", c) {
				t.Fatalf("URI(%q) = %q contains %q", in, u, c)
			}
		}
		back, err := url.PathUnescape(rest)
		if err != nil || back != in {
			t.Fatalf("URI(%q) = %q decodes to %q, %v", in, u, back, err)
		}
		if Check(in) == nil && strings.ContainsAny(in, " ;'\"$`\\|&<>()\n") {
			t.Fatalf("Check accepted %q", in)
		}
	})
}
