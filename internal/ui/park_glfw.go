//go:build linux && cgo

package ui

import "github.com/go-gl/glfw/v3.3/glfw"

// canPark: on Linux the tray is served without Fyne's loop (WithIdleLoop),
// so the loop may stop ticking while no window is shown.
const canPark = true

// waitEvents blocks the GUI thread in GLFW until an event arrives: X
// events (the window manager, a program asking for a selection this app
// holds) are still handled as they come, and nothing ticks in between.
func waitEvents() { glfw.WaitEvents() }

// wakeEvents makes waitEvents return. Safe from any goroutine.
func wakeEvents() { glfw.PostEmptyEvent() }
