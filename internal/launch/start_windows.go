//go:build windows

package launch

import (
	"os"
	"os/exec"
)

// start starts the tray and lets it run on: Windows has no exec. The tray
// is a GUI program (no console window of its own); it writes its log to
// the standard streams of whoever started deskdial, when there are any.
func start(path string, args, env []string) error {
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}
