package main

import (
	"context"
	"errors"
)

// runTray starts the tray app; the ui package provides it.
func runTray(ctx context.Context, e *env, opts []string) error {
	return errors.New("tray: not available in this build yet")
}
