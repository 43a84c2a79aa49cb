//go:build linux && !android

package urlopen

// xdg-open hands tel: to the desktop's x-scheme-handler/tel application
// (GNOME Calls, Plasma Dialer, KDE Connect's handler, ...).
func defaultCommand() []string { return []string{"xdg-open"} }
