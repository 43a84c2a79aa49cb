package trayapp

import (
	"log"
	"strings"
	"testing"
)

// fyne.io/systray's report of a missing tray host is left out once the
// tray has said so itself; every other library line still reaches the log.
func TestLibraryLog(t *testing.T) {
	var out strings.Builder
	l := &libraryLog{w: &out}
	lg := log.New(l, "", 0)
	const reg = "systray error: failed to register: The name org.kde.StatusNotifierWatcher was not provided by any .service files"
	lg.Print(reg)
	l.noHost.Store(true)
	lg.Print(reg)
	lg.Print("Fyne error: something else")
	want := reg + "\nFyne error: something else\n"
	if out.String() != want {
		t.Fatalf("logged:\n%s\nwant:\n%s", out.String(), want)
	}
}
