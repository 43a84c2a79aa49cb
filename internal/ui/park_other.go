//go:build !linux || !cgo

package ui

// canPark is false where GLFW's event wait is not used (and in builds
// without cgo): on macOS Fyne's loop serves the tray, on Windows the tray
// has a thread of its own and the windows run in processes of their own.
const canPark = false

func waitEvents() {}
func wakeEvents() {}
