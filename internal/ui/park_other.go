//go:build !linux || !cgo

package ui

// canPark is false where Fyne's loop serves the tray (macOS, Windows).
const canPark = false

func waitEvents() {}
func wakeEvents() {}
