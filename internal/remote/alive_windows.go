//go:build windows

package remote

import "os"

// processAlive: FindProcess opens a handle on Windows and fails for a
// process that is gone.
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	p.Release()
	return true
}
