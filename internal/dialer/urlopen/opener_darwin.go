//go:build darwin && !ios

package urlopen

// open hands tel: to FaceTime, which places the call on a paired iPhone.
func defaultCommand() []string { return []string{"open"} }
