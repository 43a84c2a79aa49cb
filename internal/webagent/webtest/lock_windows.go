//go:build windows

package webtest

import (
	"os"

	"golang.org/x/sys/windows"
)

// lockFile waits for an exclusive lock on f: Windows has no flock, and
// LockFileEx over the whole file does the same job.
func lockFile(f *os.File) error {
	return windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK, 0, ^uint32(0), ^uint32(0), new(windows.Overlapped))
}

func unlockFile(f *os.File) error {
	return windows.UnlockFileEx(windows.Handle(f.Fd()), 0, ^uint32(0), ^uint32(0), new(windows.Overlapped))
}
