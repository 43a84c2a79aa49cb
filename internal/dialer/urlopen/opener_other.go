//go:build (!linux && !darwin && !windows) || android || ios

package urlopen

import "runtime"

// On Android and iOS only the app itself can open the dialer (WithOpener);
// other Unix systems follow the freedesktop convention.
func defaultCommand() []string {
	switch runtime.GOOS {
	case "android", "ios":
		return nil
	}
	return []string{"xdg-open"}
}
