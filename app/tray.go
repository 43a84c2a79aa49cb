//go:build cgo

package main

import (
	"context"
	"os"
	"time"

	"github.com/deskdial/deskdial/internal/trayapp"
)

// envExitAfter makes the tray app quit by itself that long after it is up
// ("2s"): for `make run` smoke checks and footprint measurements.
const envExitAfter = "DESKDIAL_EXIT_AFTER_START"

// runTray runs the tray app until the user quits or ctx ends; it must run
// on the main goroutine. links are tel:/callto: links to offer once the
// tray runs.
func runTray(ctx context.Context, e *env, links []string) error {
	var after time.Duration
	if v := os.Getenv(envExitAfter); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return usageErr("%s=%q: %v", envExitAfter, v, err)
		}
		after = d
	}
	p, err := e.paths()
	if err != nil {
		return err
	}
	return trayapp.Run(ctx, trayapp.Deps{Paths: p, Server: e.server, Creds: e.creds, CA: e.ca, Log: e.stderr, Links: links, ExitAfter: after})
}
