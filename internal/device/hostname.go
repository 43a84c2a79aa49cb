package device

import (
	"os"
	"strings"
)

// HostName is a device name from the machine's host name: up to its first
// dot, at most MaxNameLen long; fallback when there is none.
func HostName(fallback string) string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return fallback
	}
	if i := strings.IndexByte(h, '.'); i > 0 {
		h = h[:i]
	}
	if len(h) > MaxNameLen {
		h = h[:MaxNameLen]
	}
	return h
}
