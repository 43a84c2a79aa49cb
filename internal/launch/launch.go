// Package launch starts the tray program for the command-line program.
//
// deskdial ships as two programs: `deskdial`, every command, built without
// cgo so that a command starts in a few milliseconds and links no GUI code,
// and `deskdial-tray`, the tray app (Fyne, OpenGL, X11: cgo). `deskdial`
// without a command, or with a clicked tel: link, first asks a running tray
// (internal/instance) to show its window or offer the link; only when none
// runs does it start the tray program, found next to itself or on PATH.
// The tray program does the same hand-over when it is started directly (at
// login, or as Windows' link handler), so there is only ever one tray.
package launch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/deskdial/deskdial/internal/instance"
)

// TrayProgram is the tray program's name (with ".exe" on Windows).
const TrayProgram = "deskdial-tray"

// ErrNoTray means the tray program is neither next to deskdial nor on PATH:
// a cgo-free build (the arm64 phone-agent release) or an install that
// copied only deskdial.
var ErrNoTray = errors.New("launch: no tray program")

// handTimeout bounds the hand-over to a running tray.
const handTimeout = 5 * time.Second

// trayFile is the tray program's file name on this OS.
func trayFile() string {
	if runtime.GOOS == "windows" {
		return TrayProgram + ".exe"
	}
	return TrayProgram
}

// FindTray returns the path of the tray program: next to the running
// program first (a release unpacked in one folder, bin/ of a checkout, the
// install directory), then on PATH.
func FindTray() (string, error) {
	name := trayFile()
	if self, err := os.Executable(); err == nil {
		if real, err := filepath.EvalSymlinks(self); err == nil {
			self = real
		}
		p := filepath.Join(filepath.Dir(self), name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			p = abs
		}
		return p, nil
	}
	return "", fmt.Errorf("%w: %s is not next to deskdial nor on PATH; install it from the same release as deskdial "+
		"(or run make install-desktop in a checkout). `deskdial phone` and the other commands work without it", ErrNoTray, name)
}

// Hand gives a running tray of the config directory dir what the user
// asked for: with no links, show its window (its menu, where the desktop
// shows no tray icons); else offer each link. It reports false, and no
// error, when no tray runs there.
func Hand(ctx context.Context, dir string, links []string) (bool, error) {
	msgs := links
	if len(msgs) == 0 {
		msgs = []string{instance.ShowMessage}
	}
	for i, m := range msgs {
		sctx, cancel := context.WithTimeout(ctx, handTimeout)
		err := instance.Send(sctx, dir, m)
		cancel()
		switch {
		case err == nil:
		case i == 0 && errors.Is(err, instance.ErrNotRunning):
			return false, nil
		case len(links) == 0:
			return false, fmt.Errorf("show the running deskdial's window: %w", err)
		default:
			return false, fmt.Errorf("hand the link to the running deskdial: %w", err)
		}
	}
	return true, nil
}

// Globals are the global flags the tray is started with.
type Globals struct {
	Home, Server, Creds, CA string
}

// Args is the tray program's command line (without its name): the global
// flags that are set, then the links. Relative paths are made absolute, so
// the tray reads the same files whatever its working directory.
func Args(g Globals, links []string) ([]string, error) {
	var args []string
	for _, f := range []struct {
		name, val string
		path      bool
	}{{"home", g.Home, true}, {"server", g.Server, false}, {"creds", g.Creds, true}, {"ca", g.CA, true}} {
		if f.val == "" {
			continue
		}
		v := f.val
		if f.path {
			abs, err := filepath.Abs(v)
			if err != nil {
				return nil, fmt.Errorf("launch: --%s: %w", f.name, err)
			}
			v = abs
		}
		args = append(args, "--"+f.name, v)
	}
	if len(links) > 0 {
		// A link never reads as a flag: "--" ends them.
		args = append(args, "--")
		args = append(args, links...)
	}
	return args, nil
}

// Tray starts the tray program at path with args: on Unix it replaces this
// process (exec), so the tray keeps the process ID the user, a desktop
// entry or a service manager started; on Windows it starts the tray and
// returns once it runs.
func Tray(path string, args []string) error {
	if err := start(path, args, os.Environ()); err != nil {
		return fmt.Errorf("launch: start %s: %w", path, err)
	}
	return nil
}

// IsLink reports whether s is a tel:, callto: or sip: link: what a desktop
// entry's Exec=deskdial %u or an OS URL handler passes when a link is
// clicked.
func IsLink(s string) bool {
	for _, scheme := range []string{"tel:", "callto:", "sip:"} {
		if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
			return true
		}
	}
	return false
}
