// Package x11test holds what the tests of the X11 packages (clipwatch,
// hotkey) share: a private Xvfb per test binary, the display check that
// skips outside CI only, and the idle wake-up measurement. It is imported
// by tests only.
package x11test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// NeedX skips only outside CI when there is no display; under CI a missing
// display is a failure.
func NeedX(t testing.TB) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		if os.Getenv("CI") == "" {
			t.Skip("no X display (run under xvfb-run)")
		}
		t.Fatal("CI is set but DISPLAY is not: run the tests under xvfb-run")
	}
}

// Main runs the tests of package pkg on an X server of their own when a
// display is available (or CI is set), and exits with their result.
// `make test` runs every package under one Xvfb at the same time, and what
// one package's tests do there (copies, key presses, grabs) would otherwise
// reach another's.
func Main(m *testing.M, pkg string) {
	stop, err := privateXvfb()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s tests: %v\n", pkg, err)
		if os.Getenv("CI") != "" {
			os.Exit(1)
		}
	}
	code := m.Run()
	stop()
	os.Exit(code)
}

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

// ctxSwitches sums the context switches of every thread of this process:
// each time a thread wakes up, one of these counters goes up.
func ctxSwitches(tb testing.TB) int64 {
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil || len(tasks) == 0 {
		tb.Skip("no /proc/self/task")
	}
	var n int64
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.HasSuffix(k, "ctxt_switches") {
				x, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				n += x
			}
		}
	}
	return n
}

// IdleWakeups reports, as the metric wakeups/s, how often the process wakes
// up per second while it sits idle: each op is one idle second. A benchmark
// runs it once with nothing set up, as the baseline, and once with the part
// it measures running.
func IdleWakeups(b *testing.B) {
	var total int64
	for i := 0; i < b.N; i++ {
		before := ctxSwitches(b)
		time.Sleep(time.Second)
		total += ctxSwitches(b) - before
	}
	b.ReportMetric(float64(total)/float64(b.N), "wakeups/s")
}
