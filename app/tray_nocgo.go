//go:build !cgo

package main

import (
	"context"
	"errors"
)

// errNoTray is what a cgo-free build (the arm64 phone-agent release, see the
// Makefile's release-agent-linux-arm64) says when started without a command:
// the tray needs cgo for OpenGL and X11, the phone agent and the other
// commands do not.
var errNoTray = errors.New("tray: this deskdial was built without cgo and has no tray app; `deskdial phone` and the other commands work")

func runTray(context.Context, *env, []string) error { return errNoTray }
