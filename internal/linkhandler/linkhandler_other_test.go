//go:build !windows

package linkhandler

import (
	"errors"
	"strings"
	"testing"
)

func TestInstallNamesTheDesktopEntryRoute(t *testing.T) {
	err := Install("/usr/bin/deskdial")
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "make install-desktop") {
		t.Fatalf("Install = %v, want ErrUnsupported naming make install-desktop", err)
	}
}
