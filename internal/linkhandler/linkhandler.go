// Package linkhandler makes deskdial the program that opens tel: and
// callto: links, for the current user only and without admin rights.
//
// On Windows Install writes, under HKEY_CURRENT_USER:
//
//   - Software\Classes\tel and Software\Classes\callto: URL protocols whose
//     shell\open\command starts deskdial with the link;
//   - Software\Classes\deskdial.url: the same command as a ProgID, which
//     Software\deskdial\Capabilities\URLAssociations names for both schemes;
//   - Software\RegisteredApplications\deskdial, pointing at those
//     Capabilities, so Settings → Default apps lists deskdial for tel: and
//     callto: (since Windows 8 only the user can make it the default there
//     once another program was chosen; Windows protects that choice).
//
// Uninstall removes what Install wrote; a tel: or callto: key another
// program has since taken over is left alone.
//
// On Linux and the BSDs the desktop entry does this job (make
// install-desktop registers it with xdg-mime); Install returns
// ErrUnsupported there, naming that route.
package linkhandler

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Schemes are the URL schemes deskdial registers for.
var Schemes = []string{"tel", "callto"}

// Errors.
var (
	// ErrBadCommand means the program or an argument cannot be written into
	// a command line safely: not an absolute path, or a quote, line break
	// or NUL in it.
	ErrBadCommand = errors.New("linkhandler: bad command")
	// ErrUnsupported means this OS registers link handlers another way.
	ErrUnsupported = errors.New("linkhandler: not how this desktop registers link handlers")
)

// Install registers exe (an absolute path, usually os.Executable()) with
// args before the link (for example "--home", dir) as the handler of
// Schemes. Installing again replaces the entries.
func Install(exe string, args ...string) error {
	if !filepath.IsAbs(exe) {
		return fmt.Errorf("%w: %q is not an absolute path", ErrBadCommand, exe)
	}
	for _, a := range append([]string{exe}, args...) {
		if a == "" || strings.ContainsAny(a, "\"\r\n\x00") {
			return fmt.Errorf("%w: empty, or a quote or line break in %q", ErrBadCommand, a)
		}
	}
	if err := install(exe, args); err != nil {
		return fmt.Errorf("linkhandler: install: %w", err)
	}
	return nil
}

// Uninstall removes deskdial's registration. Removing what is not there
// is not an error.
func Uninstall() error {
	if err := uninstall(); err != nil {
		return fmt.Errorf("linkhandler: uninstall: %w", err)
	}
	return nil
}

// Command is the command line Install registers for exe and args: each
// part quoted, then the link as "%1", which the shell replaces by the
// clicked link. The link comes last so that whatever it holds is one
// argument after deskdial's own (deskdial treats a lone tel:, callto: or
// sip: argument as a link and refuses anything more).
func Command(exe string, args ...string) string {
	var b strings.Builder
	for _, a := range append([]string{exe}, args...) {
		b.WriteString(`"` + a + `" `)
	}
	b.WriteString(`"%1"`)
	return b.String()
}
