//go:build !linux

package hotkey

import "fmt"

// grab: deskdial grabs global keys only through X11 so far. On macOS and
// Windows the dial box is reached from the tray menu instead.
func grab(spec Spec, fire func()) (grabber, error) {
	return nil, fmt.Errorf("grab %s: %w", spec, ErrUnsupported)
}
