//go:build unix

package webtest

import (
	"os"
	"syscall"
)

// lockFile waits for an exclusive lock on f, held until unlockFile or exit.
func lockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX) }

func unlockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
