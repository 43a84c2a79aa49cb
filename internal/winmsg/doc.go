// Package winmsg runs a message-only window on an OS thread of its own:
// what the clipboard listener and the global hotkey on Windows both need to
// receive their messages (WM_CLIPBOARDUPDATE, WM_HOTKEY) without polling.
// The thread waits in GetMessage, so an idle window costs no wake-ups.
// Elsewhere the package is empty.
package winmsg
