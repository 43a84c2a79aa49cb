// Package autostart starts deskdial when the user logs in, or stops doing so.
//
// Each OS has its own place for this, all per user and none needing admin
// rights: an XDG autostart entry on Linux and the BSDs
// ($XDG_CONFIG_HOME/autostart/deskdial.desktop), a LaunchAgent on macOS
// (~/Library/LaunchAgents/io.github.deskdial.plist) and a value under the
// HKCU ...\CurrentVersion\Run registry key on Windows. The settings window's
// "Start at login" switch calls Enable or Disable.
package autostart

import (
	"errors"
	"fmt"
	"path/filepath"
)

// AppID names deskdial's entry everywhere an OS wants a unique name.
const AppID = "io.github.deskdial"

// Errors.
var (
	// ErrBadCommand means the command to start cannot be written down: the
	// program is not an absolute path, or an argument has a line break.
	ErrBadCommand = errors.New("autostart: bad command")
)

// Option changes what Enable writes.
type Option func(*options)

type options struct{ args []string }

// WithArgs adds arguments to the command started at login, for example
// "--home", dir when deskdial runs with a settings directory of its own.
func WithArgs(args ...string) Option {
	return func(o *options) { o.args = append(o.args, args...) }
}

// Enable makes the OS start exe (an absolute path, usually os.Executable())
// at every login. Enabling again replaces the entry.
func Enable(exe string, opts ...Option) error {
	var o options
	for _, f := range opts {
		f(&o)
	}
	if !filepath.IsAbs(exe) {
		return fmt.Errorf("%w: %q is not an absolute path", ErrBadCommand, exe)
	}
	for _, a := range append([]string{exe}, o.args...) {
		for _, r := range a {
			if r == '\n' || r == '\r' || r == 0 {
				return fmt.Errorf("%w: line break or NUL in %q", ErrBadCommand, a)
			}
		}
	}
	if err := enable(exe, o.args); err != nil {
		return fmt.Errorf("autostart: enable: %w", err)
	}
	return nil
}

// Disable removes the entry. Removing an entry that is not there is not an
// error.
func Disable() error {
	if err := disable(); err != nil {
		return fmt.Errorf("autostart: disable: %w", err)
	}
	return nil
}

// Enabled says whether deskdial is set to start at login.
func Enabled() (bool, error) {
	ok, err := enabled()
	if err != nil {
		return false, fmt.Errorf("autostart: check: %w", err)
	}
	return ok, nil
}
