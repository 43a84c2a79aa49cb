package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/testsupport"
	"github.com/godbus/dbus/v5"
)

// TestTrayFootprint measures the idle tray app: resident memory, CPU time
// and how often its threads wake up, over DESKDIAL_FOOTPRINT (e.g. "60s")
// after it settled; then once more after the dial box was opened with the
// hotkey and closed by calling a number from it, since the GUI loop runs
// from the first window on. It is a measurement for docs/benchmarks.md,
// not a pass/fail test, so it runs only when asked:
//
//	DESKDIAL_FOOTPRINT=60s xvfb-run -a dbus-run-session -- go test -run TestTrayFootprint -v ./app
func TestTrayFootprint(t *testing.T) {
	window := os.Getenv("DESKDIAL_FOOTPRINT")
	if window == "" {
		t.Skip("a measurement; set DESKDIAL_FOOTPRINT=60s to run it")
	}
	idle, err := time.ParseDuration(window)
	if err != nil {
		t.Fatalf("DESKDIAL_FOOTPRINT: %v", err)
	}
	needDesktop(t)
	tmp := t.TempDir()
	bin := deskdialBin(t)
	// A notification server, so that telling "no phone" after the call
	// from the dial box opens no window of its own.
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	startNotificationMock(t, conn)
	// A tray host, so the tray sits in the notification area (without one
	// the app shows its menu in a window, which is not an idle tray).
	w := &watcher{}
	if err := conn.Export(w, "/StatusNotifierWatcher", "org.kde.StatusNotifierWatcher"); err != nil {
		t.Fatal(err)
	}
	if r, err := conn.RequestName("org.kde.StatusNotifierWatcher", dbus.NameFlagDoNotQueue); err != nil || r != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own the watcher name: %v %v", r, err)
	}
	home := filepath.Join(tmp, "home")
	os.MkdirAll(home, 0o700)
	os.WriteFile(filepath.Join(home, "settings.json"),
		[]byte(fmt.Sprintf(`{"version":2,"listen":"127.0.0.1:%d"}`, freePort(t))), 0o600)
	cmd, out := start(t, []string{"LANG=en_US.UTF-8"}, bin, "--home", home)
	testsupport.WaitForWithin(t, 60*time.Second, "the tray to start", func() bool { return strings.Contains(out.String(), "tray: ready") })
	pid := cmd.Process.Pid
	// Let start-up work (presence look-ups, font loading) finish.
	time.Sleep(15 * time.Second)
	measureIdle(t, pid, "idle", idle)

	// The hotkey with nothing selected opens the dial box; calling a
	// number from it closes it.
	if out, err := exec.Command("xdotool", "key", "ctrl+alt+d").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, out)
	}
	visible := func() bool {
		return exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Dial$").Run() == nil
	}
	testsupport.WaitForWithin(t, 20*time.Second, "the dial box", visible)
	if out, err := exec.Command("xdotool", "type", "--delay", "20", "+49301234567").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, out)
	}
	if out, err := exec.Command("xdotool", "key", "Return").CombinedOutput(); err != nil {
		t.Fatalf("xdotool: %v %s", err, out)
	}
	testsupport.WaitForWithin(t, 20*time.Second, "the dial box to close", func() bool { return !visible() })
	time.Sleep(15 * time.Second)
	measureIdle(t, pid, "after the dial box was used", idle)
}

// measureIdle logs the process's memory, CPU share and wake-ups over d.
func measureIdle(t *testing.T, pid int, label string, d time.Duration) {
	t.Helper()
	cpu0, sw0 := testsupport.ProcCPUTicks(t, pid), testsupport.ProcSwitches(pid)
	t0 := time.Now()
	time.Sleep(d)
	cpu1, sw1 := testsupport.ProcCPUTicks(t, pid), testsupport.ProcSwitches(pid)
	el := time.Since(t0)
	const hz = 100 // USER_HZ on Linux
	cpuPct := float64(cpu1-cpu0) / hz / el.Seconds() * 100
	t.Logf("%s, over %v: RSS %.1f MB (anonymous %.1f MB, file-backed %.1f MB), CPU %.3f%%, %.1f context switches/s (all threads), %d threads",
		label, el.Round(time.Second), float64(testsupport.ProcStatus(pid, "VmRSS"))/1024,
		float64(testsupport.ProcStatus(pid, "RssAnon"))/1024, float64(testsupport.ProcStatus(pid, "RssFile"))/1024,
		cpuPct, float64(sw1-sw0)/el.Seconds(), testsupport.ProcStatus(pid, "Threads"))
}
