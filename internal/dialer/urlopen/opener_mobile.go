//go:build android || ios

package urlopen

// On Android and iOS only the app itself can open the dialer (WithOpener).
func defaultCommand() []string { return nil }
