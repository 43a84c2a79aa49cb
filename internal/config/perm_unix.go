//go:build unix

package config

import (
	"fmt"
	"os"
	"syscall"
)

// makeDirPrivate makes dir 0700 if others can get into it and it is
// deskdial's own; it returns a notice when it changed something.
func makeDirPrivate(dir string) (string, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("config: check %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("config: %s is not a directory", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return "", fmt.Errorf("%w: %s belongs to another user (uid %d); deskdial keeps your keys and call history there, so use a directory of your own (--home DIR)",
			ErrNotPrivate, dir, st.Uid)
	}
	mode := fi.Mode().Perm()
	if mode&0o077 == 0 {
		if mode&0o700 != 0o700 { // a umask like 0277 left it unusable
			return "", os.Chmod(dir, 0o700)
		}
		return "", nil
	}
	if !isOwnDir(dir) {
		return "", fmt.Errorf("%w: other users can open %s (mode %04o) and it holds files that are not deskdial's; deskdial would keep your keys and call history there: run `chmod 700 %s`, or use a directory of its own (--home DIR)",
			ErrNotPrivate, dir, mode, dir)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("%w: other users can open %s (mode %04o) and it cannot be made private: %v; run `chmod 700 %s`", ErrNotPrivate, dir, mode, err, dir)
	}
	return fmt.Sprintf("%s was open to other users (mode %04o); made it private (0700), since it holds your keys and call history", dir, mode), nil
}
