package main

import (
	"context"

	"github.com/deskdial/deskdial/internal/launch"
)

// runTray starts the tray program (deskdial-tray, see internal/launch) with
// the global flags and links: on Unix it takes this process's place. The
// commands of deskdial link no GUI code, so they start fast and print
// nothing of the toolkit's; a deskdial without the tray program (the arm64
// phone-agent release, built without cgo) says what to install.
func runTray(_ context.Context, e *env, links []string) error {
	path, err := launch.FindTray()
	if err != nil {
		return err
	}
	args, err := launch.Args(launch.Globals{Home: e.home, Server: e.server, Creds: e.creds, CA: e.ca}, links)
	if err != nil {
		return err
	}
	return launch.Tray(path, args)
}
