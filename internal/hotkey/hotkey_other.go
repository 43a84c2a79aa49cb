//go:build !linux && !windows

package hotkey

import "fmt"

// grab: deskdial grabs global keys through X11 and Windows so far. On macOS
// the dial box is reached from the tray menu instead.
func grab(spec Spec, fire func()) (grabber, error) {
	return nil, fmt.Errorf("grab %s: %w", spec, ErrUnsupported)
}
