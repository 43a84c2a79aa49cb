package webagent

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzAddresses: whatever a listen address or server list holds, the page's
// address is derived without a panic, and every one is an https URL with a
// host and a port.
func FuzzAddresses(f *testing.F) {
	for _, s := range []string{"0.0.0.0:4248", "127.0.0.1:0", "[::1]:4248", ":65535", "x", "tls://192.168.1.20:4248", "tls://[fe80::1]:4248", "tls://%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if l, err := ListenFor(s); err == nil && !strings.Contains(l, ":") {
			t.Fatalf("ListenFor(%q) = %q", s, l)
		}
		for _, b := range BaseURLs([]string{s}, 4249) {
			u, err := url.Parse(b)
			if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.Port() != "4249" {
				t.Fatalf("BaseURLs(%q) gave %q", s, b)
			}
		}
	})
}
