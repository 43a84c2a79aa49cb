//go:build unix

package launch

import "syscall"

// start replaces the running program with the tray; it returns only on
// failure.
func start(path string, args, env []string) error {
	return syscall.Exec(path, append([]string{path}, args...), env)
}
