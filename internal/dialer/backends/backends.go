// Package backends opens a dialer backend by the name given to
// `deskdial phone --backend`.
package backends

import (
	"fmt"
	"strings"

	"github.com/deskdial/deskdial/internal/dialer"
	"github.com/deskdial/deskdial/internal/dialer/logdial"
)

// Options carries backend-specific settings from the command line.
type Options struct {
	Modem  string // ofono/modemmanager: D-Bus object path of the modem; empty: the first one
	Serial string // adb: device serial; empty: the only device
}

// Help lists the backends for --help.
const Help = "log:FILE (dials nothing; writes numbers to FILE)"

// Open returns the backend named by spec ("log:FILE", ...).
func Open(spec string, opts Options) (dialer.Dialer, error) {
	name, arg, _ := strings.Cut(spec, ":")
	switch name {
	case "log":
		if arg == "" {
			return nil, fmt.Errorf("backend log needs a file: --backend log:FILE")
		}
		return logdial.New(arg), nil
	}
	return nil, fmt.Errorf("unknown backend %q (available: %s)", spec, Help)
}
