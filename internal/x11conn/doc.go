// Package x11conn holds what the process's own X connections (those of
// clipwatch and hotkey) share: the one Xlib error handler for all of them,
// and the wait on a connection and a wake pipe.
//
// Xlib reports X errors to a single process-wide handler, and its default
// handler prints the error and exits. Our requests can fail in the normal
// course of things: a window that asked for the clipboard is gone by the
// time we answer (BadWindow), another program already grabbed the hotkey
// (BadAccess). So every Display of ours is registered here; errors on a
// registered Display are kept (the first code per Display, which hotkey
// reads to report ErrTaken) and never reach Xlib's default handler. Errors
// on any other Display (GLFW's, under Fyne) go to the handler that was
// installed before ours, as if ours were not there.
//
// Trap puts the handler back before requests that may fail: GLFW swaps its
// own handler in around its calls and then restores the one it found, so a
// call of ours overlapping one of GLFW's can leave an older handler, or
// Xlib's default, in place.
//
// The package is Linux/X11 only and needs cgo; elsewhere it is empty.
package x11conn
