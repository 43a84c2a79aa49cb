//go:build !windows

package linkhandler

import "fmt"

func install(exe string, args []string) error {
	return fmt.Errorf("%w: the desktop entry registers deskdial for tel: and callto: links (make install-desktop)", ErrUnsupported)
}

func uninstall() error {
	return fmt.Errorf("%w: remove the desktop entry instead (make uninstall-desktop)", ErrUnsupported)
}
