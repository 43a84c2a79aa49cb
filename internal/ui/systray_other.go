//go:build !linux && !windows

package ui

import "fyne.io/fyne/v2"

// On macOS the tray is AppKit's status item, served from the main
// thread's event loop, which Fyne's loop runs: deskdial uses Fyne's
// desktop.App and runs Fyne's loop from the start.
const ownTray = false

type sysTray struct{}

func newSysTray(string, fyne.Resource) *sysTray { return &sysTray{} }
func (*sysTray) SetMenu(*fyne.Menu)             {}
func (*sysTray) SetIcon(fyne.Resource)          {}
func (*sysTray) Close()                         {}
