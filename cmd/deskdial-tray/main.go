// Command deskdial-tray is deskdial's tray app: the clipboard watcher, the
// hotkey, the prompts and windows, with the embedded NATS server. `deskdial`
// (app/) starts it when run without a command or with a clicked link; it is
// also what starts at login. It is a program of its own so that the
// commands of `deskdial` link no GUI code (see internal/launch).
package main

import (
	"os"

	// First, before Fyne reads the locale: see the package.
	_ "github.com/deskdial/deskdial/internal/guilocale"
	"github.com/deskdial/deskdial/internal/quiet"
	"github.com/deskdial/deskdial/internal/ui/uiproc"
)

func main() {
	if uiproc.IsChild() { // a window of the tray, in a process of its own
		os.Exit(uiproc.RunChild())
	}
	quiet.OneProcessor() // the tray waits nearly all the time
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
