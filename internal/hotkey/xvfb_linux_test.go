package hotkey

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// privateXvfb starts Xvfb on a free display and points DISPLAY at it.
func privateXvfb() (stop func(), err error) {
	stop = func() {}
	if os.Getenv("DISPLAY") == "" && os.Getenv("CI") == "" {
		return stop, nil // the tests skip
	}
	if _, err := exec.LookPath("Xvfb"); err != nil {
		return stop, fmt.Errorf("no Xvfb, using DISPLAY=%q as it is", os.Getenv("DISPLAY"))
	}
	r, w, err := os.Pipe()
	if err != nil {
		return stop, err
	}
	defer r.Close()
	// -displayfd: Xvfb picks a free display and writes its number once it
	// accepts connections. -noreset: no reset when the last client leaves.
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-noreset", "-screen", "0", "640x480x24")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		w.Close()
		return stop, fmt.Errorf("start Xvfb: %w", err)
	}
	w.Close()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return stop, fmt.Errorf("read Xvfb display number: %w", err)
	}
	os.Setenv("DISPLAY", ":"+strings.TrimSpace(line))
	return func() { cmd.Process.Kill(); cmd.Wait() }, nil
}
