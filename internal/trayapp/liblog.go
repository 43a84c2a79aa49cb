package trayapp

import (
	"bytes"
	"io"
	"sync/atomic"
)

// libraryLog is where the libraries that print through the standard log
// package (fyne.io/systray, Fyne) write: the tray's log, less what the
// tray has already told the user in its own words.
type libraryLog struct {
	w io.Writer
	// noHost: the tray found no tray host and said so with what to
	// install (trayhost.Check); fyne.io/systray's own report of that,
	// "systray error: failed to register: …", is then left out.
	noHost atomic.Bool
}

func (l *libraryLog) Write(p []byte) (int, error) {
	if l.noHost.Load() && bytes.Contains(p, []byte("systray error: failed to register: ")) {
		return len(p), nil
	}
	return l.w.Write(p)
}
