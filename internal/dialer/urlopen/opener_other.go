//go:build !linux && !darwin && !windows && !android && !ios

package urlopen

// Other Unix systems (the BSDs, illumos) follow the freedesktop convention.
func defaultCommand() []string { return []string{"xdg-open"} }
