//go:build !linux

package ui

import "fyne.io/fyne/v2"

// On macOS and Windows the tray lives in the GUI event loop, so deskdial
// uses Fyne's desktop.App and runs Fyne's loop from the start.
const ownTray = false

type sysTray struct{}

func newSysTray(string, fyne.Resource) *sysTray { return &sysTray{} }
func (*sysTray) SetMenu(*fyne.Menu)             {}
func (*sysTray) SetIcon(fyne.Resource)          {}
func (*sysTray) Close()                         {}
