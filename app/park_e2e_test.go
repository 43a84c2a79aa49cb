package main

import (
	"fmt"
	"github.com/deskdial/deskdial/internal/testsupport"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// TestDialBoxAfterParking: the dial box runs in a window process of its
// own, which ends when the box closes; the tray itself never loads a GL
// driver, and the hotkey still opens the dial box, which still calls.
func TestDialBoxAfterParking(t *testing.T) {
	needDesktop(t)
	tmp := t.TempDir()
	bin := deskdialBin(t)
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	startNotificationMock(t, conn)
	// A tray host: without one the app shows its menu in a window, and a
	// shown window keeps the loop running.
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
	visible := func() bool {
		return exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Dial$").Run() == nil
	}
	// parked: the window's process has ended, and the tray itself never
	// loaded a GL driver (its windows run in processes of their own).
	parked := func() bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
		return err == nil && !strings.Contains(string(b), "_dri.so") && windowProcesses(t, trayBin(t)) == 0
	}
	for round := 1; round <= 2; round++ {
		if out, err := exec.Command("xdotool", "key", "ctrl+alt+d").CombinedOutput(); err != nil {
			t.Fatalf("xdotool: %v %s", err, out)
		}
		testsupport.WaitForWithin(t, 20*time.Second, fmt.Sprintf("the dial box (round %d)", round), visible)
		if windowProcesses(t, trayBin(t)) != 1 {
			t.Fatalf("round %d: the dial box is shown without a window process", round)
		}
		if out, err := exec.Command("xdotool", "type", "--delay", "20", "+49301234567").CombinedOutput(); err != nil {
			t.Fatalf("xdotool: %v %s", err, out)
		}
		if out, err := exec.Command("xdotool", "key", "Return").CombinedOutput(); err != nil {
			t.Fatalf("xdotool: %v %s", err, out)
		}
		testsupport.WaitForWithin(t, 20*time.Second, "the dial box to close", func() bool { return !visible() })
		testsupport.WaitForWithin(t, 20*time.Second, "the GUI loop to park", parked)
	}
}
