//go:build !windows && !darwin

package ui

import (
	"bytes"
	"log"
	"os"
	"strings"
	"testing"
)

// Under LANG=C (or C.UTF-8, or POSIX) following the system means English,
// loaded without Fyne's "Error parsing user locale C".
func TestCLocaleIsEnglish(t *testing.T) {
	for _, l := range []string{"C", "C.UTF-8", "POSIX"} {
		t.Setenv("LANGUAGE", "")
		t.Setenv("LC_ALL", "")
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", l)
		langMu.Lock()
		origLanguage = nil
		langMu.Unlock()
		var logged bytes.Buffer
		log.SetOutput(&logged)
		err := SetLanguage("")
		log.SetOutput(os.Stderr)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(logged.String(), "Error parsing user locale") {
			t.Errorf("LANG=%s: %s", l, logged.String())
		}
		if got := tr("menu.quit"); got != "Quit" {
			t.Errorf("LANG=%s: menu.quit is %q", l, got)
		}
	}
	langMu.Lock()
	origLanguage = nil
	langMu.Unlock()
}
