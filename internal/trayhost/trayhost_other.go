//go:build !linux

package trayhost

import "context"

// available: macOS and Windows always have a notification area.
func available(context.Context, string) (bool, error) { return true, nil }
