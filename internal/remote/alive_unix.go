//go:build !windows

package remote

import (
	"errors"
	"syscall"
)

// processAlive: signal 0 checks existence; EPERM means it exists but is
// another user's.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
